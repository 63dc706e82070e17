"""/api/unity-catalog against the named table: listings, paging, its columns, and its rows read
with a filter and an order chosen from the table's own columns and rows, so that any table
will do."""

from __future__ import annotations

import math
import uuid
from decimal import Decimal
from typing import Any

import httpx

from tests.harness import auth
from tests.harness.apps import ClientFactory
from tests.integration.api import QUERY, UC, ok
from tests.integration.expectations import assert_error
from tests.integration.live.targets import LiveTargets
from tests.integration.paging import read_all

# Column types whose values the API gives as JSON a filter can take back unchanged.
EQUALITY_TYPES = ("STRING", "LONG", "INT", "SHORT", "BYTE")
# Column types whose API values sort in Python as the warehouse sorts them, and how to read them.
ORDERED_TYPES: dict[str, Any] = {
    "LONG": int,
    "INT": int,
    "SHORT": int,
    "BYTE": int,
    "DATE": str,  # YYYY-MM-DD
    "DECIMAL": Decimal,  # an exact decimal string
}
SAMPLE_ROWS = 50
PAGES = 3  # the table listing is walked in about this many pages


def location(targets: LiveTargets) -> dict[str, str]:
    return {"catalog": targets.catalog, "schema": targets.schema}


def missing_name() -> str:
    """A name no workspace has: nothing the test did not create is read."""
    return f"live_test_missing_{uuid.uuid4().hex}"


async def test_the_target_catalog_is_listed(
    client: httpx.AsyncClient, targets: LiveTargets
) -> None:
    response = await client.get(
        f"{UC}/catalogs", params={"limit": 1000}, headers=auth(targets.token)
    )

    assert response.status_code == 200
    names = [c["name"] for c in response.json()["items"]]
    assert targets.catalog in names
    assert names == sorted(names)


async def test_the_target_schema_is_listed(client: httpx.AsyncClient, targets: LiveTargets) -> None:
    response = await client.get(
        f"{UC}/schemas",
        params={"catalog": targets.catalog, "limit": 1000},
        headers=auth(targets.token),
    )

    assert response.status_code == 200
    schemas = response.json()["items"]
    assert targets.schema in [s["name"] for s in schemas]
    assert {s["catalog_name"] for s in schemas} == {targets.catalog}


async def test_table_names_page_by_page_hold_the_target_once(
    client: httpx.AsyncClient, targets: LiveTargets
) -> None:
    first = ok(
        await client.get(
            f"{UC}/table-names",
            params={**location(targets), "limit": 1},
            headers=auth(targets.token),
        )
    )
    limit = max(1, math.ceil(first["total"] / PAGES))

    names = await read_all(
        client, f"{UC}/table-names", [limit], token=targets.token, **location(targets)
    )

    assert targets.table in names
    assert len(names) == len(set(names)) == first["total"]
    assert names == sorted(names)


async def test_the_target_table_is_listed_with_its_columns(
    client: httpx.AsyncClient, targets: LiveTargets
) -> None:
    response = await client.get(
        f"{UC}/tables", params={**location(targets), "limit": 1000}, headers=auth(targets.token)
    )

    assert response.status_code == 200
    [table] = [t for t in response.json()["items"] if t["name"] == targets.table]
    assert table["full_name"] == f"{targets.catalog}.{targets.schema}.{targets.table}"
    assert table["columns"]
    assert all(c["name"] and c["type_name"] for c in table["columns"])


async def test_a_page_of_the_target_table(client: httpx.AsyncClient, targets: LiveTargets) -> None:
    response = await client.get(
        QUERY,
        params={**location(targets), "table": targets.table, "limit": 5},
        headers=auth(targets.token),
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["row_count"] == len(body["rows"]) <= 5
    assert body["total_row_count"] >= body["row_count"]
    names = [c["name"] for c in body["columns"]]
    assert names
    assert all(list(row) == names for row in body["rows"])


def choose_filter_and_order(page: dict[str, Any]) -> tuple[str, Any, str, Any]:
    """An equality filter (column, value) and a sort column of another, with how to read its
    values, taken from a row of `page` where both are set; fails when the table has none."""
    types = {c["name"]: c["type_name"] for c in page["columns"]}
    # Strings first: their values usually repeat, so the filter keeps more than one row.
    filterable = sorted(
        (n for n in types if types[n] in EQUALITY_TYPES),
        key=lambda n: EQUALITY_TYPES.index(types[n]),
    )
    for row in page["rows"]:
        for filtered in filterable:
            for ordered in (n for n in types if types[n] in ORDERED_TYPES and n != filtered):
                if row[filtered] is not None and row[ordered] is not None:
                    return filtered, row[filtered], ordered, ORDERED_TYPES[types[ordered]]
    raise AssertionError(
        f"LIVE_TABLE needs a row with a string or integer column and another integer, date or "
        f"decimal column both set, among its first {SAMPLE_ROWS} rows: {types}"
    )


async def test_rows_filtered_and_ordered_as_asked(
    client: httpx.AsyncClient, targets: LiveTargets
) -> None:
    sample = ok(
        await client.get(
            QUERY,
            params={**location(targets), "table": targets.table, "limit": SAMPLE_ROWS},
            headers=auth(targets.token),
        )
    )
    column, value, order_column, read = choose_filter_and_order(sample)
    body = {
        **location(targets),
        "table": targets.table,
        "filters": [
            {"column": column, "op": "=", "value": value},
            {"column": order_column, "op": "not_null"},
        ],
        "order_by": [{"column": order_column, "direction": "desc"}],
        "limit": 20,
    }

    response = await client.post(QUERY, json=body, headers=auth(targets.token))

    assert response.status_code == 200, response.text
    rows = response.json()["rows"]
    assert rows  # the sampled row matches
    assert all(row[column] == value for row in rows)
    keys = [read(row[order_column]) for row in rows]
    assert keys == sorted(keys, reverse=True)
    assert response.json()["total_row_count"] >= len(rows)


async def test_a_statement_run_asynchronously_gives_the_same_page(
    client: httpx.AsyncClient, client_factory: ClientFactory, targets: LiveTargets
) -> None:
    params = {**location(targets), "table": targets.table, "limit": 5}
    waited = ok(await client.get(QUERY, params=params, headers=auth(targets.token)))
    # wait_timeout 0s: the warehouse answers at once and the app polls the statement.
    polling = await client_factory(sql_wait_timeout_seconds=0)

    response = await polling.get(QUERY, params=params, headers=auth(targets.token))

    assert response.status_code == 200, response.text
    assert response.json()["rows"] == waited["rows"]
    assert response.json()["columns"] == waited["columns"]
    assert response.json()["total_row_count"] == waited["total_row_count"]


async def test_a_missing_catalog_is_404(client: httpx.AsyncClient, targets: LiveTargets) -> None:
    response = await client.get(
        f"{UC}/schemas", params={"catalog": missing_name()}, headers=auth(targets.token)
    )

    assert_error(response, 404, "CATALOG_NOT_FOUND")


async def test_a_missing_schema_is_404(client: httpx.AsyncClient, targets: LiveTargets) -> None:
    response = await client.get(
        f"{UC}/table-names",
        params={"catalog": targets.catalog, "schema": missing_name()},
        headers=auth(targets.token),
    )

    assert_error(response, 404, "SCHEMA_NOT_FOUND")


async def test_a_missing_table_is_404(client: httpx.AsyncClient, targets: LiveTargets) -> None:
    response = await client.get(
        QUERY,
        params={**location(targets), "table": missing_name()},
        headers=auth(targets.token),
    )

    assert_error(response, 404, "TABLE_NOT_FOUND")
