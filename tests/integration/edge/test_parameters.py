"""Paging parameters in the query string, on every listing: integers written as plain
digits only, none past what a database column holds, and the error names the parameter."""

from __future__ import annotations

import httpx
import pytest

from fake_workspace.reference import ALICE
from tests.harness import auth
from tests.integration.api import PREFS, QUERY
from tests.integration.expectations import assert_error

pytestmark = pytest.mark.fake_only


@pytest.mark.parametrize(
    ("path", "params"),
    [
        (PREFS, {"limit": "2.0"}),
        (PREFS, {"offset": "true"}),
        ("/api/model-serving/logs", {"limit": "1_0"}),
        ("/api/unity-catalog/catalogs", {"limit": " 5"}),
        (QUERY, {"table": "orders", "limit": "+5"}),
    ],
)
async def test_query_string_integers_are_plain_digits(
    client: httpx.AsyncClient, path: str, params: dict[str, str]
) -> None:
    response = await client.get(path, params=params, headers=auth(ALICE.token))

    error = assert_error(response, 400, "INVALID_REQUEST")
    assert error["details"][0]["field"] in params


async def test_plain_digits_still_page(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/api/unity-catalog/catalogs",
        params={"limit": "1", "offset": "0"},
        headers=auth(ALICE.token),
    )

    assert response.status_code == 200, response.text
    assert (response.json()["limit"], len(response.json()["items"])) == (1, 1)


@pytest.mark.parametrize("path", ["/api/lakebase/preferences", "/api/model-serving/logs"])
async def test_offset_beyond_any_table_is_400(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path, params={"offset": 10**20}, headers=auth(ALICE.token))
    error = assert_error(response, 400, "INVALID_REQUEST")
    assert error["details"][0]["field"] == "offset"
