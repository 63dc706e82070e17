"""Who the caller is (/api/user/me, /api/user/me/workspace): the profile compared whole
with the fake's identity, a service principal, the workspace, and SCIM refusing or failing."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from databricks.sdk.service.iam import ComplexValue, User

from fake_workspace import FakeWorkspace, Route
from fake_workspace.reference import ALICE, APP_SP, WORKSPACE_ID
from server.errors import AppError, ErrorCode
from server.services.user_service import _user_info
from tests.harness import auth
from tests.integration.expectations import assert_error

pytestmark = pytest.mark.fake_only

PROFILE = {
    "user_name": ALICE.user_name,
    "display_name": ALICE.display_name,
    "active": True,
    "emails": [{"value": ALICE.user_name, "primary": True, "type": "work"}],
}


async def test_my_profile_is_the_whole_scim_identity(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/user/me", headers=auth(ALICE.token))

    assert response.json() == PROFILE


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
    assert {r.bearer_token for r in fake.requests.for_route(Route.SCIM_ME)} == {ALICE.token}


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


async def test_my_workspace_names_host_and_id(
    client: httpx.AsyncClient, fake: FakeWorkspace
) -> None:
    response = await client.get("/api/user/me/workspace", headers=auth(ALICE.token))

    assert response.json() == {
        "user": PROFILE,
        "workspace_host": fake.base_url,
        "workspace_id": str(WORKSPACE_ID),
    }


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


async def test_a_token_scim_refuses_with_403_is_not_authenticated(
    client: httpx.AsyncClient, fake: FakeWorkspace
) -> None:
    fake.faults.fail_next(Route.SCIM_ME, status=403, error_code="PERMISSION_DENIED")

    response = await client.get("/api/user/me", headers=auth(ALICE.token))

    error = assert_error(response, 401, "AUTH_INVALID")
    assert error["message"] == "You do not have permission to access this user."


async def test_token_refused_with_403_by_scim_is_auth_invalid(
    client: httpx.AsyncClient, fake: FakeWorkspace
) -> None:
    fake.faults.fail_next(
        Route.SCIM_ME, status=403, error_code="PERMISSION_DENIED", message="Invalid access token."
    )

    response = await client.get("/api/user/me", headers=auth(ALICE.token))

    assert_error(response, 401, "AUTH_INVALID")


async def test_workspace_that_keeps_failing_is_503_databricks_unavailable(
    client_factory, fake: FakeWorkspace
) -> None:
    client = await client_factory(databricks_retry_timeout_seconds=1)
    fake.faults.fail_next(Route.SCIM_ME, times=20, status=503, retry_after=1)

    response = await client.get("/api/user/me", headers=auth(ALICE.token))

    assert_error(response, 503, "DATABRICKS_UNAVAILABLE")


def scim(user: User) -> Any:
    """A stand-in for the SDK client whose SCIM `Me` answers `user`."""
    return SimpleNamespace(current_user=SimpleNamespace(me=lambda: user))


def test_a_token_of_no_user_is_refused() -> None:
    with pytest.raises(AppError) as raised:
        _user_info(scim(User(display_name="a service")))

    assert raised.value.code is ErrorCode.AUTH_INVALID
    assert raised.value.message == "The token does not belong to a user."


def test_scim_fields_left_out_read_as_active_without_emails_and_blank_emails_dropped() -> None:
    info = _user_info(
        scim(
            User(
                user_name="dave@example.com",
                emails=[ComplexValue(value=""), ComplexValue(value="d@example.com", type="home")],
            )
        )
    )

    assert info.model_dump() == {
        "user_name": "dave@example.com",
        "display_name": None,
        "active": True,
        "emails": [{"value": "d@example.com", "primary": False, "type": "home"}],
    }
    assert _user_info(scim(User(user_name="e", active=False))).active is False
