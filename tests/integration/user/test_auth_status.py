"""/api/user/auth/status, open to anyone: whether a token came and whose it is, a refused
token answered as "not authenticated" rather than an error, and Databricks failing passed on."""

from __future__ import annotations

import httpx
import pytest

from fake_workspace import FakeWorkspace, Route
from fake_workspace.reference import ALICE
from tests.harness import auth
from tests.integration.api import REJECTED_TOKEN
from tests.integration.expectations import assert_error

# Acts as the fake workspace's seeded users; integration/live/ covers live mode.
pytestmark = pytest.mark.fake_only


async def test_auth_status_without_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/user/auth/status")
    assert response.json() == {
        "token_present": False,
        "authenticated": False,
        "user_name": None,
        "auth_source": "X-Forwarded-Access-Token",
    }


async def test_auth_status_names_the_token_owner(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/user/auth/status", headers=auth(ALICE.token))
    assert response.json()["authenticated"] is True
    assert response.json()["user_name"] == ALICE.user_name


async def test_auth_status_with_rejected_token_is_not_an_error(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/user/auth/status", headers=auth(REJECTED_TOKEN))
    assert response.status_code == 200
    assert (response.json()["token_present"], response.json()["authenticated"]) == (True, False)


async def test_auth_status_passes_on_workspace_failures(
    client: httpx.AsyncClient, fake: FakeWorkspace
) -> None:
    fake.faults.fail_next(Route.SCIM_ME, status=500, error_code="INTERNAL_ERROR", message="boom")

    response = await client.get("/api/user/auth/status", headers=auth(ALICE.token))

    assert_error(response, 502, "DATABRICKS_ERROR")
