"""What an outside probe of the API found (issue 11): each answer is the error envelope with the
right status, nothing is stored or sent to Databricks on the way, and no input leaves a user
unable to read their own data."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from fake_workspace.reference.identities import ALICE
from fake_workspace.routes import Route
from fake_workspace.server import FakeWorkspace
from tests.harness import auth
from tests.integration.api import INVOKE, JSON, QUERY
from tests.integration.expectations import assert_error

pytestmark = pytest.mark.fake_only


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
