"""Lakebase Autoscaling branches through the real SDK: a copy-on-write branch of a branch, its
automatic read-write endpoint and copied databases, long-running operations, deletion, expiry,
and the errors the Postgres API answers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import (
    AlreadyExists,
    BadRequest,
    InvalidParameterValue,
    NotFound,
    PermissionDenied,
)
from databricks.sdk.service.postgres import (
    Branch,
    BranchSpec,
    BranchStatusState,
    EndpointStatusState,
    EndpointType,
)
from google.protobuf.duration_pb2 import Duration
from google.protobuf.timestamp_pb2 import Timestamp

from fake_workspace import FakeWorkspace, Route
from fake_workspace.branches import DEFAULT_DATABASE, BranchEvent
from fake_workspace.reference import ALICE, APP_SP, LAKEBASE_ENDPOINT, OTHER_LAKEBASE_ENDPOINT
from tests.harness.clock import FakeClock
from tests.harness.http import SdkFactory

pytestmark = pytest.mark.fake_only

PROJECT = f"projects/{LAKEBASE_ENDPOINT.project}"
SOURCE = LAKEBASE_ENDPOINT.branch_name
HOUR = Duration(seconds=3600)


def branch_of(source: str = SOURCE, **expiry: object) -> Branch:
    """A branch of ``source`` living an hour unless ``expiry`` says otherwise."""
    return Branch(spec=BranchSpec(source_branch=source, **(expiry or {"ttl": HOUR})))  # type: ignore[arg-type]


def create(w: WorkspaceClient, branch_id: str = "run-1", **expiry: object) -> Branch:
    return w.postgres.create_branch(
        parent=PROJECT, branch=branch_of(**expiry), branch_id=branch_id
    ).wait()


def test_a_branch_is_created_ready_with_its_source_and_expiry(sdk: SdkFactory) -> None:
    before = datetime.now(UTC)

    branch = create(sdk(ALICE))

    assert branch.name == f"{PROJECT}/branches/run-1"
    assert (branch.branch_id, branch.parent) == ("run-1", PROJECT)
    assert branch.spec is None, "answers carry the status; the spec is input only"
    assert branch.uid
    status = branch.status
    assert status is not None
    assert status.current_state is BranchStatusState.READY
    assert (status.source_branch, status.default, status.is_protected) == (SOURCE, False, False)
    assert status.source_branch_lsn
    assert status.expire_time is not None
    lifetime = status.expire_time.ToDatetime(tzinfo=UTC) - before
    assert timedelta(minutes=59) < lifetime <= timedelta(hours=1, seconds=5)
    assert sdk(ALICE).postgres.get_branch(branch.name or "") == branch


def test_create_answers_an_operation_done_at_once_and_the_waiter_reads_it(
    fake: FakeWorkspace, sdk: SdkFactory
) -> None:
    create(sdk(ALICE))

    (posted,) = fake.requests.for_route(Route.POSTGRES_BRANCH_CREATE)
    assert posted.query == {"branch_id": "run-1"}
    assert posted.json == {"spec": {"source_branch": SOURCE, "ttl": "3600s"}}
    answer = json.loads(posted.response_body)
    assert answer["done"] is True
    assert answer["name"].startswith(f"{PROJECT}/branches/run-1/operations/")
    assert answer["metadata"] == {
        "@type": "type.googleapis.com/databricks.postgres.v1.BranchOperationMetadata"
    }
    assert answer["response"]["name"] == f"{PROJECT}/branches/run-1"
    polled = fake.requests.for_route(Route.POSTGRES_RESOURCE)
    assert [r.path_params["name"] for r in polled] == [answer["name"]]


def test_an_operation_can_take_several_polls(fake: FakeWorkspace, sdk: SdkFactory) -> None:
    fake.branches.operation_polls = 1
    w = sdk(ALICE)

    waiter = w.postgres.create_branch(parent=PROJECT, branch=branch_of(), branch_id="slow")
    meanwhile = w.postgres.get_branch(f"{PROJECT}/branches/slow")
    branch = waiter.wait()

    assert meanwhile.status is not None
    assert meanwhile.status.current_state is BranchStatusState.INIT
    assert branch.status is not None
    assert branch.status.current_state is BranchStatusState.READY
    polls = [
        r for r in fake.requests.for_route(Route.POSTGRES_RESOURCE) if "/operations/" in r.path
    ]
    assert [json.loads(r.response_body)["done"] for r in polls] == [False, True]


def test_a_failed_operation_reports_its_error(fake: FakeWorkspace, sdk: SdkFactory) -> None:
    fake.branches.operation_error = {"error_code": "INTERNAL_ERROR", "message": "copy failed"}

    with pytest.raises(Exception, match=r"operation failed: \[.*INTERNAL_ERROR\] copy failed"):
        create(sdk(ALICE))

    with pytest.raises(NotFound):
        sdk(ALICE).postgres.get_branch(f"{PROJECT}/branches/run-1")


def test_a_new_branch_gets_its_own_read_write_endpoint(
    fake: FakeWorkspace, sdk: SdkFactory
) -> None:
    w = sdk(ALICE)
    branch = create(w)

    endpoint = w.postgres.get_endpoint(f"{branch.name}/endpoints/primary")

    assert endpoint.parent == branch.name
    assert endpoint.status is not None
    assert endpoint.status.endpoint_type is EndpointType.ENDPOINT_TYPE_READ_WRITE
    assert endpoint.status.current_state is EndpointStatusState.ACTIVE
    assert endpoint.status.hosts is not None
    assert endpoint.status.hosts.host
    assert endpoint.status.hosts.host != LAKEBASE_ENDPOINT.host
    assert [e.name for e in w.postgres.list_endpoints(branch.name or "")] == [endpoint.name]


def test_a_branch_endpoint_mints_credentials_for_itself(
    fake: FakeWorkspace, sdk: SdkFactory
) -> None:
    branch = create(sdk(ALICE))
    endpoint = f"{branch.name}/endpoints/primary"

    credential = fake.workspace_client(ALICE).postgres.generate_database_credential(
        endpoint=endpoint
    )

    assert fake.lakebase.is_valid(credential.token or "", ALICE.user_name, endpoint)
    assert not fake.lakebase.is_valid(
        credential.token or "", ALICE.user_name, LAKEBASE_ENDPOINT.name
    )


@pytest.fixture
def app_database(fake: FakeWorkspace) -> Iterator[str]:
    """The seeded branch also holds `appdb` (as `--postgres` configures it), for this test."""
    added = fake.branches.add_seed_database(SOURCE, "appdb")
    yield added.name
    fake.branches.remove_seed_database(added.name)


@pytest.mark.usefixtures("app_database")
def test_a_branch_holds_copies_of_its_sources_databases(sdk: SdkFactory) -> None:
    w = sdk(ALICE)
    source = {d.database_id: d for d in w.postgres.list_databases(SOURCE)}

    branch = create(w)
    copies = {d.database_id: d for d in w.postgres.list_databases(branch.name or "")}

    assert set(source) == set(copies) == {"databricks-postgres", "appdb"}
    assert source["databricks-postgres"].status is not None
    assert source["databricks-postgres"].status.postgres_database == DEFAULT_DATABASE
    names = {i: d.status.postgres_database for i, d in copies.items() if d.status}
    assert names == {"databricks-postgres": "databricks_postgres_run_1", "appdb": "appdb_run_1"}
    one = w.postgres.get_database(f"{branch.name}/databases/appdb")
    assert one == copies["appdb"]
    assert one.parent == branch.name


def test_listeners_hear_of_branches_created_and_deleted(
    fake: FakeWorkspace, sdk: SdkFactory
) -> None:
    heard: list[BranchEvent] = []
    stop = fake.branches.on_branch(heard.append)
    try:
        w = sdk(ALICE)
        branch = create(w)
        w.postgres.delete_branch(branch.name or "").wait()
    finally:
        stop()

    created, deleted = heard
    assert (created.kind, created.branch, created.source_branch) == ("created", branch.name, SOURCE)
    assert created.endpoints == (f"{branch.name}/endpoints/primary",)
    assert [(c.source_postgres_database, c.postgres_database) for c in created.databases] == [
        (DEFAULT_DATABASE, "databricks_postgres_run_1")
    ]
    assert (deleted.kind, deleted.branch) == ("deleted", branch.name)
    assert [c.postgres_database for c in deleted.databases] == ["databricks_postgres_run_1"]


def test_deleting_a_branch_removes_it_with_its_endpoint_and_databases(
    fake: FakeWorkspace, sdk: SdkFactory
) -> None:
    w = sdk(ALICE)
    branch = create(w)
    name = branch.name or ""

    w.postgres.delete_branch(name).wait()

    assert name not in [b.name for b in w.postgres.list_branches(PROJECT)]
    for read in (
        lambda: w.postgres.get_branch(name),
        lambda: w.postgres.get_endpoint(f"{name}/endpoints/primary"),
        lambda: list(w.postgres.list_databases(name)),
    ):
        with pytest.raises(NotFound, match=r"^branch id not found"):
            read()
    with pytest.raises(NotFound):
        w.postgres.generate_database_credential(endpoint=f"{name}/endpoints/primary")
    deleted = fake.requests.for_route(Route.POSTGRES_DELETE)[0]
    assert b'"@type":"type.googleapis.com/google.protobuf.Empty"' in deleted.response_body


def test_deleting_a_missing_branch_is_not_found_unless_allowed(
    sdk: SdkFactory, http: httpx.Client
) -> None:
    with pytest.raises(NotFound, match=r"^branch id not found"):
        sdk(ALICE).postgres.delete_branch(f"{PROJECT}/branches/gone").wait()

    answer = http.delete(
        f"/api/2.0/postgres/{PROJECT}/branches/gone",
        params={"allow_missing": "true"},
        headers={"Authorization": f"Bearer {ALICE.token}"},
    )

    assert answer.status_code == 200
    assert answer.json()["done"] is True
    assert answer.json()["response"] == {"@type": "type.googleapis.com/google.protobuf.Empty"}


def test_protected_and_root_branches_cannot_be_deleted(sdk: SdkFactory) -> None:
    w = sdk(ALICE)
    protected = w.postgres.create_branch(
        parent=PROJECT,
        branch=Branch(spec=BranchSpec(source_branch=SOURCE, ttl=HOUR, is_protected=True)),
        branch_id="kept",
    ).wait()

    with pytest.raises(BadRequest, match="cannot delete protected branch"):
        w.postgres.delete_branch(protected.name or "").wait()
    with pytest.raises(BadRequest, match=r"protected|root branch"):
        w.postgres.delete_branch(SOURCE).wait()
    assert w.postgres.get_branch(SOURCE).status.default is True  # type: ignore[union-attr]


def test_a_taken_branch_id_is_already_exists_unless_replaced(sdk: SdkFactory) -> None:
    w = sdk(ALICE)
    first = create(w, "taken")

    with pytest.raises(AlreadyExists, match="branch with such id already exists"):
        create(w, "taken")
    replaced = w.postgres.create_branch(
        parent=PROJECT,
        branch=Branch(spec=BranchSpec(source_branch=SOURCE, no_expiry=True)),
        branch_id="taken",
        replace_existing=True,
    ).wait()

    assert replaced.uid == first.uid
    assert replaced.status is not None
    assert replaced.status.expire_time is None
    assert len(list(w.postgres.list_endpoints(first.name or ""))) == 1


@pytest.mark.parametrize(
    ("parent", "source", "missing"),
    [
        ("projects/nope", SOURCE, "project"),
        (PROJECT, f"{PROJECT}/branches/nope", "branch"),
    ],
)
def test_an_unknown_project_or_source_branch_is_not_found(
    sdk: SdkFactory, parent: str, source: str, missing: str
) -> None:
    with pytest.raises(NotFound, match=rf"^{missing} id not found") as raised:
        sdk(ALICE).postgres.create_branch(
            parent=parent, branch=branch_of(source), branch_id="run-1"
        ).wait()

    assert raised.value.error_code == "NOT_FOUND"


def test_a_principal_without_access_may_not_branch_or_delete(
    fake: FakeWorkspace, sdk: SdkFactory
) -> None:
    w = sdk(ALICE)
    branch = create(w)
    fake.lakebase.revoke_access(ALICE.user_name)

    with pytest.raises(PermissionDenied):
        create(w, "run-2")
    with pytest.raises(PermissionDenied):
        w.postgres.delete_branch(branch.name or "").wait()
    with pytest.raises(PermissionDenied):
        w.postgres.get_branch(branch.name or "")
    fake.lakebase.grant_access(ALICE.user_name)
    assert w.postgres.get_branch(branch.name or "").name == branch.name
    assert APP_SP.application_id != ALICE.user_name


def _in(minutes: int) -> Timestamp:
    stamp = Timestamp()
    stamp.FromDatetime(datetime.now(UTC) + timedelta(minutes=minutes))
    return stamp


@pytest.mark.parametrize(
    "expiry",
    [
        {},  # none of the three
        {"ttl": HOUR, "no_expiry": True},
        {"ttl": HOUR, "expire_time": "later"},
        {"no_expiry": False},
        {"ttl": Duration(seconds=0)},
        {"ttl": Duration(seconds=31 * 24 * 3600)},
        {"expire_time": "past"},
    ],
    ids=["none", "ttl+no_expiry", "ttl+expire_time", "no_expiry-false", "ttl-0", "ttl-31d", "past"],
)
def test_the_expiry_must_be_exactly_one_valid_choice(
    sdk: SdkFactory, expiry: dict[str, object]
) -> None:
    spec: dict[str, object] = dict(expiry)
    if spec.get("expire_time") == "later":
        spec["expire_time"] = _in(90)
    if spec.get("expire_time") == "past":
        spec["expire_time"] = _in(-5)
    branch = Branch(spec=BranchSpec(source_branch=SOURCE, **spec))  # type: ignore[arg-type]

    with pytest.raises(InvalidParameterValue):
        sdk(ALICE).postgres.create_branch(parent=PROJECT, branch=branch, branch_id="run-1").wait()


@pytest.mark.parametrize("branch_id", ["Run", "1run", "run_1", "r" * 64])
def test_an_invalid_branch_id_is_refused(sdk: SdkFactory, branch_id: str) -> None:
    with pytest.raises(InvalidParameterValue):
        create(sdk(ALICE), branch_id)


def test_expire_time_and_no_expiry_are_honoured(sdk: SdkFactory) -> None:
    w = sdk(ALICE)
    until = _in(120)

    timed = create(w, "timed", expire_time=until)
    lasting = create(w, "lasting", no_expiry=True)

    assert timed.status is not None
    assert timed.status.expire_time is not None
    assert abs(timed.status.expire_time.seconds - until.seconds) <= 1
    assert lasting.status is not None
    assert lasting.status.expire_time is None


def test_an_expired_branch_is_gone_with_its_databases(fake: FakeWorkspace, sdk: SdkFactory) -> None:
    clock = FakeClock()
    fake.lakebase.now = clock.now
    heard: list[BranchEvent] = []
    stop = fake.branches.on_branch(heard.append)
    try:
        w = sdk(ALICE)
        branch = create(w)
        clock.advance(3601)

        with pytest.raises(NotFound, match=r"^branch id not found"):
            w.postgres.generate_database_credential(endpoint=f"{branch.name}/endpoints/primary")
        with pytest.raises(NotFound, match=r"^branch id not found"):
            w.postgres.get_branch(branch.name or "")
    finally:
        stop()

    assert [e.kind for e in heard] == ["created", "deleted"]
    assert branch.name not in [b.name for b in w.postgres.list_branches(PROJECT)]


def test_branches_are_listed_in_pages(sdk: SdkFactory, http: httpx.Client) -> None:
    w = sdk(ALICE)
    create(w, "run-1")
    create(w, "run-2")

    everything = [b.branch_id for b in w.postgres.list_branches(PROJECT, page_size=1)]
    first = http.get(
        f"/api/2.0/postgres/{PROJECT}/branches",
        params={"page_size": "1"},
        headers={"Authorization": f"Bearer {ALICE.token}"},
    ).json()

    assert everything == ["production", "development", "run-1", "run-2"]
    assert len(first["branches"]) == 1
    assert first["next_page_token"]
    with pytest.raises(InvalidParameterValue):
        list(w.postgres.list_branches(PROJECT, page_size=-1))


def test_reset_deletes_the_branches_a_test_created(fake: FakeWorkspace, sdk: SdkFactory) -> None:
    heard: list[BranchEvent] = []
    stop = fake.branches.on_branch(heard.append)
    try:
        branch = create(sdk(ALICE))
        fake.reset()
    finally:
        stop()

    assert [(e.kind, e.branch) for e in heard] == [
        ("created", branch.name),
        ("deleted", branch.name),
    ]
    names = [b.name for b in sdk(ALICE).postgres.list_branches(PROJECT)]
    assert names == [SOURCE, OTHER_LAKEBASE_ENDPOINT.branch_name]
