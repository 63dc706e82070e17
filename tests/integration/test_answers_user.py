"""Who the caller is, as the client reads it: the profile compared whole with the fake's
identity, a refused SCIM answer as "not authenticated", and a token of no user."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import httpx
import pytest
from databricks.sdk.service.iam import ComplexValue, User

from fake_workspace.reference import WORKSPACE_ID
from fake_workspace.reference.identities import ALICE
from fake_workspace.routes import Route
from fake_workspace.server import FakeWorkspace
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


async def test_my_workspace_names_host_and_id(
    client: httpx.AsyncClient, fake: FakeWorkspace
) -> None:
    response = await client.get("/api/user/me/workspace", headers=auth(ALICE.token))

    assert response.json() == {
        "user": PROFILE,
        "workspace_host": fake.base_url,
        "workspace_id": str(WORKSPACE_ID),
    }


async def test_a_token_scim_refuses_with_403_is_not_authenticated(
    client: httpx.AsyncClient, fake: FakeWorkspace
) -> None:
    fake.faults.fail_next(Route.SCIM_ME, status=403, error_code="PERMISSION_DENIED")

    response = await client.get("/api/user/me", headers=auth(ALICE.token))

    error = assert_error(response, 401, "AUTH_INVALID")
    assert error["message"] == "You do not have permission to access this user."


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
