"""What the caller may not read, or what is not there: 403 for a catalog, schema or table
without the grant (a grant revoked mid-session included), 404 naming what is missing; no
statement is sent for either."""

from __future__ import annotations

import httpx
import pytest

from fake_workspace import FakeWorkspace, Route
from fake_workspace.reference import ACCOUNT_USERS, ALICE, BOB, Privilege
from tests.harness import auth
from tests.integration.api import QUERY, UC, statements
from tests.integration.expectations import assert_error

pytestmark = pytest.mark.fake_only


async def test_restricted_catalog_is_403(client, fake) -> None:
    url = f"{UC}/query?catalog=restricted&schema=secret&table=salaries"
    response = await client.get(url, headers=auth(ALICE.token))

    assert_error(response, 403, "CATALOG_PERMISSION_DENIED")
    assert statements(fake) == []


async def test_schemas_of_the_restricted_catalog_are_403(client, fake) -> None:
    response = await client.get(f"{UC}/schemas?catalog=restricted", headers=auth(ALICE.token))

    assert_error(response, 403, "CATALOG_PERMISSION_DENIED")


async def test_a_table_without_select_is_403_for_alice_but_readable_by_bob(client, fake) -> None:
    url = f"{UC}/query?catalog=main&schema=sales&table=margins_2024"

    denied = await client.get(url, headers=auth(ALICE.token))
    allowed = await client.get(url, headers=auth(BOB.token))

    assert_error(denied, 403, "CATALOG_PERMISSION_DENIED")
    assert allowed.json()["row_count"] == 4


async def test_grant_revoked_mid_session_is_refused_on_the_next_request(
    client, fake: FakeWorkspace
) -> None:
    url = "/api/unity-catalog/query?catalog=main&schema=sales&table=orders&limit=5"
    before = await client.get(url, headers=auth(ALICE.token))
    statements_before = len(fake.requests.for_route(Route.SQL_EXECUTE))

    fake.unity_catalog.revoke(ACCOUNT_USERS, Privilege.SELECT, "main.sales.orders")
    after = await client.get(url, headers=auth(ALICE.token))

    assert before.status_code == 200, before.text
    assert before.json()["row_count"] == 5
    assert_error(after, 403, "CATALOG_PERMISSION_DENIED")
    assert len(fake.requests.for_route(Route.SQL_EXECUTE)) == statements_before


async def test_missing_table_is_404(client, fake) -> None:
    response = await client.get(f"{UC}/query?table=nope", headers=auth(ALICE.token))

    assert_error(response, 404, "TABLE_NOT_FOUND")
    assert statements(fake) == []


@pytest.mark.parametrize(
    ("url", "code"),
    [
        pytest.param(f"{UC}/schemas?catalog=nowhere", "CATALOG_NOT_FOUND", id="catalog"),
        pytest.param(f"{UC}/tables?catalog=main&schema=nowhere", "SCHEMA_NOT_FOUND", id="schema"),
        pytest.param(
            f"{UC}/table-names?catalog=main&schema=nowhere", "SCHEMA_NOT_FOUND", id="names"
        ),
    ],
)
async def test_missing_catalog_or_schema_is_404(client, fake, url, code) -> None:
    assert_error(await client.get(url, headers=auth(ALICE.token)), 404, code)


@pytest.mark.parametrize(
    ("params", "code", "noun"),
    [
        ({"catalog": "nosuchcatalog", "table": "orders"}, "CATALOG_NOT_FOUND", "catalog"),
        (
            {"catalog": "main", "schema": "nosuchschema", "table": "orders"},
            "SCHEMA_NOT_FOUND",
            "schema",
        ),
        (
            {"catalog": "main", "schema": "sales", "table": "nosuchtable"},
            "TABLE_NOT_FOUND",
            "table",
        ),
    ],
)
async def test_not_found_message_names_what_is_missing(
    client: httpx.AsyncClient, params: dict[str, str], code: str, noun: str
) -> None:
    response = await client.get(QUERY, params=params, headers=auth(ALICE.token))

    error = assert_error(response, 404, code)
    assert error["message"] == f"The {noun} was not found."


# Without a token every route is 401 before any upstream call: auth/test_tokens.py.
