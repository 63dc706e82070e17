"""What an outside probe of the API found (issue 11): each answer is the error envelope with the
right status, nothing is stored or sent to Databricks on the way, and no input leaves a user
unable to read their own data."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from fake_workspace.reference.identities import ALICE
from fake_workspace.routes import Route
from fake_workspace.server import FakeWorkspace
from server.db.database import Database
from server.models.base import utc_now
from server.models.user_preference import PREFERENCE_VALUE_MAX_DEPTH, UserPreference
from tests.harness import auth
from tests.integration.api import INVOKE, JSON, PREFS, QUERY
from tests.integration.expectations import assert_error

pytestmark = pytest.mark.fake_only


def nested_text(depth: int) -> str:
    """The JSON text of `nested(depth)`, built as text: json.dumps recurses past ~1000 levels."""
    return "[" * depth + "0" + "]" * depth


def nested(depth: int) -> Any:
    """`[[...[0]...]]` with `depth` arrays around the 0."""
    value: Any = 0
    for _ in range(depth):
        value = [value]
    return value


async def stored_keys(database: Database) -> list[str]:
    async with database.session() as session:
        return list(await session.scalars(select(UserPreference.key)))


# --- defect 1: what cannot be read back is not stored ----------------------------------------


@pytest.mark.parametrize("depth", [PREFERENCE_VALUE_MAX_DEPTH + 1, 256, 600])
async def test_too_deeply_nested_preference_is_refused_before_storing(
    client: httpx.AsyncClient, database: Database, depth: int
) -> None:
    response = await client.post(
        PREFS,
        content=f'{{"key": "deep", "value": {nested_text(depth)}}}',
        headers={**auth(ALICE.token), **JSON},
    )

    error = assert_error(response, 400, "INVALID_PREFERENCE")
    assert error["details"][0]["field"] == "value"
    assert error["details"][0]["max_depth"] == PREFERENCE_VALUE_MAX_DEPTH
    assert await stored_keys(database) == []
    listing = await client.get(PREFS, headers=auth(ALICE.token))
    assert listing.status_code == 200
    assert listing.json()["items"] == []


async def test_body_too_deep_to_parse_is_400_and_stores_nothing(
    client: httpx.AsyncClient, database: Database
) -> None:
    response = await client.post(
        PREFS,
        content=f'{{"key": "deep", "value": {nested_text(100_000)}}}',
        headers={**auth(ALICE.token), **JSON},
    )

    assert_error(response, 400, "INVALID_REQUEST")
    assert await stored_keys(database) == []


async def test_preference_at_the_depth_limit_round_trips(client: httpx.AsyncClient) -> None:
    value = nested(PREFERENCE_VALUE_MAX_DEPTH)

    saved = await client.post(
        PREFS, json={"key": "deep", "value": value}, headers=auth(ALICE.token)
    )
    read = await client.get(f"{PREFS}/deep", headers=auth(ALICE.token))

    assert saved.status_code == 201, saved.text
    assert read.status_code == 200
    assert read.json()["value"] == value


@pytest.mark.parametrize("depth", [300, 1400])
async def test_stored_row_that_cannot_be_rendered_does_not_break_the_listing(
    client: httpx.AsyncClient, database: Database, depth: int
) -> None:
    # A row written before the depth rule existed (or by another tool): valid JSON, too deep.
    await client.post(PREFS, json={"key": "ok", "value": 1}, headers=auth(ALICE.token))
    now = utc_now()
    async with database.session() as session:
        session.add(
            UserPreference(
                user_name=ALICE.user_name,
                key="deep",
                value=nested_text(depth),
                created_at=now,
                updated_at=now,
            )
        )

    listing = await client.get(PREFS, headers=auth(ALICE.token))
    one = await client.get(f"{PREFS}/deep", headers=auth(ALICE.token))

    assert listing.status_code == 200, listing.text
    items = {item["key"]: item for item in listing.json()["items"]}
    assert (items["ok"]["value"], items["ok"]["corrupted"]) == (1, False)
    assert (items["deep"]["value"], items["deep"]["corrupted"]) == (None, True)
    assert one.status_code == 200, one.text
    assert (one.json()["value"], one.json()["corrupted"]) == (None, True)


# --- defect 3: lone surrogates never reach the warehouse --------------------------------------


@pytest.mark.parametrize(
    "condition",
    [
        {"column": "status", "op": "=", "value": "\ud800"},
        {"column": "status", "op": "like", "value": "a\udfffb"},
        {"column": "status", "op": "in", "value": ["shipped", "\ud800"]},
        {"column": "stat\ud800us", "op": "=", "value": "shipped"},
    ],
)
async def test_lone_surrogate_in_a_filter_is_400_without_a_statement(
    client: httpx.AsyncClient, fake: FakeWorkspace, condition: dict[str, Any]
) -> None:
    # json.dumps escapes the surrogate as \ud800, exactly as a careless client would send it.
    body = {"catalog": "main", "schema": "sales", "table": "orders", "filters": [condition]}

    response = await client.post(
        QUERY, content=json.dumps(body), headers={**auth(ALICE.token), **JSON}
    )

    error = assert_error(response, 400, "INVALID_REQUEST")
    assert "filters" in error["details"][0]["field"]
    assert fake.requests_for(Route.SQL_EXECUTE) == []


# --- defect 4: JSON booleans and floats are not integers -------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [("limit", True), ("limit", 2.0), ("offset", False), ("offset", 0.0), ("limit", "2")],
)
async def test_query_page_fields_must_be_integers(
    client: httpx.AsyncClient, fake: FakeWorkspace, field: str, value: object
) -> None:
    body = {"catalog": "main", "schema": "sales", "table": "orders", field: value}

    response = await client.post(QUERY, json=body, headers=auth(ALICE.token))

    error = assert_error(response, 400, "INVALID_REQUEST")
    assert error["details"][0]["field"] == field
    assert fake.requests_for(Route.SQL_EXECUTE) == []


@pytest.mark.parametrize("value", [True, 1.0, 30.5, "30"])
async def test_invoke_timeout_must_be_an_integer(
    client: httpx.AsyncClient, fake: FakeWorkspace, value: object
) -> None:
    body = {
        "endpoint_name": "fraud-detector",
        "inputs": {"dataframe_records": [{"amount": 1.0}]},
        "timeout_seconds": value,
    }

    response = await client.post(INVOKE, json=body, headers=auth(ALICE.token))

    error = assert_error(response, 400, "INVALID_REQUEST")
    assert error["details"][0]["field"] == "timeout_seconds"
    assert fake.requests_for(Route.INVOCATIONS) == []


# --- defect 6: the message says what the code says --------------------------------------------


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
