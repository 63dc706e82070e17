"""A query's statements in the SQL warehouse: polled until they finish, cancelled past the
query timeout (the page and its count share one budget, a failed cancel changes nothing), and
a warehouse that fails while polled, is unknown or is not configured."""

from __future__ import annotations

import pytest

from fake_workspace import Route
from fake_workspace.reference import ALICE, ORDERS, PRODUCTS
from tests.harness import auth
from tests.integration.api import query_url, statements
from tests.integration.expectations import assert_error, expected_rows

pytestmark = pytest.mark.fake_only


async def test_a_statement_running_for_a_few_polls_then_succeeds(client, fake) -> None:
    fake.sql.stay_running_for(polls=3)

    response = await client.get(query_url(PRODUCTS), headers=auth(ALICE.token))

    assert response.json()["rows"] == expected_rows(PRODUCTS)
    assert len(fake.requests.for_route(Route.SQL_GET)) == 4


async def test_a_statement_past_the_query_timeout_is_cancelled_and_503(
    client_factory, fake
) -> None:
    client = await client_factory(query_timeout_seconds=0.3, query_poll_interval_seconds=0.05)
    fake.sql.stay_running_for(polls=10_000)

    response = await client.get(query_url(PRODUCTS), headers=auth(ALICE.token))

    error = assert_error(response, 503, "QUERY_TIMEOUT")
    assert error["retry_after"] >= 1
    statement_id = error["details"]["statement_id"]
    assert [r.target for r in fake.requests.for_route(Route.SQL_CANCEL)] == [statement_id]
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
    assert [r.target for r in fake.requests.for_route(Route.SQL_CANCEL)] == [
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
    assert fake.requests.for_route(Route.TABLES_GET) == []
