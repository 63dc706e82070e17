"""Reading a table's rows (GET and POST /query): the right page with typed values, the SQL
that binds the table and passes filter values as parameters, counts, chunks, sorting and Unicode
names, and requests refused before any statement is sent."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from fake_workspace import FakeWorkspace, Route
from fake_workspace.reference import (
    ALICE,
    CLIENTS_EUR,
    CUSTOMERS,
    ORDERS,
    PRODUCTS,
    WAREHOUSE_ID,
    WEATHER,
)
from tests.harness import auth
from tests.integration.api import QUERY, UC, query_url, statements
from tests.integration.expectations import assert_error, assert_utc_timestamps, expected_rows

pytestmark = pytest.mark.fake_only


async def test_query_returns_the_right_page_with_typed_values(client, fake) -> None:
    response = await client.get(query_url(ORDERS, limit=50, offset=100), headers=auth(ALICE.token))

    assert response.status_code == 200
    body = response.json()
    assert body["rows"] == expected_rows(ORDERS, ORDERS.rows[100:150])
    assert (body["row_count"], body["total_row_count"]) == (50, len(ORDERS.rows))
    assert (body["limit"], body["offset"]) == (50, 100)
    assert (body["catalog"], body["schema"], body["table"]) == ("main", "sales", "orders")
    assert [c["name"] for c in body["columns"]] == list(ORDERS.column_names)
    assert body["execution_time_ms"] >= 0
    assert_utc_timestamps(body)


async def test_query_sql_binds_the_table_by_identifier_and_orders_every_column(
    client, fake
) -> None:
    await client.get(query_url(PRODUCTS, limit=5), headers=auth(ALICE.token))

    sent = statements(fake)[0].json
    cols = ", ".join(f"`{c}`" for c in PRODUCTS.column_names)
    order = ", ".join(f"`{c}` ASC" for c in PRODUCTS.column_names)
    assert (
        sent["statement"]
        == f"SELECT {cols} FROM IDENTIFIER(:table_name) ORDER BY {order} LIMIT 5 OFFSET 0"
    )
    assert sent["parameters"] == [
        {"name": "table_name", "value": "`main`.`sales`.`products`", "type": "STRING"}
    ]
    assert (sent["warehouse_id"], sent["disposition"], sent["format"]) == (
        WAREHOUSE_ID,
        "INLINE",
        "JSON_ARRAY",
    )


async def test_a_short_page_needs_no_count_statement(client, fake) -> None:
    response = await client.get(query_url(PRODUCTS, offset=7), headers=auth(ALICE.token))

    assert response.json()["rows"] == expected_rows(PRODUCTS, PRODUCTS.rows[7:])
    assert response.json()["total_row_count"] == len(PRODUCTS.rows)
    assert len(statements(fake)) == 1


async def test_a_page_past_the_end_is_empty_but_counts_the_rows(client, fake) -> None:
    response = await client.get(query_url(PRODUCTS, offset=500), headers=auth(ALICE.token))

    assert (response.json()["rows"], response.json()["total_row_count"]) == ([], 10)
    assert statements(fake)[1].json["statement"].startswith("SELECT COUNT(*)")


async def test_multi_chunk_results_are_followed(client, fake) -> None:
    fake.sql.rows_per_chunk = 7

    response = await client.get(query_url(ORDERS, limit=30), headers=auth(ALICE.token))

    assert response.json()["rows"] == expected_rows(ORDERS, ORDERS.rows[:30])
    assert len(fake.requests.for_route(Route.SQL_CHUNK)) == 4


async def test_unicode_schema_table_and_column_names_work_end_to_end(client, fake) -> None:
    response = await client.get(query_url(CLIENTS_EUR), headers=auth(ALICE.token))

    assert response.status_code == 200, response.text
    assert response.json()["rows"] == expected_rows(CLIENTS_EUR)
    assert response.json()["schema"] == "ventes 2024"
    assert statements(fake)[0].json["parameters"][0]["value"] == "`main`.`ventes 2024`.`clients €`"


async def test_unicode_column_filter(client, fake) -> None:
    body = {
        "catalog": "main",
        "schema": "sales",
        "table": WEATHER.name,
        "filters": [{"column": "température", "op": ">", "value": 30}],
    }
    response = await client.post(f"{UC}/query", json=body, headers=auth(ALICE.token))

    want = [r for r in WEATHER.rows if r[2] > 30]
    assert response.json()["rows"] == expected_rows(WEATHER, want)
    assert "`température` > :p0" in statements(fake)[0].json["statement"]


SHIPPED_FILTERS = [
    {"column": "status", "op": "=", "value": "shipped"},
    {"column": "quantity", "op": ">=", "value": 4},
    {"column": "discount", "op": "not_null"},
    {"column": "amount", "op": "<", "value": "500.00"},
]


def is_matching_order(row: Any) -> bool:
    return row[5] == "shipped" and row[3] >= 4 and row[4] is not None and row[2] < 500


async def test_filters_return_exactly_the_matching_rows_values_as_parameters(client, fake) -> None:
    body = {"table": "orders", "limit": 1000, "filters": SHIPPED_FILTERS}
    response = await client.post(f"{UC}/query", json=body, headers=auth(ALICE.token))

    want = [r for r in ORDERS.rows if is_matching_order(r)]
    assert response.json()["rows"] == expected_rows(ORDERS, want)
    assert response.json()["total_row_count"] == len(want)
    sent = statements(fake)[0].json
    assert "shipped" not in sent["statement"]
    assert "500" not in sent["statement"]
    assert sent["parameters"][1:] == [
        {"name": "p0", "value": "shipped", "type": "STRING"},
        {"name": "p1", "value": "4", "type": "BIGINT"},
        {"name": "p2", "value": "500.00", "type": "DECIMAL(5,2)"},
    ]


NO_EMAIL_IN_FR_DE_PL = {
    "catalog": "main",
    "schema": "sales",
    "table": "customers",
    "filters": [
        {"column": "country", "op": "in", "value": ["FR", "DE", "PL"]},
        {"column": "email", "op": "is_null"},
    ],
    "order_by": [{"column": "customer_id", "direction": "desc"}],
}


async def test_in_and_is_null_filters_with_a_descending_sort(client, fake) -> None:
    response = await client.post(
        f"{UC}/query", json=NO_EMAIL_IN_FR_DE_PL, headers=auth(ALICE.token)
    )

    want = [r for r in CUSTOMERS.rows if r[3] in ("FR", "DE", "PL") and r[2] is None]
    assert response.json()["rows"] == expected_rows(CUSTOMERS, want[::-1])
    assert " ORDER BY `customer_id` DESC, `name` ASC" in statements(fake)[0].json["statement"]


async def test_like_filter_on_unicode_values(client, fake) -> None:
    body = {
        "catalog": "main",
        "schema": "sales",
        "table": "customers",
        "filters": [{"column": "name", "op": "like", "value": "%ö%"}],
    }
    response = await client.post(f"{UC}/query", json=body, headers=auth(ALICE.token))

    assert [r["name"] for r in response.json()["rows"]] == [
        r[1] for r in CUSTOMERS.rows if "ö" in r[1]
    ]


async def test_count_uses_the_same_filters_as_the_page(client, fake) -> None:
    body = {
        "table": "orders",
        "limit": 10,
        "offset": 20,
        "filters": [{"column": "is_gift", "op": "=", "value": True}],
    }
    response = await client.post(f"{UC}/query", json=body, headers=auth(ALICE.token))

    gifts = [r for r in ORDERS.rows if r[6]]
    assert response.json()["rows"] == expected_rows(ORDERS, gifts[20:30])
    assert response.json()["total_row_count"] == len(gifts)
    count = statements(fake)[1].json
    assert count["statement"].endswith("WHERE `is_gift` = :p0")
    assert count["parameters"][1] == {"name": "p0", "value": "true", "type": "BOOLEAN"}


async def test_filter_on_an_unknown_column_is_400_and_sends_no_statement(client, fake) -> None:
    body = {"table": "orders", "filters": [{"column": "nope`; --", "op": "=", "value": 1}]}
    response = await client.post(f"{UC}/query", json=body, headers=auth(ALICE.token))

    error = assert_error(response, 400, "INVALID_QUERY")
    assert error["details"] == {"column": "nope`; --"}
    assert statements(fake) == []


async def test_sort_by_an_unknown_column_is_400(client, fake) -> None:
    body = {"table": "orders", "order_by": [{"column": "ghost"}]}
    response = await client.post(f"{UC}/query", json=body, headers=auth(ALICE.token))

    assert_error(response, 400, "INVALID_QUERY")
    assert statements(fake) == []


async def test_a_value_of_the_wrong_type_is_400(client, fake) -> None:
    body = {"table": "orders", "filters": [{"column": "order_id", "op": "=", "value": "1 OR 1=1"}]}
    response = await client.post(f"{UC}/query", json=body, headers=auth(ALICE.token))

    assert "expects an integer" in assert_error(response, 400, "INVALID_QUERY")["message"]


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(
            {"table": "orders", "filters": [{"column": "a", "op": "in", "value": []}]},
            id="empty-in",
        ),
        pytest.param(
            {"table": "orders", "filters": [{"column": "a", "op": "is_null", "value": 1}]},
            id="null-value",
        ),
        pytest.param(
            {"table": "orders", "filters": [{"column": "a", "op": "regex", "value": 1}]},
            id="bad-op",
        ),
        pytest.param({"table": "a.b"}, id="dotted-table"),
        pytest.param({"table": "orders", "extra": 1}, id="unknown-field"),
    ],
)
async def test_malformed_query_bodies_are_400_with_details(client, fake, body) -> None:
    response = await client.post(f"{UC}/query", json=body, headers=auth(ALICE.token))

    assert assert_error(response, 400, "INVALID_REQUEST")["details"]
    assert statements(fake) == []


INVALID_PAGING = [
    *(("limit", value) for value in ("0", "-1", "1001", "ten", "1.5", "")),
    *(("offset", value) for value in ("-1", "ten", "1.5", "")),
]


@pytest.mark.parametrize(("name", "value"), INVALID_PAGING)
async def test_invalid_limit_or_offset_is_400_and_sends_no_statement(
    client, fake, name, value
) -> None:
    response = await client.get(query_url(ORDERS, **{name: value}), headers=auth(ALICE.token))

    error = assert_error(response, 400, "INVALID_REQUEST")
    assert [d["field"] for d in error["details"]] == [name]
    assert statements(fake) == []


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
    assert fake.requests.for_route(Route.SQL_EXECUTE) == []
