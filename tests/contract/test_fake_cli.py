"""`python -m fake_workspace` served on its own: the ready file a driver reads, a log line per
request (unrouted ones and errors inside the fake named), the exit summary, and `--postgres`
backing Lakebase branches with a real server."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.config import Config
from databricks.sdk.service.postgres import Branch, BranchSpec
from google.protobuf.duration_pb2 import Duration

from fake_workspace.reference import ALICE, APP_SP, LAKEBASE_ENDPOINT, USERS
from tests.harness.backends import (
    BackendChoice,
    create_database,
    drop_database,
    ensure_login_role,
    with_database,
)
from tests.harness.waiting import until_blocking

pytestmark = pytest.mark.fake_only

PROJECT = f"projects/{LAKEBASE_ENDPOINT.project}"
SOURCE = LAKEBASE_ENDPOINT.branch_name


@dataclass
class Served:
    process: subprocess.Popen[str]
    ready: dict[str, object]

    @property
    def base_url(self) -> str:
        return str(self.ready["base_url"])

    def client(self, token: str) -> WorkspaceClient:
        return WorkspaceClient(
            config=Config(host=self.base_url, token=token, auth_type="pat", retry_timeout_seconds=5)
        )

    def stop(self) -> list[str]:
        """SIGTERM, then every line it printed."""
        self.process.send_signal(signal.SIGTERM)
        out, _ = self.process.communicate(timeout=30)
        assert self.process.returncode == 0, out
        return out.splitlines()


def serve(tmp_path: Path, *options: str) -> Iterator[Served]:
    ready_file = tmp_path / "ready.json"
    env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost", "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "fake_workspace", "--ready-file", str(ready_file), *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
    )
    try:
        until_blocking(
            lambda: ready_file.exists() or process.poll() is not None, what="the ready file"
        )
        assert process.poll() is None, process.communicate()[0]
        yield Served(process, json.loads(ready_file.read_text()))
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    yield from serve(tmp_path)


def test_the_ready_file_says_what_a_driver_needs(served: Served) -> None:
    assert served.ready == {
        "base_url": served.base_url,
        "warehouse_id": served.ready["warehouse_id"],
        "app_client_id": APP_SP.client_id,
        "app_client_secret": APP_SP.client_secret,
        "users": {u.user_name: u.token for u in USERS},
    }
    assert served.ready["warehouse_id"]
    me = served.client(ALICE.token).current_user.me()
    assert me.user_name == ALICE.user_name


def test_every_request_is_logged_and_summed_up_at_exit(served: Served) -> None:
    headers = {"Authorization": f"Bearer {ALICE.token}"}
    with httpx.Client(base_url=served.base_url, headers=headers, timeout=10) as http:
        assert http.get("/api/2.0/preview/scim/v2/Me").status_code == 200
        assert http.get("/api/9.9/nowhere").status_code == 404
        assert http.get(f"/api/2.0/postgres/{PROJECT}").status_code == 500  # not modelled

    lines = served.stop()

    assert "fake workspace: GET /api/2.0/preview/scim/v2/Me 200" in lines
    assert "fake workspace: unrouted GET /api/9.9/nowhere 404" in lines
    assert f"fake workspace: GET /api/2.0/postgres/{PROJECT} 500" in lines
    errors = [line for line in lines if line.startswith("fake workspace: error in GET")]
    assert len(errors) == 1
    assert "NotImplementedError" in errors[0]
    assert lines[-1] == "fake workspace: 3 requests answered, 1 unrouted, 1 errors"


@pytest.fixture
def app_database(backend: BackendChoice) -> Iterator[str]:
    """A database of the run's PostgreSQL server playing the app branch's, with one row. Not on
    the Lakebase stand-in: a second fake minting for its service principal's role there would
    change the password the run logs in with."""
    if backend.name != "postgres":
        pytest.skip("needs a plain PostgreSQL server (--db=postgres)")
    name = f"fake_cli_{uuid.uuid4().hex[:10]}"
    create_database(backend.url, name)
    ensure_login_role(backend.url, APP_SP.application_id, name)
    with psycopg.connect(with_database(backend.url, name), autocommit=True) as conn:
        conn.execute("CREATE TABLE notes (note text)")
        conn.execute("INSERT INTO notes VALUES ('kept')")
    try:
        yield name
    finally:
        drop_database(backend.url, name)


def can_connect(server_url: str, role: str, database: str) -> bool:
    with psycopg.connect(server_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT has_database_privilege(%s, %s, 'CONNECT')", (role, database)
        ).fetchone()
    return bool(row and row[0])


@pytest.mark.postgres_only
def test_postgres_backs_branches_endpoints_and_credentials(
    tmp_path: Path, backend: BackendChoice, app_database: str
) -> None:
    server_url = with_database(backend.url, app_database).replace(
        "postgresql+psycopg", "postgresql"
    )
    for served in serve(tmp_path, "--postgres", server_url):
        alice = served.client(ALICE.token)
        assert alice.postgres.get_endpoint(LAKEBASE_ENDPOINT.name).status.hosts.host == "127.0.0.1"  # type: ignore[union-attr]

        branch = alice.postgres.create_branch(
            parent=PROJECT,
            branch=Branch(spec=BranchSpec(source_branch=SOURCE, ttl=Duration(seconds=3600))),
            branch_id="rehearsal",
        ).wait()
        (copy,) = [
            d.status.postgres_database
            for d in alice.postgres.list_databases(branch.name or "")
            if d.status and d.status.postgres_database.startswith(app_database)  # type: ignore[union-attr]
        ]
        with psycopg.connect(with_database(server_url, copy), autocommit=True) as conn:
            assert conn.execute("SELECT note FROM notes").fetchall() == [("kept",)]
        sp = WorkspaceClient(
            config=Config(
                host=served.base_url,
                client_id=APP_SP.client_id,
                client_secret=APP_SP.client_secret,
                auth_type="oauth-m2m",
            )
        )
        sp.postgres.generate_database_credential(endpoint=f"{branch.name}/endpoints/primary")
        role = APP_SP.application_id
        assert can_connect(server_url, role, copy)
        assert not can_connect(server_url, role, app_database)
        sp.postgres.generate_database_credential(endpoint=LAKEBASE_ENDPOINT.name)
        assert can_connect(server_url, role, app_database)
        assert not can_connect(server_url, role, copy)

        alice.postgres.delete_branch(branch.name or "").wait()
        with psycopg.connect(server_url, autocommit=True) as conn:
            left = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (copy,)).fetchall()
        assert left == []
        lines = served.stop()
        assert lines[-1].endswith(" unrouted, 0 errors")
        assert ", 0 unrouted," in lines[-1]
