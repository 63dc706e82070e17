"""A token the workspace rejects (well formed, but no workspace issued it): refused in the
app's error envelope, and reported as not authenticated by the auth status."""

from __future__ import annotations

import httpx

from tests.harness import auth
from tests.integration.api import REJECTED_TOKEN, UC
from tests.integration.expectations import assert_error


async def test_a_rejected_token_is_401_in_the_envelope(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{UC}/catalogs", headers=auth(REJECTED_TOKEN))

    error = assert_error(response, 401, "AUTH_INVALID")
    assert "details" in error
    assert REJECTED_TOKEN not in response.text


async def test_auth_status_reports_a_rejected_token_as_not_authenticated(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/api/user/auth/status", headers=auth(REJECTED_TOKEN))

    assert response.status_code == 200
    assert response.json()["token_present"] is True
    assert response.json()["authenticated"] is False
    assert response.json()["user_name"] is None
