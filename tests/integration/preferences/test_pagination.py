"""Paging through a user's preferences: every key exactly once, in key order, the same
whatever the page sizes, and the page edges."""

from __future__ import annotations

import pytest

from fake_workspace.reference import ALICE, BOB
from server.db.database import Database
from server.models.user_preference import UserPreference
from tests.harness import auth
from tests.integration.api import PREFS
from tests.integration.paging import BASE_TIME, EDGES, page_at, read_all

pytestmark = pytest.mark.fake_only


async def seed_preferences(database: Database, count: int) -> list[str]:
    """`count` preferences for alice (plus one for bob); returns alice's keys, sorted."""
    keys = [f"key.{(n * 7) % count:04d}" for n in range(count)]
    now = BASE_TIME
    rows = [
        UserPreference(
            user_name=ALICE.user_name, key=k, value='"v"', created_at=now, updated_at=now
        )
        for k in keys
    ]
    bob = UserPreference(
        user_name=BOB.user_name, key="key.0000", value="1", created_at=now, updated_at=now
    )
    async with database.session() as session:
        session.add_all([*rows, bob])
    return sorted(keys)


async def test_200_preferences_read_50_at_a_time_come_once_each_sorted_by_key(client) -> None:
    keys = [f"pref.{(n * 7) % 200:03d}" for n in range(200)]
    for key in keys:
        response = await client.post(
            PREFS, json={"key": key, "value": {"k": key}}, headers=auth(ALICE.token)
        )
        assert response.status_code == 201, response.text

    items = await read_all(client, PREFS, [50])

    assert [i["key"] for i in items] == sorted(keys)
    assert all(i["value"] == {"k": i["key"]} for i in items)


async def test_preference_pages_are_stable_across_reads(client, database) -> None:
    keys = await seed_preferences(database, 200)

    first = await read_all(client, PREFS, [50])
    second = await read_all(client, PREFS, [30, 70, 1, 99])

    assert [i["key"] for i in first] == [i["key"] for i in second] == keys


@pytest.mark.parametrize(("offset", "limit"), EDGES)
async def test_preference_page_edges(client, database, offset: int, limit: int) -> None:
    keys = await seed_preferences(database, 1200)

    page = await page_at(client, PREFS, offset, limit)

    assert [i["key"] for i in page["items"]] == keys[offset : offset + limit]
    assert (page["total"], page["limit"], page["offset"]) == (1200, limit, offset)
