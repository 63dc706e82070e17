"""Filter values at the edges of what a column takes, through the query API: the last value
that travels (with the exact parameter the warehouse receives) and the first that is refused
(with the error a client reads)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest

from fake_workspace import FakeWorkspace, RecordedRequest, Route
from fake_workspace.reference import ALICE
from tests.harness import auth
from tests.integration.api import JSON, QUERY
from tests.integration.expectations import assert_error

pytestmark = pytest.mark.fake_only


async def query(client: httpx.AsyncClient, column: str, op: str, value: Any) -> httpx.Response:
    body = {
        "catalog": "main",
        "schema": "sales",
        "table": "orders",
        "limit": 1,
        "filters": [{"column": column, "op": op, "value": value}],
    }
    return await client.post(QUERY, json=body, headers=auth(ALICE.token))


def sent_filter(fake: FakeWorkspace) -> dict[str, Any]:
    """The filter's parameter of the page statement (the first one is the table)."""
    statements: list[RecordedRequest] = fake.requests.for_route(Route.SQL_EXECUTE)
    parameter: dict[str, Any] = statements[0].json["parameters"][1]
    return parameter


@pytest.mark.parametrize(
    ("op", "value"),
    [
        pytest.param("<=", 2**63 - 1, id="int64-max"),
        pytest.param(">=", -(2**63), id="int64-min"),
    ],
)
async def test_bigint_filter_takes_the_whole_64_bit_range(
    client: httpx.AsyncClient, fake: FakeWorkspace, op: str, value: int
) -> None:
    response = await query(client, "order_id", op, value)

    assert response.status_code == 200, response.text
    assert response.json()["total_row_count"] == 5000
    assert sent_filter(fake) == {"name": "p0", "value": str(value), "type": "BIGINT"}


@pytest.mark.parametrize("value", [2**63, -(2**63) - 1], ids=["int64-max+1", "int64-min-1"])
async def test_bigint_filter_one_past_the_range_is_refused(
    client: httpx.AsyncClient, fake: FakeWorkspace, value: int
) -> None:
    response = await query(client, "order_id", "<=", value)

    error = assert_error(response, 400, "INVALID_QUERY")
    assert error["message"] == (
        "Filter on column 'order_id' (bigint) is out of the 64-bit integer range."
    )
    assert error["details"] == {"column": "order_id"}
    assert fake.requests.for_route(Route.SQL_EXECUTE) == []


@pytest.mark.parametrize(
    ("value", "text", "type_"),
    [
        pytest.param("1E+3", "1000", "DECIMAL(4,0)", id="positive-exponent"),
        pytest.param("0.001", "0.001", "DECIMAL(3,3)", id="scale-above-digits"),
        pytest.param("12.50", "12.50", "DECIMAL(4,2)", id="trailing-zero-kept"),
        pytest.param(" 7 ", "7", "DECIMAL(1,0)", id="spaces-trimmed"),
        pytest.param("1E+37", "1" + "0" * 37, "DECIMAL(38,0)", id="38-digits"),
    ],
)
async def test_decimal_filter_travels_as_the_narrowest_exact_decimal(
    client: httpx.AsyncClient, fake: FakeWorkspace, value: str, text: str, type_: str
) -> None:
    response = await query(client, "amount", ">=", value)

    assert response.status_code == 200, response.text
    assert sent_filter(fake) == {"name": "p0", "value": text, "type": type_}


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        pytest.param("1E+38", "more than 38 digits", id="39-digits"),
        pytest.param("1E+40", "more than 38 digits", id="41-digits"),
        pytest.param("twelve", "expects a decimal number", id="not-a-number"),
        pytest.param("NaN", "expects a finite decimal number", id="nan"),
    ],
)
async def test_decimal_filter_the_warehouse_cannot_hold_is_refused(
    client: httpx.AsyncClient, fake: FakeWorkspace, value: str, reason: str
) -> None:
    response = await query(client, "amount", ">=", value)

    error = assert_error(response, 400, "INVALID_QUERY")
    assert error["message"] == f"Filter on column 'amount' (decimal(10,2)) {reason}."
    assert error["details"] == {"column": "amount"}
    assert fake.requests.for_route(Route.SQL_EXECUTE) == []


async def test_number_too_large_for_a_double_column_is_400(
    client: httpx.AsyncClient, fake: FakeWorkspace
) -> None:
    body = {
        "catalog": "main",
        "schema": "sales",
        "table": "orders",
        "filters": [{"column": "discount", "op": ">", "value": 10**400}],
    }
    response = await client.post("/api/unity-catalog/query", json=body, headers=auth(ALICE.token))
    error = assert_error(response, 400, "INVALID_QUERY")
    assert error["details"]["column"] == "discount"
    assert fake.requests.for_route(Route.SQL_EXECUTE) == []


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
    assert fake.requests.for_route(Route.SQL_EXECUTE) == []
