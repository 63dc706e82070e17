"""What the router itself answers, in the error envelope: 404 for an unknown path, 405
naming the allowed methods, 404 for a trailing slash (never a redirect built from the Host
header); and no route that echoes headers."""

from __future__ import annotations

import re

import httpx
import pytest

from fake_workspace.reference import ALICE
from tests.harness import auth
from tests.harness.settings import app_document
from tests.integration.expectations import assert_error

# Acts as the fake workspace's seeded users; integration/live/ covers live mode.
pytestmark = pytest.mark.fake_only


async def test_unknown_route_is_404_in_the_envelope(client: httpx.AsyncClient) -> None:
    assert_error(await client.get("/api/nope"), 404, "NOT_FOUND")


async def test_wrong_method_is_405_in_the_envelope(client: httpx.AsyncClient) -> None:
    assert_error(await client.put("/health"), 405, "METHOD_NOT_ALLOWED")


DOCUMENT_PATHS = app_document()["paths"]


@pytest.mark.parametrize("path", sorted(DOCUMENT_PATHS))
async def test_method_not_allowed_names_every_method_of_the_path(
    client: httpx.AsyncClient, path: str
) -> None:
    # RFC 9110: Allow lists every method the resource supports, here every operation the
    # document gives the path (FastAPI makes a route per method; Starlette named only the first).
    documented = {method.upper() for method in DOCUMENT_PATHS[path]}
    concrete = re.sub(r"\{[^}]+\}", "x", path)
    for method in sorted({"OPTIONS", "PUT", "PATCH", "DELETE", "POST"} - documented):
        response = await client.request(method, concrete, headers=auth(ALICE.token))
        assert_error(response, 405, "METHOD_NOT_ALLOWED")
        allow = {name.strip() for name in response.headers["allow"].split(",")}
        assert allow == documented, (method, path)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/user/me/"),
        ("GET", "/api/lakebase/preferences/"),
        ("POST", "/api/lakebase/preferences/"),
        ("GET", "/api/unity-catalog/catalogs/"),
        ("GET", "/health/"),
    ],
)
async def test_trailing_slash_is_404_not_a_redirect(
    client: httpx.AsyncClient, method: str, path: str
) -> None:
    response = await client.request(
        method, path, headers={**auth(ALICE.token), "Host": "attacker.example"}
    )

    assert_error(response, 404, "NOT_FOUND")
    assert "location" not in response.headers


async def test_no_debug_route_echoes_headers(client: httpx.AsyncClient) -> None:
    paths = set(client.app.openapi()["paths"])
    assert not any("debug" in p or "headers" in p for p in paths)
