"""Paging through a table's rows: all 5000 orders exactly once, in even and uneven pages
across result chunks, and the page edges."""

from __future__ import annotations

import pytest

from fake_workspace import Route
from fake_workspace.reference import ALICE, ORDER_COUNT
from tests.harness import auth
from tests.integration.api import UC
from tests.integration.expectations import api_order
from tests.integration.paging import EDGES, read_all

pytestmark = pytest.mark.fake_only


async def test_5000_orders_read_1000_at_a_time_come_once_each(client, fake) -> None:
    fake.sql.rows_per_chunk = 300

    rows = await read_all(client, f"{UC}/query", [1000], items="rows", table="orders")

    assert rows == [api_order(i) for i in range(1, ORDER_COUNT + 1)]
    # Each 1000-row page arrives in 4 chunks: 1 inline, 3 fetched.
    assert len(fake.requests.for_route(Route.SQL_CHUNK)) == 5 * 3


async def test_orders_in_uneven_pages_come_once_each(client, fake) -> None:
    fake.sql.rows_per_chunk = 250

    rows = await read_all(client, f"{UC}/query", [1, 999, 1000, 777], items="rows", table="orders")

    assert [r["order_id"] for r in rows] == list(range(1, ORDER_COUNT + 1))


@pytest.mark.parametrize(("offset", "limit"), EDGES)
async def test_table_page_edges(client, fake, offset: int, limit: int) -> None:
    url = f"{UC}/query?table=orders&offset={offset}&limit={limit}"

    response = await client.get(url, headers=auth(ALICE.token))

    assert response.status_code == 200, response.text
    page = response.json()
    last = min(offset + limit, ORDER_COUNT)
    assert page["rows"] == [api_order(i) for i in range(offset + 1, last + 1)]
    assert (page["row_count"], page["total_row_count"]) == (len(page["rows"]), ORDER_COUNT)
    assert (page["limit"], page["offset"]) == (limit, offset)
