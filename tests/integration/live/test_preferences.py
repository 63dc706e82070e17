"""/api/lakebase/preferences: a key of the test's own saved, read and deleted (the database
only; the caller's identity from SCIM `Me`)."""

from __future__ import annotations

import uuid

import httpx

from tests.harness import auth
from tests.integration.api import PREFS, pref_url
from tests.integration.live.targets import LiveTargets


async def test_preference_round_trip(client: httpx.AsyncClient, targets: LiveTargets) -> None:
    key = f"live-test.{uuid.uuid4().hex}"  # the test's own: nothing it did not create is touched
    headers = auth(targets.token)

    saved = await client.post(PREFS, json={"key": key, "value": {"ok": True}}, headers=headers)
    read = await client.get(pref_url(key), headers=headers)
    deleted = await client.delete(pref_url(key), headers=headers)

    assert (saved.status_code, read.status_code, deleted.status_code) == (201, 200, 204)
    assert read.json()["value"] == {"ok": True}
