"""Paging through the caller's inference log: every row exactly once, newest first,
whatever the page sizes, and the page edges.

The rows are mostly inserted straight into `model_inferences`: 500 real /invoke calls take
about 5 s on SQLite and 8.5 s on PostgreSQL per test (measured), against milliseconds for an
insert, and paging reads the same rows whichever way they were written. One test still writes
its rows through /invoke.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest

from fake_workspace.reference import ALICE, BOB, FRAUD_DETECTOR
from server.db.database import Database
from server.models.model_inference import ModelInference
from tests.harness import auth
from tests.integration.api import LOGS
from tests.integration.paging import BASE_TIME, EDGES, page_at, read_all

pytestmark = pytest.mark.fake_only


async def seed_logs(database: Database, count: int, *, same_second: int = 1) -> list[str]:
    """`count` SUCCESS rows for alice (`same_second` share each timestamp), a few for bob;
    returns alice's request ids in insertion order."""
    ids = [f"seed-{i:04d}-{uuid.uuid4().hex[:8]}" for i in range(count)]
    rows = [
        ModelInference(
            request_id=request_id,
            user_name=ALICE.user_name,
            endpoint_name=FRAUD_DETECTOR.name,
            status="SUCCESS",
            latency_ms=1.5,
            input_bytes=i,
            created_at=BASE_TIME + timedelta(seconds=i // same_second),
        )
        for i, request_id in enumerate(ids)
    ]
    others = [
        ModelInference(
            request_id=uuid.uuid4().hex,
            user_name=BOB.user_name,
            endpoint_name=FRAUD_DETECTOR.name,
            status="SUCCESS",
            latency_ms=1.0,
            input_bytes=1,
            created_at=BASE_TIME + timedelta(seconds=i),
        )
        for i in range(5)
    ]
    async with database.session() as session:
        session.add_all(rows + others)
    return ids


@pytest.mark.parametrize("limits", [[7], [64], [100], [333], [500], [1, 2, 97, 100, 300]])
async def test_500_log_rows_page_without_gaps_or_duplicates(
    client, database, limits: list[int]
) -> None:
    ids = await seed_logs(database, 500, same_second=3)
    whole = await client.get(LOGS, params={"limit": 1000}, headers=auth(ALICE.token))

    paged = await read_all(client, LOGS, limits)

    reference = [i["request_id"] for i in whole.json()["items"]]
    assert sorted(reference) == sorted(ids)
    assert [i["request_id"] for i in paged] == reference
    stamps = [datetime.fromisoformat(i["created_at"]) for i in paged]
    assert stamps == sorted(stamps, reverse=True)


async def test_log_rows_with_distinct_times_come_newest_first(client, database) -> None:
    ids = await seed_logs(database, 500)

    paged = await read_all(client, LOGS, [120])

    assert [i["request_id"] for i in paged] == ids[::-1]
    assert [i["input_bytes"] for i in paged] == list(range(499, -1, -1))


async def test_invocations_page_newest_first(client) -> None:
    body = {"endpoint_name": FRAUD_DETECTOR.name}
    ids = []
    for i in range(7):
        inputs = {
            "dataframe_split": {
                "columns": ["amount", "merchant_score", "hour"],
                "data": [[i, 0.5, 3]],
            }
        }
        response = await client.post(
            "/api/model-serving/invoke", json=body | {"inputs": inputs}, headers=auth(ALICE.token)
        )
        ids.append(response.json()["request_id"])

    paged = await read_all(client, LOGS, [3])

    assert [i["request_id"] for i in paged] == ids[::-1]


@pytest.mark.parametrize(("offset", "limit"), EDGES)
async def test_log_page_edges(client, database, offset: int, limit: int) -> None:
    newest_first = (await seed_logs(database, 1200))[::-1]

    page = await page_at(client, LOGS, offset, limit)

    assert [i["request_id"] for i in page["items"]] == newest_first[offset : offset + limit]
    assert (page["total"], page["limit"], page["offset"]) == (1200, limit, offset)
