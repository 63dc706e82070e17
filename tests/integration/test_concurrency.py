"""Ten requests at once (asyncio.gather over one app): none is lost, mixed up or half-written.

A little latency on the fake's routes keeps the ten requests in flight together.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest

from fake_workspace import Route
from fake_workspace.reference import (
    ALICE,
    FRAUD_DETECTOR,
    ORDERS,
    fraud_score,
)
from fake_workspace.request_log import peak_in_flight
from server.models.model_inference import ModelInference
from server.models.user_preference import UserPreference
from tests.harness import auth
from tests.harness.waiting import until
from tests.integration.api import PREFS, fraud_inputs, invoke
from tests.integration.expectations import api_order
from tests.integration.rows import rows_of

pytestmark = pytest.mark.fake_only

N = 10


@pytest.fixture
def ten_users(fresh_user) -> list[Any]:
    return [fresh_user("concurrent") for _ in range(N)]


def written_value(i: int) -> dict[str, Any]:
    """A distinctive nested value: a torn or mixed write could not equal any of them."""
    return {"writer": i, "layout": {"columns": [i] * (i + 1), "panel": {"title": f"w{i}" * 50}}}


async def test_ten_users_saving_at_once_all_get_saved(client, database, ten_users) -> None:
    responses = await asyncio.gather(
        *(
            client.post(
                PREFS, json={"key": f"k{i}", "value": written_value(i)}, headers=auth(u.token)
            )
            for i, u in enumerate(ten_users)
        )
    )

    assert [r.status_code for r in responses] == [201] * N
    names = [u.user_name for u in ten_users]
    rows = await rows_of(database, UserPreference, UserPreference.user_name.in_(names))
    saved = {(r.user_name, r.key, json.dumps(json.loads(r.value), sort_keys=True)) for r in rows}
    assert saved == {
        (u.user_name, f"k{i}", json.dumps(written_value(i), sort_keys=True))
        for i, u in enumerate(ten_users)
    }


async def test_ten_inferences_at_once_all_succeed_and_are_logged(client, database, fake) -> None:
    fake.faults.add_latency(Route.INVOCATIONS, seconds=0.05)
    data = [[float(10 * i), 0.1 * i, i] for i in range(N)]

    responses = await asyncio.gather(*(invoke(client, fraud_inputs([row])) for row in data))

    assert [r.status_code for r in responses] == [200] * N
    assert [r.json()["predictions"] for r in responses] == [[fraud_score(*row)] for row in data]
    rows = await rows_of(database, ModelInference, ModelInference.user_name == ALICE.user_name)
    assert sorted(r.request_id for r in rows) == sorted(r.json()["request_id"] for r in responses)
    assert {r.status for r in rows} == {"SUCCESS"}
    assert len(fake.requests.for_route(Route.INVOCATIONS, FRAUD_DETECTOR.name)) == N


async def test_concurrent_writes_and_reads_of_one_key_never_tear(client, database) -> None:
    async def write(i: int) -> httpx.Response:
        body = {"key": "layout", "value": written_value(i)}
        return await client.post(PREFS, json=body, headers=auth(ALICE.token))

    async def read() -> httpx.Response:
        return await client.get(f"{PREFS}/layout", headers=auth(ALICE.token))

    results = await asyncio.gather(*(call for i in range(N) for call in (write(i), read())))

    writes, reads = results[0::2], results[1::2]
    values = [written_value(i) for i in range(N)]
    assert sorted(r.status_code for r in writes) == [200] * (N - 1) + [201]
    seen = [r.json()["value"] if r.status_code == 200 else r.json()["error"]["code"] for r in reads]
    assert all(s in [*values, "PREFERENCE_NOT_FOUND"] for s in seen), seen
    [row] = await rows_of(database, UserPreference, UserPreference.user_name == ALICE.user_name)
    assert json.loads(row.value) in values


async def test_ten_users_querying_one_table_at_once_get_identical_correct_pages(
    client, fake, ten_users
) -> None:
    fake.faults.add_latency(Route.SQL_EXECUTE, seconds=0.05)
    url = "/api/unity-catalog/query?catalog=main&schema=sales&table=orders&limit=100&offset=250"

    responses = await asyncio.gather(*(client.get(url, headers=auth(u.token)) for u in ten_users))

    assert [r.status_code for r in responses] == [200] * N
    expected = [api_order(i) for i in range(251, 351)]
    assert all(r.json()["rows"] == expected for r in responses)
    assert {r.json()["total_row_count"] for r in responses} == {len(ORDERS.rows)}
    pages = [
        r
        for r in fake.requests.for_route(Route.SQL_EXECUTE)
        if "LIMIT 100 OFFSET 250" in r.json["statement"]
    ]
    assert sorted(r.bearer_token for r in pages) == sorted(u.token for u in ten_users)


@pytest.mark.parametrize("limit", [1, 2])
async def test_workspace_calls_in_flight_never_exceed_the_configured_limit(
    client_factory, fake, fresh_user, limit: int
) -> None:
    # /Me answers nobody until `limit` calls wait at it together; without the limiter all four
    # callers' SDK threads would be there too.
    client = await client_factory(databricks_max_concurrent_calls=limit)
    gate = fake.faults.hold(Route.SCIM_ME)
    callers = [fresh_user("limited") for _ in range(4)]

    answers = asyncio.gather(*(client.get("/api/user/me", headers=auth(u.token)) for u in callers))
    await until(lambda: gate.held == limit, what=f"{limit} /Me calls held at once")
    gate.open()
    responses = await answers

    assert [r.json()["user_name"] for r in responses] == [u.user_name for u in callers]
    assert {r.principal for r in fake.requests.for_route(Route.SCIM_ME)} == {
        u.user_name for u in callers
    }
    assert peak_in_flight(fake.requests.snapshot()) == limit
