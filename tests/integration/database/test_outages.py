"""The app's database going away: down, refusing connections, or a table locked. A request
answers 503 DATABASE_UNAVAILABLE asking to retry, the probes stay honest, and the app heals
without restarting."""

from __future__ import annotations

import asyncio
import logging

import pytest

from fake_workspace.reference import ALICE
from server.db.database import Database
from tests.harness import auth
from tests.harness.backends import UNREACHABLE_POSTGRES, BackendChoice
from tests.harness.pg_faults import set_allow_connections, table_locked, terminate_connections
from tests.integration.api import PREFS
from tests.integration.expectations import assert_error

# Acts as the fake workspace's seeded users; integration/live/ covers live mode.
pytestmark = pytest.mark.fake_only


@pytest.mark.postgres_only
async def test_database_outage_is_503_then_heals_without_restart(
    client, backend: BackendChoice, database: Database
) -> None:
    assert (
        await client.post(PREFS, json={"key": "k", "value": 1}, headers=auth(ALICE.token))
    ).status_code == 201
    name = database.engine.url.database
    assert name is not None
    set_allow_connections(backend.url, name, allowed=False)
    try:
        terminate_connections(backend.url, name)
        during = await client.get(PREFS, headers=auth(ALICE.token))
        ready = await client.get("/ready")
    finally:
        set_allow_connections(backend.url, name, allowed=True)

    error = assert_error(during, 503, "DATABASE_UNAVAILABLE")
    assert error["retry_after"] >= 1
    assert_error(ready, 503, "DATABASE_UNAVAILABLE")
    after = await client.get(PREFS, headers=auth(ALICE.token))
    assert after.status_code == 200
    assert [item["key"] for item in after.json()["items"]] == ["k"]
    assert (await client.get("/ready")).status_code == 200


async def test_unreachable_database_server_gives_503_with_retry_after(
    client_factory, caplog: pytest.LogCaptureFixture
) -> None:
    # Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    client = await client_factory(
        database=False,
        database_url=UNREACHABLE_POSTGRES,
        run_migrations_on_startup=True,
        db_connect_timeout_seconds=2,
    )

    caplog.clear()  # start-up said so too; only the request's lines are asserted
    with caplog.at_level(logging.WARNING, logger="server.db.database"):
        response = await client.get(PREFS, headers=auth(ALICE.token))

    error = assert_error(response, 503, "DATABASE_UNAVAILABLE")
    assert error["message"] == "The database is unavailable right now; try again shortly."
    assert (error["retry_after"], response.headers["retry-after"]) == (5, "5")
    # The log says what kind of failure it was, for whoever runs the app.
    assert [r.getMessage() for r in caplog.records if r.name == "server.db.database"] == [
        "database unavailable: OperationalError"
    ]
    assert (await client.get("/health")).status_code == 200


@pytest.mark.postgres_only
async def test_a_request_behind_a_table_lock_answers_503_then_heals(
    client_factory, backend: BackendChoice, database: Database, harness_database_url: str
) -> None:
    url = database.engine.url
    client = await client_factory(
        database=False,
        database_url=harness_database_url,
        db_statement_timeout_seconds=0.5,
    )
    saved = await client.post(PREFS, json={"key": "k", "value": 1}, headers=auth(ALICE.token))
    assert saved.status_code == 201, saved.text

    with table_locked(backend.url, url.database, "user_preferences"):
        during = await client.get(PREFS, headers=auth(ALICE.token))

    error = assert_error(during, 503, "DATABASE_UNAVAILABLE")
    assert error["retry_after"] >= 1
    after = await client.get(PREFS, headers=auth(ALICE.token))
    assert [(i["key"], i["value"]) for i in after.json()["items"]] == [("k", 1)]


@pytest.mark.postgres_only
async def test_pooled_connections_the_server_closed_are_replaced_without_a_failed_request(
    client, backend: BackendChoice, database: Database
) -> None:
    """What a restart or failover does to an idle app: every pooled connection is gone. The
    app notices on checkout, before sending anything, so no request answers 503."""
    # Several requests at once leave several connections in the pool.
    saved = await asyncio.gather(
        *(
            client.post(PREFS, json={"key": f"k{i}", "value": i}, headers=auth(ALICE.token))
            for i in range(4)
        )
    )
    assert [r.status_code for r in saved] == [201] * 4
    name = database.engine.url.database
    assert name is not None
    assert terminate_connections(backend.url, name) >= 1

    after = [await client.get(PREFS, headers=auth(ALICE.token)) for _ in range(4)]

    assert [r.status_code for r in after] == [200] * 4
    assert [item["key"] for item in after[0].json()["items"]] == ["k0", "k1", "k2", "k3"]
