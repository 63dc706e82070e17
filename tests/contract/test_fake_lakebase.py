"""Lakebase: instance (Provisioned) and endpoint (Autoscaling) metadata, and short-lived
credentials from both APIs, as the SDK reads them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from databricks.sdk.errors import (
    InternalError,
    InvalidParameterValue,
    NotFound,
    PermissionDenied,
    ResourceDoesNotExist,
    Unauthenticated,
)
from databricks.sdk.service.database import (
    DatabaseInstanceState,
    RequestedClaims,
    RequestedClaimsPermissionSet,
    RequestedResource,
)
from databricks.sdk.service.postgres import EndpointStatusState, EndpointType
from google.protobuf.duration_pb2 import Duration
from google.protobuf.timestamp_pb2 import Timestamp

from fake_workspace import FakeWorkspace, FakeWorkspaceError, Route
from fake_workspace.reference import (
    ALICE,
    LAKEBASE,
    LAKEBASE_ENDPOINT,
    OTHER_LAKEBASE,
    OTHER_LAKEBASE_ENDPOINT,
)
from tests.harness.http import SdkFactory

pytestmark = pytest.mark.fake_only


def test_instance_parses_with_its_state(sdk: SdkFactory) -> None:
    instance = sdk(ALICE).database.get_database_instance(LAKEBASE.name)

    assert instance.state is DatabaseInstanceState.AVAILABLE
    assert instance.read_write_dns == LAKEBASE.read_write_dns
    assert instance.uid == LAKEBASE.uid
    assert instance.pg_version


def test_instance_state_is_controllable(sdk: SdkFactory, fake: FakeWorkspace) -> None:
    fake.lakebase.set_instance_state(LAKEBASE.name, "STOPPED")

    instance = sdk(ALICE).database.get_database_instance(LAKEBASE.name)

    assert instance.state is DatabaseInstanceState.STOPPED
    assert instance.stopped is True


def test_missing_instance_is_resource_does_not_exist(sdk: SdkFactory) -> None:
    with pytest.raises(ResourceDoesNotExist):
        sdk(ALICE).database.get_database_instance("nope")


def test_credentials_are_minted_and_counted(sdk: SdkFactory, fake: FakeWorkspace) -> None:
    fake.lakebase.credential_lifetime_seconds = 120
    w = sdk(ALICE)

    first = w.database.generate_database_credential(instance_names=[LAKEBASE.name])
    second = w.database.generate_database_credential(instance_names=[LAKEBASE.name])

    assert first.token
    assert second.token
    assert first.token != second.token
    expires = datetime.fromisoformat((first.expiration_time or "").replace("Z", "+00:00"))
    assert timedelta(seconds=100) < expires - datetime.now(UTC) <= timedelta(seconds=121)
    assert fake.lakebase.tokens_minted == 2
    assert [c.user_name for c in fake.lakebase.minted] == [ALICE.user_name] * 2
    assert fake.lakebase.is_valid(first.token, ALICE.user_name)
    sent = fake.requests.for_route(Route.DATABASE_CREDENTIAL)[0].json
    assert sent["instance_names"] == [LAKEBASE.name]
    assert sent["request_id"]


def test_credentials_need_an_existing_instance(sdk: SdkFactory) -> None:
    w = sdk(ALICE)
    with pytest.raises(ResourceDoesNotExist):
        w.database.generate_database_credential(instance_names=["nope"])
    with pytest.raises(InvalidParameterValue):
        w.database.generate_database_credential(instance_names=[])


def test_credentials_need_authentication(sdk: SdkFactory) -> None:
    with pytest.raises(Unauthenticated):
        sdk("dapi-wrong").database.generate_database_credential(instance_names=[LAKEBASE.name])


TABLE_CLAIM = RequestedClaims(
    permission_set=RequestedClaimsPermissionSet.READ_ONLY,
    resources=[RequestedResource(table_name="main.sales.orders")],
)


def test_credentials_for_claims_alone_need_no_instance(
    sdk: SdkFactory, fake: FakeWorkspace
) -> None:
    # "At least one of instance_names or claims must be specified" (the SDK's documentation).
    credential = sdk(ALICE).database.generate_database_credential(claims=[TABLE_CLAIM])

    assert credential.token
    sent = fake.requests.for_route(Route.DATABASE_CREDENTIAL)[0].json
    assert "instance_names" not in sent
    assert sent["claims"] == [TABLE_CLAIM.as_dict()]
    with_empty_names = sdk(ALICE).api_client.do(
        "POST",
        "/api/2.0/database/credentials",
        body={"instance_names": [], "claims": [TABLE_CLAIM.as_dict()]},
    )
    assert with_empty_names["token"]
    assert len(fake.lakebase.minted) == 2


MALFORMED_CLAIMS = [
    pytest.param({"permission_set": "READ_ONLY"}, id="not-a-list"),
    pytest.param([{"permission_set": "WRITE"}], id="unknown-permission-set"),
    pytest.param([{"resources": [{"table": "main.sales.orders"}]}], id="unknown-resource-key"),
    pytest.param([{"resources": [{"table_name": 7}]}], id="table-name-not-text"),
]
TARGETS = {
    "/api/2.0/database/credentials": {"instance_names": [LAKEBASE.name]},
    "/api/2.0/postgres/credentials": {"endpoint": LAKEBASE_ENDPOINT.name},
}


@pytest.mark.parametrize("path", sorted(TARGETS))
@pytest.mark.parametrize("claims", MALFORMED_CLAIMS)
def test_credentials_refuse_malformed_claims(
    sdk: SdkFactory, fake: FakeWorkspace, path: str, claims: object
) -> None:
    body = {**TARGETS[path], "claims": claims}

    with pytest.raises(InvalidParameterValue):
        sdk(ALICE).api_client.do("POST", path, body=body)

    assert fake.lakebase.minted == []


# -- Lakebase Autoscaling: projects / branches / endpoints, credentials per endpoint ----------


def test_endpoint_parses_with_its_host_and_state(sdk: SdkFactory) -> None:
    endpoint = sdk(ALICE).postgres.get_endpoint(LAKEBASE_ENDPOINT.name)

    assert endpoint.name == LAKEBASE_ENDPOINT.name
    assert endpoint.parent == LAKEBASE_ENDPOINT.branch_name
    assert endpoint.uid == LAKEBASE_ENDPOINT.uid
    assert endpoint.status is not None
    assert endpoint.status.current_state is EndpointStatusState.ACTIVE
    assert endpoint.status.endpoint_type is EndpointType.ENDPOINT_TYPE_READ_WRITE
    assert endpoint.status.hosts is not None
    assert endpoint.status.hosts.host == LAKEBASE_ENDPOINT.host
    assert endpoint.spec is None, "GET answers the status; the spec is input only"


def test_endpoint_state_is_controllable(sdk: SdkFactory, fake: FakeWorkspace) -> None:
    fake.lakebase.set_endpoint_state(LAKEBASE_ENDPOINT.name, "IDLE")

    endpoint = sdk(ALICE).postgres.get_endpoint(LAKEBASE_ENDPOINT.name)

    assert endpoint.status is not None
    assert endpoint.status.current_state is EndpointStatusState.IDLE


@pytest.mark.parametrize(
    ("name", "missing"),
    [
        ("projects/nope/branches/production/endpoints/primary", "project"),
        ("projects/app-state/branches/nope/endpoints/primary", "branch"),
        ("projects/app-state/branches/production/endpoints/nope", "endpoint"),
    ],
)
def test_a_missing_endpoint_names_the_first_missing_level(
    sdk: SdkFactory, name: str, missing: str
) -> None:
    with pytest.raises(NotFound) as raised:
        sdk(ALICE).postgres.get_endpoint(name)

    assert raised.value.error_code == "NOT_FOUND"
    assert str(raised.value).startswith(f"{missing} id not found")


def test_postgres_resources_the_fake_does_not_model_fail_the_test_loudly(
    sdk: SdkFactory, fake: FakeWorkspace
) -> None:
    with pytest.raises(InternalError):
        sdk(ALICE).postgres.get_project(f"projects/{LAKEBASE_ENDPOINT.project}")

    with pytest.raises(FakeWorkspaceError, match="the fake serves no Lakebase resource like"):
        fake.check_errors()


def test_endpoint_credentials_are_minted_for_that_endpoint(
    sdk: SdkFactory, fake: FakeWorkspace
) -> None:
    w = sdk(ALICE)

    credential = w.postgres.generate_database_credential(endpoint=LAKEBASE_ENDPOINT.name)

    assert credential.token
    assert credential.expire_time is not None
    expires = credential.expire_time.ToDatetime(tzinfo=UTC)
    assert timedelta(minutes=59) < expires - datetime.now(UTC) <= timedelta(hours=1)
    (minted,) = fake.lakebase.minted
    assert (minted.flavour, minted.targets) == ("autoscaling", (LAKEBASE_ENDPOINT.name,))
    assert minted.request_id is None
    assert fake.lakebase.is_valid(credential.token, ALICE.user_name, LAKEBASE_ENDPOINT.name)
    assert not fake.lakebase.is_valid(credential.token, ALICE.user_name, LAKEBASE.name)
    answered = fake.requests.for_route(Route.POSTGRES_CREDENTIAL)[0]
    assert answered.json == {"endpoint": LAKEBASE_ENDPOINT.name}
    assert set(json.loads(answered.response_body)) == {"token", "expire_time"}


def test_endpoint_credentials_live_as_long_as_asked(sdk: SdkFactory, fake: FakeWorkspace) -> None:
    w = sdk(ALICE)

    short = w.postgres.generate_database_credential(
        endpoint=LAKEBASE_ENDPOINT.name, ttl=Duration(seconds=300)
    )
    until = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=20)
    stamp = Timestamp()
    stamp.FromDatetime(until)
    dated = w.postgres.generate_database_credential(
        endpoint=LAKEBASE_ENDPOINT.name, expire_time=stamp
    )

    assert short.expire_time is not None
    lifetime = short.expire_time.ToDatetime(tzinfo=UTC) - datetime.now(UTC)
    assert timedelta(minutes=4) < lifetime <= timedelta(minutes=5)
    assert dated.expire_time is not None
    assert abs(dated.expire_time.ToDatetime(tzinfo=UTC) - until) <= timedelta(seconds=1)
    assert fake.requests.for_route(Route.POSTGRES_CREDENTIAL)[0].json["ttl"] == "300s"


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({}, id="no-endpoint"),
        pytest.param({"endpoint": "app-state"}, id="not-a-path"),
        pytest.param({"endpoint": "projects/app-state/branches/production"}, id="a-branch"),
        pytest.param({"endpoint": "projects/App/branches/b/endpoints/e"}, id="uppercase-id"),
        pytest.param({"endpoint": LAKEBASE_ENDPOINT.name, "ttl": "299s"}, id="ttl-too-short"),
        pytest.param({"endpoint": LAKEBASE_ENDPOINT.name, "ttl": "3601s"}, id="ttl-too-long"),
        pytest.param({"endpoint": LAKEBASE_ENDPOINT.name, "ttl": "an hour"}, id="ttl-unreadable"),
        pytest.param(
            {
                "endpoint": LAKEBASE_ENDPOINT.name,
                "ttl": "600s",
                "expire_time": "2099-01-01T00:00:00Z",
            },
            id="ttl-and-expire-time",
        ),
    ],
)
def test_endpoint_credentials_refuse_a_malformed_request(
    sdk: SdkFactory, fake: FakeWorkspace, body: dict[str, str]
) -> None:
    with pytest.raises(InvalidParameterValue) as raised:
        sdk(ALICE).api_client.do("POST", "/api/2.0/postgres/credentials", body=body)

    assert raised.value.error_code == "INVALID_PARAMETER_VALUE"
    assert fake.lakebase.minted == []


def test_endpoint_credentials_need_an_existing_endpoint(
    sdk: SdkFactory, fake: FakeWorkspace
) -> None:
    with pytest.raises(NotFound) as raised:
        sdk(ALICE).postgres.generate_database_credential(
            endpoint="projects/app-state/branches/production/endpoints/replica"
        )

    assert raised.value.error_code == "NOT_FOUND"
    assert fake.requests.for_route(Route.POSTGRES_CREDENTIAL)[0].status == 404
    assert fake.lakebase.minted == []


def test_endpoint_credentials_need_permission(sdk: SdkFactory, fake: FakeWorkspace) -> None:
    fake.lakebase.revoke_access(ALICE.user_name)

    with pytest.raises(PermissionDenied) as raised:
        sdk(ALICE).postgres.generate_database_credential(endpoint=LAKEBASE_ENDPOINT.name)

    assert raised.value.error_code == "PERMISSION_DENIED"
    assert LAKEBASE_ENDPOINT.name in str(raised.value)
    fake.lakebase.grant_access(ALICE.user_name)
    assert sdk(ALICE).postgres.generate_database_credential(endpoint=LAKEBASE_ENDPOINT.name).token


def test_endpoint_credentials_need_authentication(sdk: SdkFactory) -> None:
    with pytest.raises(Unauthenticated):
        sdk("dapi-wrong").postgres.generate_database_credential(endpoint=LAKEBASE_ENDPOINT.name)


def test_every_credential_reaches_the_listeners_with_its_target(
    sdk: SdkFactory, fake: FakeWorkspace
) -> None:
    heard: list[tuple[str, tuple[str, ...]]] = []
    stop = fake.lakebase.on_credential(lambda c: heard.append((c.flavour, c.targets)))
    try:
        sdk(ALICE).postgres.generate_database_credential(endpoint=OTHER_LAKEBASE_ENDPOINT.name)
        sdk(ALICE).database.generate_database_credential(instance_names=[OTHER_LAKEBASE.name])
    finally:
        stop()

    assert heard == [
        ("autoscaling", (OTHER_LAKEBASE_ENDPOINT.name,)),
        ("provisioned", (OTHER_LAKEBASE.name,)),
    ]
