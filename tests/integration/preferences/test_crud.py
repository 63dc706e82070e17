"""Preferences, a user's own key/value settings in the app's database: saved, read back
identical, updated in place, listed in key order, deleted; never seen or touched by another
user; 503 when the app has no database."""

from __future__ import annotations

from datetime import datetime

import httpx
import pytest

from fake_workspace.reference import ALICE, BOB
from server.db.database import Database
from tests.harness import auth
from tests.integration.api import PREFS, post_pref, pref_url
from tests.integration.expectations import assert_error, assert_utc_timestamps
from tests.integration.rows import preference_count

# Acts as the fake workspace's seeded users; integration/live/ covers live mode.
pytestmark = pytest.mark.fake_only


async def test_new_user_has_an_empty_page(client: httpx.AsyncClient) -> None:
    response = await client.get(PREFS, headers=auth(ALICE.token))
    assert response.status_code == 200
    assert response.json() == {"items": [], "total": 0, "limit": 100, "offset": 0}


async def test_other_users_never_see_or_touch_my_preferences(client: httpx.AsyncClient) -> None:
    await post_pref(client, "theme", "dark")

    listing = await client.get(PREFS, headers=auth(BOB.token))
    by_key = await client.get(pref_url("theme"), headers=auth(BOB.token))
    deletion = await client.delete(pref_url("theme"), headers=auth(BOB.token))

    assert listing.json()["items"] == []
    assert_error(by_key, 404, "PREFERENCE_NOT_FOUND")
    assert_error(deletion, 404, "PREFERENCE_NOT_FOUND")
    mine = await client.get(pref_url("theme"), headers=auth(ALICE.token))
    assert mine.json()["value"] == "dark"


@pytest.mark.parametrize(
    ("key", "value"),
    [
        pytest.param("theme", "dark", id="string"),
        pytest.param("dashboard.layout", {"cols": [1, 2, {"w": 3.5}], "ok": True}, id="nested"),
        pytest.param("langue:préférée", "français – ünïcødé ✓", id="unicode"),
        pytest.param("limit-2", 42, id="number"),
        pytest.param("nothing_here", None, id="null"),
        pytest.param("数据_表", ["列", "行"], id="cjk-key"),
    ],
)
async def test_saved_preference_reads_back_identical(
    client: httpx.AsyncClient, database: Database, key: str, value: object
) -> None:
    created = await post_pref(client, key, value)

    assert created.status_code == 201, created.text
    assert created.json()["key"] == key
    assert created.json()["value"] == value
    fetched = await client.get(pref_url(key), headers=auth(ALICE.token))
    assert fetched.status_code == 200
    assert fetched.json() == created.json()
    assert_utc_timestamps(fetched.json())
    assert await preference_count(database, ALICE.user_name) == 1


async def test_saving_a_key_again_updates_the_one_row(
    client: httpx.AsyncClient, database: Database
) -> None:
    first = (await post_pref(client, "theme", "dark")).json()

    second = await post_pref(client, "theme", {"mode": "light"})

    assert second.status_code == 200
    body = second.json()
    assert body["value"] == {"mode": "light"}
    assert body["created_at"] == first["created_at"]
    assert datetime.fromisoformat(body["updated_at"]) > datetime.fromisoformat(first["updated_at"])
    assert await preference_count(database, ALICE.user_name) == 1


async def test_deleted_preference_is_gone(client: httpx.AsyncClient) -> None:
    await post_pref(client, "theme", "dark")

    deletion = await client.delete(pref_url("theme"), headers=auth(ALICE.token))

    assert deletion.status_code == 204
    assert deletion.content == b""
    listing = await client.get(PREFS, headers=auth(ALICE.token))
    assert listing.json()["total"] == 0
    assert_error(
        await client.get(pref_url("theme"), headers=auth(ALICE.token)), 404, "PREFERENCE_NOT_FOUND"
    )


async def test_deleting_a_missing_preference_is_404(client: httpx.AsyncClient) -> None:
    response = await client.delete(pref_url("never-saved"), headers=auth(ALICE.token))
    error = assert_error(response, 404, "PREFERENCE_NOT_FOUND")
    assert error["details"] == {"key": "never-saved"}


async def test_list_is_ordered_by_key_and_paged(client: httpx.AsyncClient) -> None:
    for key in ("b", "a", "c"):
        await post_pref(client, key, key)

    page = await client.get(PREFS, params={"limit": 2, "offset": 1}, headers=auth(ALICE.token))

    assert page.json()["total"] == 3
    assert [item["key"] for item in page.json()["items"]] == ["b", "c"]
    assert (page.json()["limit"], page.json()["offset"]) == (2, 1)


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", PREFS, None),
        ("GET", f"{PREFS}/theme", None),
        ("POST", PREFS, {"key": "theme", "value": "dark"}),
        ("DELETE", f"{PREFS}/theme", None),
    ],
)
async def test_without_a_database_preferences_answer_503_not_configured(
    client_factory, method: str, path: str, body: object
) -> None:
    client = await client_factory(database=False)

    response = await client.request(method, path, json=body, headers=auth(ALICE.token))

    error = assert_error(response, 503, "DATABASE_NOT_CONFIGURED")
    assert "DATABASE_URL" in error["message"]
