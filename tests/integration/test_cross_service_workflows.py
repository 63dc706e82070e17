"""Workflows that cross services: browse Unity Catalog, query a table, score its rows with a
model, read the inference log; several users doing all of it, preferences first, at once.

A workflow about one service is tested with it: preferences steering what Unity Catalog reads
in unity_catalog/test_preferred_defaults.py, a long inference log in model_serving/test_logs.py."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from typing import Any

import httpx
import pytest

from fake_workspace import Route
from fake_workspace.reference import ALICE, BOB, FRAUD_DETECTOR, ORDER_COUNT
from fake_workspace.routes import Auth
from tests.integration.api import (
    LOGS,
    PREFS,
    UC,
    fraud_inputs,
    get_ok,
    invoke,
    ok,
    order_features,
    save_pref,
)
from tests.integration.expectations import api_order, assert_utc_timestamps, expected_scores

pytestmark = pytest.mark.fake_only


# --- 1. browse → query → score → log ---------------------------------------------------------


async def test_browse_query_score_and_find_the_call_in_the_log(client, fake) -> None:
    catalogs = await get_ok(client, f"{UC}/catalogs")
    schemas = await get_ok(client, f"{UC}/schemas?catalog=main")
    tables = await get_ok(client, f"{UC}/table-names?catalog=main&schema=sales")
    url = f"{UC}/query?catalog=main&schema=sales&table=orders&limit=20&offset=40"
    page = await get_ok(client, url)

    answer = ok(await invoke(client, fraud_inputs(order_features(page["rows"]))))
    logs = await get_ok(client, LOGS)

    assert "main" in [c["name"] for c in catalogs["items"]]
    assert "sales" in [s["name"] for s in schemas["items"]]
    assert "orders" in tables["items"]
    assert page["rows"] == [api_order(i) for i in range(41, 61)]
    assert answer["predictions"] == expected_scores(41, 20)
    [sent] = fake.requests.for_route(Route.INVOCATIONS, FRAUD_DETECTOR.name)
    assert sent.json == fraud_inputs(order_features(page["rows"]))
    assert logs["total"] == 1
    assert logs["items"][0]["request_id"] == answer["request_id"]
    assert (logs["items"][0]["endpoint_name"], logs["items"][0]["status"]) == (
        FRAUD_DETECTOR.name,
        "SUCCESS",
    )
    assert_utc_timestamps(logs)


# --- 2. several users at once ----------------------------------------------------------------


async def user_flow(client: httpx.AsyncClient, user: Any, k: int) -> dict[str, Any]:
    """One user's whole flow; limit 3+k and offset 100*k make their requests recognisable."""
    token, tag = user.token, f"user{k}"
    for n, (key, value) in enumerate(
        [("default_catalog", "main"), ("default_schema", "sales"), ("default_query_limit", 3 + k)]
    ):
        await save_pref(client, key, value, token=token, **{"X-Request-Id": f"{tag}-pref{n}"})
    tables = await get_ok(client, f"{UC}/tables", token, **{"X-Request-Id": f"{tag}-tables"})
    page = await get_ok(
        client, f"{UC}/query?table=orders&offset={100 * k}", token, **{"X-Request-Id": f"{tag}-q"}
    )
    inputs = fraud_inputs(order_features(page["rows"]))
    answer = ok(await invoke(client, inputs, token=token, headers={"X-Request-Id": f"{tag}-i"}))
    logs = await get_ok(client, LOGS, token, **{"X-Request-Id": f"{tag}-logs"})
    prefs = await get_ok(client, PREFS, token, **{"X-Request-Id": f"{tag}-prefs"})
    return {"tables": tables, "page": page, "answer": answer, "logs": logs, "prefs": prefs}


@pytest.fixture
def five_users(fresh_user) -> list[Any]:
    return [ALICE, BOB, *(fresh_user("flow") for _ in range(3))]


async def test_concurrent_users_each_get_their_own_results(client, fake, five_users) -> None:
    results = await asyncio.gather(*(user_flow(client, u, k) for k, u in enumerate(five_users)))

    for k, result in enumerate(results):
        first, count = 100 * k + 1, 3 + k
        assert result["page"]["rows"] == [api_order(i) for i in range(first, first + count)]
        assert result["page"]["total_row_count"] == ORDER_COUNT
        assert result["answer"]["predictions"] == expected_scores(first, count)
        assert "main.sales.orders" in [t["full_name"] for t in result["tables"]["items"]]


async def test_concurrent_users_see_only_their_own_preferences_and_logs(
    client, fake, five_users
) -> None:
    results = await asyncio.gather(*(user_flow(client, u, k) for k, u in enumerate(five_users)))

    for k, result in enumerate(results):
        prefs = {p["key"]: p["value"] for p in result["prefs"]["items"]}
        assert prefs == {"default_catalog": "main", "default_schema": "sales"} | {
            "default_query_limit": 3 + k
        }
        assert result["logs"]["total"] == 1
        assert result["logs"]["items"][0]["request_id"] == result["answer"]["request_id"]


async def test_concurrent_users_calls_each_carry_that_users_token(client, fake, five_users) -> None:
    results = await asyncio.gather(*(user_flow(client, u, k) for k, u in enumerate(five_users)))

    by_token: dict[str | None, list[Any]] = defaultdict(list)
    for request in fake.requests.snapshot():
        if request.route is not None and request.route.auth is Auth.BEARER:
            by_token[request.bearer_token].append(request)
    assert set(by_token) == {u.token for u in five_users}
    for k, (user, result) in enumerate(zip(five_users, results, strict=True)):
        mine = by_token[user.token]
        pages = [r.json["statement"] for r in mine if r.route is Route.SQL_EXECUTE]
        pages = [s for s in pages if not s.startswith("SELECT COUNT(*)")]
        assert [s.rsplit(" LIMIT ", 1)[1] for s in pages] == [f"{3 + k} OFFSET {100 * k}"]
        invoked = [r.json for r in mine if r.route is Route.INVOCATIONS]
        assert invoked == [fraud_inputs(order_features(result["page"]["rows"]))]


async def test_concurrent_users_access_log_lines_name_the_right_user(
    client, fake, five_users, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="server.access"):
        await asyncio.gather(*(user_flow(client, u, k) for k, u in enumerate(five_users)))

    lines = [r for r in caplog.records if r.name == "server.access"]
    assert len(lines) == 5 * 8
    for k, user in enumerate(five_users):
        mine = [r for r in lines if r.correlation_id.startswith(f"user{k}-")]
        assert len(mine) == 8
        assert {(r.user, r.status in (200, 201)) for r in mine} == {(user.user_name, True)}
