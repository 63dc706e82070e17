"""Every route but the public ones needs a user's valid token: without one it answers 401
before any call to Databricks; a token Databricks refuses, or one of a principal without a user
name, is 401 too."""

from __future__ import annotations

import re

import httpx
import pytest

from fake_workspace import FakeWorkspace, Route
from fake_workspace.reference import ALICE
from tests.harness import auth
from tests.harness.settings import app_document
from tests.integration.api import PREFS, REJECTED_TOKEN
from tests.integration.expectations import assert_error
from tests.integration.routes import PUBLIC_PATHS

# Acts as the fake workspace's seeded users; integration/live/ covers live mode.
pytestmark = pytest.mark.fake_only


def protected_routes() -> list[tuple[str, str]]:
    """Every operation in the app's OpenAPI document that is not public."""
    spec = app_document()
    routes = []
    for path, operations in spec["paths"].items():
        if path in PUBLIC_PATHS:
            continue
        for method in operations:
            concrete = re.sub(r"\{[^}]+\}", "some-name", path)
            routes.append((method.upper(), concrete))
    return sorted(routes)


PROTECTED = protected_routes()


def test_every_api_route_is_enumerated() -> None:
    assert len(PROTECTED) >= 15
    assert all(path.startswith("/api/") for _, path in PROTECTED)


@pytest.mark.parametrize(("method", "path"), PROTECTED, ids=[f"{m} {p}" for m, p in PROTECTED])
async def test_protected_route_without_token_is_401_before_any_upstream_call(
    client: httpx.AsyncClient, fake: FakeWorkspace, method: str, path: str
) -> None:
    response = await client.request(method, path, json={} if method == "POST" else None)
    error = assert_error(response, 401, "AUTH_MISSING")
    assert error["message"] == (
        "Sign in through Databricks Apps: the X-Forwarded-Access-Token header is missing."
    )
    assert fake.requests.snapshot() == []


@pytest.mark.parametrize("blank", ["", "   ", "\t"], ids=["empty", "spaces", "tab"])
async def test_a_blank_token_counts_as_none(
    client: httpx.AsyncClient, fake: FakeWorkspace, blank: str
) -> None:
    response = await client.get("/api/user/me", headers={"X-Forwarded-Access-Token": blank})

    assert_error(response, 401, "AUTH_MISSING")
    assert fake.requests.snapshot() == []


async def test_a_token_is_sent_on_without_the_spaces_around_it(
    client: httpx.AsyncClient, fake: FakeWorkspace
) -> None:
    response = await client.get("/api/user/me", headers=auth(f"  {ALICE.token} "))

    assert response.status_code == 200
    assert {call.bearer_token for call in fake.requests.for_route(Route.SCIM_ME)} == {ALICE.token}


@pytest.mark.parametrize(("method", "path"), PROTECTED, ids=[f"{m} {p}" for m, p in PROTECTED])
async def test_protected_route_with_rejected_token_is_401(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await client.request(
        method, path, json={} if method == "POST" else None, headers=auth(REJECTED_TOKEN)
    )
    assert_error(response, 401, "AUTH_INVALID")


async def test_principal_without_a_user_name_is_refused(
    client: httpx.AsyncClient, fake: FakeWorkspace
) -> None:
    # Rows are keyed by user name: an empty one would be shared by every such principal.
    token = fake.identity.add_user("", display_name="No Name").token

    response = await client.get(PREFS, headers=auth(token))

    assert_error(response, 401, "AUTH_INVALID")
