"""A lock held on one user's rows stalls that user's requests, briefly, and no one else's.

A request waiting on a lock gives up after the lock timeout (well before the statement
timeout), answers 503 DATABASE_UNAVAILABLE with Retry-After, and gives its pooled connection
back; other users' requests meanwhile find a connection and are served.
"""

from __future__ import annotations

import asyncio

import pytest

from fake_workspace.reference import ALICE, BOB
from server.db.database import Database
from tests.harness import auth
from tests.harness.backends import BackendChoice
from tests.harness.pg_faults import lock_waiters, rows_locked
from tests.harness.waiting import until
from tests.integration.api import PREFS, pref_url, save_pref
from tests.integration.expectations import assert_error

pytestmark = [pytest.mark.fake_only, pytest.mark.postgres_only]

POOL_SIZE = 1  # the engine allows as many again as overflow: two connections in all
STUCK_WRITES = 2 * POOL_SIZE  # enough waiting writes to hold every connection


async def test_a_lock_on_one_users_rows_stalls_only_that_user(
    client_factory, backend: BackendChoice, database: Database, harness_database_url: str
) -> None:
    url = database.engine.url
    client = await client_factory(
        database=False,
        database_url=harness_database_url,
        db_pool_size=POOL_SIZE,
        db_pool_timeout_seconds=8,
        db_lock_timeout_seconds=0.2,
        db_statement_timeout_seconds=60,  # far longer than the lock is held
    )
    await save_pref(client, "theme", "dark", token=ALICE.token)
    await save_pref(client, "theme", "light", token=BOB.token)

    with rows_locked(
        backend.url, url.database, "user_preferences", where=("user_name", ALICE.user_name)
    ):
        alice_writes = [
            asyncio.create_task(
                client.post(PREFS, json={"key": "theme", "value": i}, headers=auth(ALICE.token))
            )
            for i in range(STUCK_WRITES)
        ]
        # Bob asks once Alice's writes hold every connection, waiting on her rows (or, on a
        # slow machine, once they have already given up).
        await until(
            lambda: (
                all(w.done() for w in alice_writes)
                or lock_waiters(backend.url, url.database) >= STUCK_WRITES
            ),
            what="Alice's writes to wait on her locked rows",
        )
        bob_reads = []
        for _ in range(3):
            bob_reads.append(await client.get(pref_url("theme"), headers=auth(BOB.token)))
        alice_answers = await asyncio.gather(*alice_writes)

    assert [(r.status_code, r.json().get("value")) for r in bob_reads] == [(200, "light")] * 3
    for answer in alice_answers:
        error = assert_error(answer, 503, "DATABASE_UNAVAILABLE")
        assert (error["retry_after"], answer.headers["retry-after"]) == (1, "1")
        assert "locked" in error["message"]
    # The stuck requests gave their connections back: Alice is served once the lock is gone.
    after = await client.get(pref_url("theme"), headers=auth(ALICE.token))
    assert (after.status_code, after.json()["value"]) == (200, "dark")
