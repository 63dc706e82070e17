"""Lakebase Autoscaling branches in the stand-in: a branch the fake creates is a copy of its
source branch's database under the name the Databases API reports, only credentials minted for
the branch's endpoint open it (and they no longer open the source's), and deleting the branch
drops it."""

from __future__ import annotations

from collections.abc import Iterator

import psycopg
import pytest
from databricks.sdk.service.postgres import Branch, BranchSpec
from google.protobuf.duration_pb2 import Duration

from fake_workspace import FakeWorkspace
from fake_workspace.postgres_backing import BranchBacking
from fake_workspace.reference import ALICE, APP_SP, LAKEBASE_ENDPOINT
from server.config import Settings
from tests.harness.backends import (
    BackendChoice,
    create_database,
    drop_database,
    ensure_login_role,
    unique_database_name,
    with_database,
)
from tests.integration.lakebase.test_standin import connect, lakebase_settings, mint, refused

pytestmark = [pytest.mark.lakebase_only, pytest.mark.fake_only]
__all__ = ["lakebase_settings"]  # the fixture, shared with the stand-in's own tests

SOURCE = LAKEBASE_ENDPOINT.branch_name
PROJECT = f"projects/{LAKEBASE_ENDPOINT.project}"
ROW = ("kept", 42)


@pytest.fixture
def backed_source(lakebase_branches: BranchBacking | None, backend: BackendChoice) -> Iterator[str]:
    """A database of the stand-in that the app's branch holds (with one row), for this test."""
    if lakebase_branches is None:
        pytest.skip("branches are a Lakebase Autoscaling feature")
    name = unique_database_name("branches")
    create_database(backend.url, name)
    ensure_login_role(backend.url, APP_SP.application_id, name)
    with psycopg.connect(with_database(backend.url, name), autocommit=True) as conn:
        conn.execute("CREATE TABLE notes (note text, n int)")
        conn.execute("INSERT INTO notes VALUES (%s, %s)", ROW)
    undo = lakebase_branches.back(SOURCE, name)
    try:
        yield name
    finally:
        undo()
        drop_database(backend.url, name)


def copy_of(fake: FakeWorkspace, branch: str, source_database: str) -> str:
    """The branch's copy of ``source_database``, as the Databases API names it."""
    w = fake.workspace_client(ALICE)
    (source_id,) = [
        d.database_id
        for d in w.postgres.list_databases(SOURCE)
        if d.status and d.status.postgres_database == source_database
    ]
    copy = w.postgres.get_database(f"{branch}/databases/{source_id}")
    assert copy.status is not None
    assert copy.status.postgres_database
    return copy.status.postgres_database


def databases_on(server_url: str) -> set[str]:
    with psycopg.connect(server_url, autocommit=True) as conn:
        return {row[0] for row in conn.execute("SELECT datname FROM pg_database")}


def test_a_branch_is_a_copy_that_only_its_own_credentials_open(
    backed_source: str,
    lakebase_settings: Settings,
    fake: FakeWorkspace,
    backend: BackendChoice,
) -> None:
    on_source = lakebase_settings.model_copy(update={"pgdatabase": backed_source})
    branch = (
        fake.workspace_client(ALICE)
        .postgres.create_branch(
            parent=PROJECT,
            branch=Branch(spec=BranchSpec(source_branch=SOURCE, ttl=Duration(seconds=3600))),
            branch_id="run-copy",
        )
        .wait()
    )
    name = branch.name or ""
    copy = copy_of(fake, name, backed_source)
    on_branch = lakebase_settings.model_copy(
        update={"lakebase_endpoint": f"{name}/endpoints/primary", "pgdatabase": copy}
    )

    branch_token = mint(on_branch)
    connect(on_branch, branch_token)
    # The copy keeps the source's grants, as a branch copies a database whole: the service
    # principal may still create a schema there (a template alone would leave only the owner's).
    with psycopg.connect(
        host=on_branch.pghost,
        port=on_branch.pgport,
        dbname=copy,
        user=on_branch.pguser,
        password=branch_token,
        sslmode="require",
        autocommit=True,
    ) as conn:
        conn.execute("CREATE SCHEMA granted_on_the_copy")
    with psycopg.connect(with_database(backend.url, copy), autocommit=True) as conn:
        assert conn.execute("SELECT note, n FROM notes").fetchall() == [ROW]
    assert "permission denied for database" in refused(on_source, branch_token)

    source_token = mint(on_source)
    assert "permission denied for database" in refused(on_branch, source_token)
    connect(on_source, source_token)

    fake.workspace_client(ALICE).postgres.delete_branch(name).wait()
    assert copy not in databases_on(backend.url)
    assert backed_source in databases_on(backend.url)


def test_branches_of_a_branch_without_databases_here_copy_nothing(
    backed_source: str, fake: FakeWorkspace, backend: BackendChoice
) -> None:
    w = fake.workspace_client(ALICE)
    other = "projects/app-state/branches/development"
    before = databases_on(backend.url)

    w.postgres.create_branch(
        parent=PROJECT,
        branch=Branch(spec=BranchSpec(source_branch=other, no_expiry=True)),
        branch_id="dev-copy",
    ).wait()

    assert databases_on(backend.url) == before
    assert backed_source in before
