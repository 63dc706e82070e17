"""Unity Catalog through the real app: listings, table pages, filters, failures, as the caller."""

from __future__ import annotations

from typing import Any

import pytest

from fake_workspace.reference import (
    CLIENTS_EUR,
    CUSTOMERS,
    ORDERS,
    PRODUCTS,
    WEATHER,
    tables_in,
)
from fake_workspace.reference.identities import ALICE, BOB, CAROL, WAREHOUSE_ID
from fake_workspace.routes import Route
from tests.harness import auth
from tests.harness.backends import UNREACHABLE_POSTGRES
from tests.integration.api import UC, query_url, save_pref, statements
from tests.integration.expectations import (
    HIDDEN_FROM_ALICE,
    assert_error,
    assert_utc_timestamps,
    expected_rows,
)

pytestmark = pytest.mark.fake_only


# --- listings --------------------------------------------------------------------------------


async def test_catalogs_are_exactly_those_the_caller_can_see(client, fake) -> None:
    response = await client.get(f"{UC}/catalogs", headers=auth(ALICE.token))

    assert response.status_code == 200
    body = response.json()
    assert [c["name"] for c in body["items"]] == ["main", "samples", "system"]
    assert (body["total"], body["limit"], body["offset"]) == (3, 100, 0)
    assert body["items"][1]["catalog_type"] == "DELTASHARING_CATALOG"
    assert_utc_timestamps(body)
    assert body["items"][0]["created_at"] == "2024-01-01T00:00:00Z"


async def test_an_admin_also_sees_the_restricted_catalog(client, fake) -> None:
    response = await client.get(f"{UC}/catalogs?limit=2&offset=1", headers=auth(CAROL.token))

    assert response.json()["items"][0]["name"] == "restricted"
    assert (response.json()["total"], len(response.json()["items"])) == (4, 2)


async def test_upstream_calls_carry_the_callers_token(client, fake) -> None:
    await client.get(f"{UC}/catalogs", headers=auth(BOB.token))
    await client.get(query_url(PRODUCTS), headers=auth(BOB.token))

    calls = fake.requests_for(Route.CATALOGS_LIST) + fake.requests_for(Route.SQL_EXECUTE)
    assert len(calls) == 2
    assert {r.bearer_token for r in calls} == {BOB.token}


async def test_schemas_of_a_catalog(client, fake) -> None:
    response = await client.get(f"{UC}/schemas?catalog=main", headers=auth(ALICE.token))

    assert response.status_code == 200
    names = [s["name"] for s in response.json()["items"]]
    assert names == ["analytics", "default", "information_schema", "sales", "ventes 2024"]
    assert response.json()["items"][3]["full_name"] == "main.sales"
    assert_utc_timestamps(response.json())


async def test_table_names_follow_every_upstream_page_including_empty_ones(client, fake) -> None:
    fake.unity_catalog.page_size = 2
    fake.unity_catalog.insert_empty_pages = True

    url = f"{UC}/table-names?catalog=main&schema=sales&limit=3&offset=2"
    response = await client.get(url, headers=auth(ALICE.token))

    visible = [n for n in tables_in("main", "sales") if n not in HIDDEN_FROM_ALICE]
    assert response.json() == {"items": visible[2:5], "total": 5, "limit": 3, "offset": 2}
    pages = fake.requests_for(Route.TABLES_LIST)
    assert len(pages) >= 6
    assert all(p.query.get("omit_columns") == "true" for p in pages)


async def test_tables_are_described_with_their_columns(client, fake) -> None:
    response = await client.get(f"{UC}/tables?catalog=main&schema=sales", headers=auth(ALICE.token))

    tables = {t["name"]: t for t in response.json()["items"]}
    assert set(tables) == set(tables_in("main", "sales")) - HIDDEN_FROM_ALICE
    orders = tables["orders"]
    assert (orders["catalog"], orders["schema"], orders["full_name"]) == (
        "main",
        "sales",
        "main.sales.orders",
    )
    assert (orders["table_type"], orders["data_source_format"]) == ("MANAGED", "DELTA")
    assert [(c["name"], c["type_name"], c["type_text"]) for c in orders["columns"]] == [
        (c.name, c.type_name, c.type_text) for c in ORDERS.columns
    ]
    assert orders["columns"][0] | {"position": 0, "nullable": False} == orders["columns"][0]
    assert_utc_timestamps(response.json())


async def test_tables_of_another_schema_only(client, fake) -> None:
    response = await client.get(
        f"{UC}/tables?catalog=samples&schema=tpch", headers=auth(ALICE.token)
    )

    assert [t["full_name"] for t in response.json()["items"]] == ["samples.tpch.region"]
    assert response.json()["items"][0]["table_type"] == "EXTERNAL"


# --- GET /query --------------------------------------------------------------------------------


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
    assert len(fake.requests_for(Route.SQL_CHUNK)) == 4


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


# --- POST /query -------------------------------------------------------------------------------


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


# --- access and failures -----------------------------------------------------------------------


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
    "path", ["/catalogs", "/schemas?catalog=main", "/table-names?catalog=main&schema=sales"]
)
async def test_list_endpoints_validate_paging(client, fake, path) -> None:
    sep = "&" if "?" in path else "?"
    response = await client.get(f"{UC}{path}{sep}limit=0&offset=-1", headers=auth(ALICE.token))

    error = assert_error(response, 400, "INVALID_REQUEST")
    assert sorted(d["field"] for d in error["details"]) == ["limit", "offset"]


# Without a token every route is 401 before any upstream call: test_auth_and_observability.py.


# --- statement lifecycle -----------------------------------------------------------------------


async def test_a_statement_running_for_a_few_polls_then_succeeds(client, fake) -> None:
    fake.sql.stay_running_for(polls=3)

    response = await client.get(query_url(PRODUCTS), headers=auth(ALICE.token))

    assert response.json()["rows"] == expected_rows(PRODUCTS)
    assert len(fake.requests_for(Route.SQL_GET)) == 4


async def test_a_statement_past_the_query_timeout_is_cancelled_and_503(
    client_factory, fake
) -> None:
    client = await client_factory(query_timeout_seconds=0.3, query_poll_interval_seconds=0.05)
    fake.sql.stay_running_for(polls=10_000)

    response = await client.get(query_url(PRODUCTS), headers=auth(ALICE.token))

    error = assert_error(response, 503, "QUERY_TIMEOUT")
    assert error["retry_after"] >= 1
    statement_id = error["details"]["statement_id"]
    assert [r.target for r in fake.requests_for(Route.SQL_CANCEL)] == [statement_id]
    assert statements(fake)[0].json["wait_timeout"] == "0s"


async def test_the_page_and_its_count_share_one_query_budget(client_factory, fake) -> None:
    # Each statement polls 8 times 0.05 s apart: alone, each fits in 0.6 s; together they cannot.
    client = await client_factory(query_timeout_seconds=0.6, query_poll_interval_seconds=0.05)
    fake.sql.stay_running_for(polls=8, statements=2)

    response = await client.get(query_url(ORDERS, limit=10), headers=auth(ALICE.token))

    error = assert_error(response, 503, "QUERY_TIMEOUT")
    page, count = statements(fake)
    assert "COUNT(*)" in count.json["statement"].upper()
    # The page finished; the COUNT ran out of the budget the page had used and was cancelled.
    assert error["details"]["statement_id"] == count.response_json["statement_id"]
    assert [r.target for r in fake.requests_for(Route.SQL_CANCEL)] == [
        count.response_json["statement_id"]
    ]
    assert page.response_json["statement_id"] != count.response_json["statement_id"]


async def test_a_failed_cancel_still_answers_query_timeout(client_factory, fake) -> None:
    client = await client_factory(query_timeout_seconds=0.2, query_poll_interval_seconds=0.05)
    fake.sql.stay_running_for(polls=10_000)
    fake.faults.fail_next(Route.SQL_CANCEL, status=500, error_code="INTERNAL_ERROR", message="boom")

    response = await client.get(query_url(PRODUCTS), headers=auth(ALICE.token))

    assert_error(response, 503, "QUERY_TIMEOUT")


async def test_an_upstream_error_while_polling_is_502(client, fake) -> None:
    fake.sql.stay_running_for(polls=2)
    fake.faults.fail_next(Route.SQL_GET, status=500, error_code="INTERNAL_ERROR", message="boom")

    response = await client.get(query_url(PRODUCTS), headers=auth(ALICE.token))

    assert_error(response, 502, "DATABRICKS_ERROR")


async def test_an_unknown_warehouse_is_503_naming_the_warehouse(client_factory, fake) -> None:
    client = await client_factory(databricks_warehouse_id="nope")

    response = await client.get(query_url(PRODUCTS), headers=auth(ALICE.token))

    assert "SQL warehouse" in assert_error(response, 503, "DATABRICKS_UNAVAILABLE")["message"]


async def test_missing_warehouse_is_503_with_a_clear_message(client_factory, fake) -> None:
    client = await client_factory(databricks_warehouse_id=None)

    response = await client.get(query_url(PRODUCTS), headers=auth(ALICE.token))

    assert (
        "DATABRICKS_WAREHOUSE_ID"
        in assert_error(response, 503, "DATABRICKS_UNAVAILABLE")["message"]
    )
    assert fake.requests_for(Route.TABLES_GET) == []


# --- defaults from preferences -----------------------------------------------------------------


async def test_tables_default_to_the_settings_catalog_and_schema(client, fake) -> None:
    response = await client.get(f"{UC}/tables", headers=auth(ALICE.token))

    assert {t["full_name"] for t in response.json()["items"]} == {
        f"main.sales.{n}" for n in tables_in("main", "sales") if n not in HIDDEN_FROM_ALICE
    }


async def test_preferred_catalog_and_schema_change_what_tables_lists(client, fake) -> None:
    await save_pref(client, "default_catalog", "samples")
    await save_pref(client, "default_schema", "nyctaxi")

    response = await client.get(f"{UC}/tables", headers=auth(ALICE.token))

    assert [t["full_name"] for t in response.json()["items"]] == ["samples.nyctaxi.trips"]


async def test_preferences_of_another_user_do_not_apply(client, fake) -> None:
    await save_pref(client, "default_schema", "analytics")

    response = await client.get(f"{UC}/tables", headers=auth(BOB.token))

    assert "main.sales.orders" in {t["full_name"] for t in response.json()["items"]}


async def test_preferred_defaults_and_limit_change_what_query_does(client, fake) -> None:
    await save_pref(client, "default_schema", "analytics")
    await save_pref(client, "default_query_limit", 7)

    response = await client.get(f"{UC}/query?table=daily_revenue", headers=auth(ALICE.token))

    body = response.json()
    assert (body["schema"], body["limit"], body["row_count"]) == ("analytics", 7, 7)


@pytest.mark.parametrize("value", [0, 1001, "50", True, None])
async def test_an_invalid_preferred_limit_falls_back_to_100(client, fake, value) -> None:
    await save_pref(client, "default_query_limit", value)
    await save_pref(client, "default_catalog", 42)

    response = await client.get(query_url(ORDERS), headers=auth(ALICE.token))

    assert (response.json()["limit"], response.json()["row_count"]) == (100, 100)


async def test_an_explicit_limit_beats_the_preference(client, fake) -> None:
    await save_pref(client, "default_query_limit", 7)

    response = await client.get(query_url(ORDERS, limit=3), headers=auth(ALICE.token))

    assert response.json()["row_count"] == 3


async def test_without_a_database_queries_use_the_settings_defaults(client_factory, fake) -> None:
    client = await client_factory(database=False)

    response = await client.get(f"{UC}/query?table=customers", headers=auth(ALICE.token))

    assert response.json()["rows"] == expected_rows(CUSTOMERS)


async def test_an_unreachable_database_does_not_block_queries(client_factory, fake) -> None:
    client = await client_factory(
        database=False,
        database_url=UNREACHABLE_POSTGRES,
        db_connect_timeout_seconds=2,
    )

    response = await client.get(f"{UC}/query?table=products", headers=auth(ALICE.token))

    assert (response.status_code, response.json()["limit"]) == (200, 100)
