"""The caller's identity (SCIM Me, as the caller) and the liveness/readiness probes."""

from __future__ import annotations

import logging

import httpx
import pytest

from fake_workspace.reference.identities import ALICE, APP_SP, BOB, WORKSPACE_ID
from fake_workspace.routes import Route
from fake_workspace.server import FakeWorkspace
from tests.harness import auth
from tests.harness.backends import UNREACHABLE_POSTGRES, BackendChoice
from tests.harness.clock import FakeClock
from tests.integration.api import PREFS
from tests.integration.expectations import assert_error

pytestmark = pytest.mark.fake_only


async def test_health_needs_no_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_ready_with_a_working_database_names_what_it_stores_in(
    client: httpx.AsyncClient, backend: BackendChoice
) -> None:
    response = await client.get("/ready")
    assert response.status_code == 200
    kind = {"sqlite": "sqlite", "postgres": "postgresql"}.get(
        backend.name, f"lakebase-{backend.flavour}"
    )
    assert response.json() == {"status": "ready", "checks": {"database": "ok"}, "database": kind}


async def test_ready_without_a_database_names_it(client_factory) -> None:
    client = await client_factory(database=False)

    response = await client.get("/ready")

    error = assert_error(response, 503, "LAKEBASE_NOT_CONFIGURED")
    assert error["details"] == {"dependency": "database"}


async def test_ready_with_an_unreachable_database_names_it(client_factory) -> None:
    client = await client_factory(database=False, database_url=UNREACHABLE_POSTGRES)

    response = await client.get("/ready")

    error = assert_error(response, 503, "DATABASE_UNAVAILABLE")
    assert error["details"] == {"dependency": "database"}


async def test_me_describes_the_caller_from_scim(
    client: httpx.AsyncClient, fake: FakeWorkspace
) -> None:
    response = await client.get("/api/user/me", headers=auth(ALICE.token))

    assert response.status_code == 200
    assert response.json() == {
        "user_name": ALICE.user_name,
        "display_name": ALICE.display_name,
        "active": True,
        "emails": [{"value": ALICE.user_name, "primary": True, "type": "work"}],
    }
    assert {r.bearer_token for r in fake.requests_for(Route.SCIM_ME)} == {ALICE.token}


async def test_service_principal_is_identified_by_its_application_id(
    client: httpx.AsyncClient, fake: FakeWorkspace
) -> None:
    # The service principal's OAuth M2M access token, minted by the fake's OIDC endpoint.
    async with httpx.AsyncClient() as oauth:
        minted = await oauth.post(
            f"{fake.base_url}/oidc/v1/token",
            data={"grant_type": "client_credentials", "scope": "all-apis"},
            auth=(APP_SP.application_id, APP_SP.client_secret),
        )
    token = minted.json()["access_token"]

    response = await client.get("/api/user/me", headers=auth(token))

    assert response.status_code == 200
    assert response.json()["user_name"] == APP_SP.application_id


async def test_my_workspace_has_host_and_id(client: httpx.AsyncClient, fake: FakeWorkspace) -> None:
    response = await client.get("/api/user/me/workspace", headers=auth(ALICE.token))

    assert response.status_code == 200
    body = response.json()
    assert body["user"]["user_name"] == ALICE.user_name
    assert body["workspace_host"] == fake.base_url
    assert body["workspace_id"] == WORKSPACE_ID


async def test_configured_workspace_id_wins(client_factory) -> None:
    client = await client_factory(databricks_workspace_id="42")

    response = await client.get("/api/user/me/workspace", headers=auth(ALICE.token))

    assert response.json()["workspace_id"] == "42"


async def test_identity_is_looked_up_once_per_token_while_cached(
    client, fake: FakeWorkspace, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        alices = [await client.get(PREFS, headers=auth(ALICE.token)) for _ in range(3)]
        bobs = await client.get(PREFS, headers=auth(BOB.token))

    assert [r.status_code for r in [*alices, bobs]] == [200] * 4
    # One SCIM lookup per token: the cache serves alice's later requests, never bob's.
    assert [r.bearer_token for r in fake.requests_for(Route.SCIM_ME)] == [ALICE.token, BOB.token]
    # And the token itself never reaches a log line.
    assert not [r for r in caplog.records if ALICE.token in r.getMessage()]


async def test_identity_cache_can_be_turned_off(client_factory, fake: FakeWorkspace) -> None:
    client = await client_factory(identity_cache_ttl_seconds=0)

    responses = [await client.get(PREFS, headers=auth(ALICE.token)) for _ in range(3)]

    assert [r.status_code for r in responses] == [200] * 3
    assert [r.bearer_token for r in fake.requests_for(Route.SCIM_ME)] == [ALICE.token] * 3


async def test_revoked_token_is_refused_at_once_without_the_identity_cache(
    client_factory, fake: FakeWorkspace
) -> None:
    client = await client_factory(identity_cache_ttl_seconds=0)
    assert (await client.get(PREFS, headers=auth(ALICE.token))).status_code == 200

    fake.revoke_token(ALICE.token)

    assert_error(await client.get(PREFS, headers=auth(ALICE.token)), 401, "AUTH_INVALID")


async def test_revoked_token_is_refused_once_the_identity_cache_lifetime_has_passed(
    client_factory, fake: FakeWorkspace, clock: FakeClock
) -> None:
    # A route that calls only the database trusts the cached identity for its lifetime.
    client = await client_factory(identity_cache_ttl_seconds=10)
    assert (await client.get(PREFS, headers=auth(ALICE.token))).status_code == 200
    fake.revoke_token(ALICE.token)

    clock.advance(9)
    still_cached = await client.get(PREFS, headers=auth(ALICE.token))
    clock.advance(1.5)
    expired = await client.get(PREFS, headers=auth(ALICE.token))

    assert still_cached.status_code == 200, still_cached.text
    assert_error(expired, 401, "AUTH_INVALID")
    assert len(fake.requests_for(Route.SCIM_ME)) == 2


async def test_auth_status_passes_on_workspace_failures(
    client: httpx.AsyncClient, fake: FakeWorkspace
) -> None:
    fake.faults.fail_next(Route.SCIM_ME, status=500, error_code="INTERNAL_ERROR", message="boom")

    response = await client.get("/api/user/auth/status", headers=auth(ALICE.token))

    assert_error(response, 502, "DATABRICKS_ERROR")


async def test_workspace_that_keeps_failing_is_503_databricks_unavailable(
    client_factory, fake: FakeWorkspace
) -> None:
    client = await client_factory(databricks_retry_timeout_seconds=1)
    fake.faults.fail_next(Route.SCIM_ME, times=20, status=503, retry_after=1)

    response = await client.get("/api/user/me", headers=auth(ALICE.token))

    assert_error(response, 503, "DATABRICKS_UNAVAILABLE")


async def test_principal_without_a_user_name_is_refused(
    client: httpx.AsyncClient, fake: FakeWorkspace
) -> None:
    # Rows are keyed by user name: an empty one would be shared by every such principal.
    token = fake.add_user("", display_name="No Name")

    response = await client.get(PREFS, headers=auth(token))

    assert_error(response, 401, "AUTH_INVALID")


async def test_token_refused_with_403_by_scim_is_auth_invalid(
    client: httpx.AsyncClient, fake: FakeWorkspace
) -> None:
    fake.faults.fail_next(
        Route.SCIM_ME, status=403, error_code="PERMISSION_DENIED", message="Invalid access token."
    )

    response = await client.get("/api/user/me", headers=auth(ALICE.token))

    assert_error(response, 401, "AUTH_INVALID")
