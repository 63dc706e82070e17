"""/api/user: who the token belongs to (SCIM `Me`), with the workspace, and the auth status."""

from __future__ import annotations

import httpx

from tests.harness import auth
from tests.harness.settings import WorkspaceTarget
from tests.integration.api import ok
from tests.integration.live.targets import LiveTargets


async def test_me_names_the_token_owner(client: httpx.AsyncClient, targets: LiveTargets) -> None:
    response = await client.get("/api/user/me", headers=auth(targets.token))

    assert response.status_code == 200
    assert response.json()["user_name"]
    assert response.json()["active"] is True


async def test_my_workspace_is_the_one_the_app_talks_to(
    client: httpx.AsyncClient, targets: LiveTargets, workspace_target: WorkspaceTarget
) -> None:
    me = ok(await client.get("/api/user/me", headers=auth(targets.token)))

    response = await client.get("/api/user/me/workspace", headers=auth(targets.token))

    assert response.status_code == 200
    body = response.json()
    assert body["user"] == me
    assert body["workspace_host"] == workspace_target.host.rstrip("/")
    assert str(body["workspace_id"]).isdigit()


async def test_auth_status_says_whose_token_it_is(
    client: httpx.AsyncClient, targets: LiveTargets
) -> None:
    me = ok(await client.get("/api/user/me", headers=auth(targets.token)))

    response = await client.get("/api/user/auth/status", headers=auth(targets.token))

    assert response.status_code == 200
    assert response.json() == {
        "token_present": True,
        "authenticated": True,
        "user_name": me["user_name"],
        "auth_source": "X-Forwarded-Access-Token",
    }
