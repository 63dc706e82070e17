"""A value is stored only if it can be read back (nesting up to the depth limit), and a
stored row that cannot be read (damaged, or written before a rule existed) is flagged in the
answer, never fatal to the listing."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import pytest
from sqlalchemy import select, update

from fake_workspace.reference import ALICE
from server.db.database import Database
from server.models.base import utc_now
from server.models.user_preference import PREFERENCE_VALUE_MAX_DEPTH, UserPreference
from tests.harness import auth
from tests.integration.api import JSON, PREFS
from tests.integration.expectations import assert_error

pytestmark = pytest.mark.fake_only


def nested_text(depth: int) -> str:
    """The JSON text of `nested(depth)`, built as text: json.dumps recurses past ~1000 levels."""
    return "[" * depth + "0" + "]" * depth


def nested(depth: int) -> Any:
    """`[[...[0]...]]` with `depth` arrays around the 0."""
    value: Any = 0
    for _ in range(depth):
        value = [value]
    return value


async def stored_keys(database: Database) -> list[str]:
    async with database.session() as session:
        return list(await session.scalars(select(UserPreference.key)))


@pytest.mark.parametrize("depth", [PREFERENCE_VALUE_MAX_DEPTH + 1, 256, 600])
async def test_too_deeply_nested_preference_is_refused_before_storing(
    client: httpx.AsyncClient, database: Database, depth: int
) -> None:
    response = await client.post(
        PREFS,
        content=f'{{"key": "deep", "value": {nested_text(depth)}}}',
        headers={**auth(ALICE.token), **JSON},
    )

    error = assert_error(response, 400, "INVALID_PREFERENCE")
    assert error["details"][0]["field"] == "value"
    assert error["details"][0]["max_depth"] == PREFERENCE_VALUE_MAX_DEPTH
    assert await stored_keys(database) == []
    listing = await client.get(PREFS, headers=auth(ALICE.token))
    assert listing.status_code == 200
    assert listing.json()["items"] == []


async def test_body_too_deep_to_parse_is_400_and_stores_nothing(
    client: httpx.AsyncClient, database: Database
) -> None:
    response = await client.post(
        PREFS,
        content=f'{{"key": "deep", "value": {nested_text(100_000)}}}',
        headers={**auth(ALICE.token), **JSON},
    )

    assert_error(response, 400, "INVALID_REQUEST")
    assert await stored_keys(database) == []


async def test_preference_at_the_depth_limit_round_trips(client: httpx.AsyncClient) -> None:
    value = nested(PREFERENCE_VALUE_MAX_DEPTH)

    saved = await client.post(
        PREFS, json={"key": "deep", "value": value}, headers=auth(ALICE.token)
    )
    read = await client.get(f"{PREFS}/deep", headers=auth(ALICE.token))

    assert saved.status_code == 201, saved.text
    assert read.status_code == 200
    assert read.json()["value"] == value


@pytest.mark.parametrize("depth", [300, 1400])
async def test_stored_row_that_cannot_be_rendered_does_not_break_the_listing(
    client: httpx.AsyncClient, database: Database, depth: int
) -> None:
    # A row written before the depth rule existed (or by another tool): valid JSON, too deep.
    await client.post(PREFS, json={"key": "ok", "value": 1}, headers=auth(ALICE.token))
    now = utc_now()
    async with database.session() as session:
        session.add(
            UserPreference(
                user_name=ALICE.user_name,
                key="deep",
                value=nested_text(depth),
                created_at=now,
                updated_at=now,
            )
        )

    listing = await client.get(PREFS, headers=auth(ALICE.token))
    one = await client.get(f"{PREFS}/deep", headers=auth(ALICE.token))

    assert listing.status_code == 200, listing.text
    items = {item["key"]: item for item in listing.json()["items"]}
    assert (items["ok"]["value"], items["ok"]["corrupted"]) == (1, False)
    assert (items["deep"]["value"], items["deep"]["corrupted"]) == (None, True)
    assert one.status_code == 200, one.text
    assert (one.json()["value"], one.json()["corrupted"]) == (None, True)


async def test_corrupted_preference_is_flagged_not_fatal(
    client, database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    for key in ("a", "broken", "c"):
        await client.post(PREFS, json={"key": key, "value": key}, headers=auth(ALICE.token))
    async with database.session() as session:
        await session.execute(
            update(UserPreference).where(UserPreference.key == "broken").values(value="{not json")
        )

    with caplog.at_level(logging.WARNING):
        response = await client.get(PREFS, headers=auth(ALICE.token))

    assert response.status_code == 200
    items = {item["key"]: item for item in response.json()["items"]}
    assert (items["a"]["value"], items["c"]["value"]) == ("a", "c")
    assert (items["broken"]["corrupted"], items["broken"]["value"]) == (True, None)
    assert not items["a"]["corrupted"]
    warnings = [r for r in caplog.records if "does not decode" in r.getMessage()]
    assert [w.levelno for w in warnings] == [logging.WARNING]
    assert warnings[0].correlation_id == response.headers["x-request-id"]
