"""Failures a user would notice: the database going away, flaky models, revoked grants and
damaged rows. Each must give a clear answer and heal without restarting the app."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy.engine import make_url

from fake_workspace.reference import FRAUD_DETECTOR, fraud_score
from fake_workspace.reference.identities import ALICE
from fake_workspace.routes import Route
from fake_workspace.server import FakeWorkspace
from server.db.database import Database
from tests.harness import auth
from tests.harness.backends import UNREACHABLE_POSTGRES, BackendChoice
from tests.harness.clock import FakeClock
from tests.harness.pg_faults import (
    set_allow_connections,
    table_locked,
    terminate_connections,
)
from tests.integration.api import FRAUD_ROWS, PREFS, fraud_inputs, invoke
from tests.integration.expectations import assert_error
from tests.integration.rows import log_rows

# Acts as the fake workspace's seeded users; test_live_smoke.py covers live mode.
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


async def test_unreachable_database_server_gives_503_with_retry_after(client_factory) -> None:
    # Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    client = await client_factory(
        database=False,
        database_url=UNREACHABLE_POSTGRES,
        run_migrations_on_startup=True,
        db_connect_timeout_seconds=2,
    )

    response = await client.get(PREFS, headers=auth(ALICE.token))

    assert_error(response, 503, "DATABASE_UNAVAILABLE")
    assert (await client.get("/health")).status_code == 200


# --- busy models and revoked grants ----------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "failures", "attempts"),
    [
        pytest.param(503, 1, 3, id="503-once"),
        pytest.param(429, 2, 3, id="429-twice"),
        pytest.param(503, 2, 3, id="503-twice"),
        pytest.param(503, 4, 5, id="503-four-times-of-five-attempts"),
    ],
)
async def test_busy_model_answers_after_retries_and_is_logged_once(
    client_factory,
    database: Database,
    fake: FakeWorkspace,
    clock: FakeClock,
    status: int,
    failures: int,
    attempts: int,
) -> None:
    client = await client_factory(model_retry_attempts=attempts)
    fake.faults.fail_next(
        Route.INVOCATIONS,
        times=failures,
        status=status,
        error_code="REQUEST_LIMIT_EXCEEDED",
        retry_after=1,
    )

    response = await invoke(client, fraud_inputs())

    assert response.status_code == 200, response.text
    assert response.json()["predictions"] == [fraud_score(*row) for row in FRAUD_ROWS]
    calls = fake.requests_for(Route.INVOCATIONS, FRAUD_DETECTOR.name)
    assert [c.status for c in calls] == [status] * failures + [200]
    assert {(c.bearer_token, c.body) for c in calls} == {(ALICE.token, calls[0].body)}
    assert clock.sleeps == [1] * failures  # what Retry-After asked, before each new attempt
    logs = (await client.get("/api/model-serving/logs", headers=auth(ALICE.token))).json()
    assert [(i["request_id"], i["status"]) for i in logs["items"]] == [
        (response.json()["request_id"], "SUCCESS")
    ]
    assert [r.status for r in await log_rows(database)] == ["SUCCESS"]


@pytest.mark.postgres_only
async def test_a_blocked_inference_log_does_not_hold_the_answer_back(
    client_factory,
    backend: BackendChoice,
    database: Database,
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = await client_factory(inference_log_write_timeout_seconds=0.5)
    name = database.engine.url.database
    assert name is not None

    # An ACCESS EXCLUSIVE lock (a migration, VACUUM FULL) makes the log's INSERT wait.
    with (
        caplog.at_level(logging.WARNING, logger="server.services.model_serving_service"),
        table_locked(backend.url, name, "model_inferences"),
    ):
        blocked = await invoke(client, fraud_inputs())

    assert blocked.status_code == 200, blocked.text
    assert blocked.json()["predictions"] == [fraud_score(*row) for row in FRAUD_ROWS]
    skipped = [r for r in caplog.records if r.getMessage() == "inference log not written"]
    assert [(r.request_id, r.error_code) for r in skipped] == [  # type: ignore[attr-defined]
        (blocked.json()["request_id"], "DATABASE_UNAVAILABLE")
    ]
    # The lock gone, logging works again on the same app (no connection left broken).
    after = await invoke(client, fraud_inputs())
    logs = (await client.get("/api/model-serving/logs", headers=auth(ALICE.token))).json()
    assert [(i["request_id"], i["status"]) for i in logs["items"]] == [
        (after.json()["request_id"], "SUCCESS")
    ]


@pytest.mark.postgres_only
async def test_a_request_behind_a_table_lock_answers_503_then_heals(
    client_factory, backend: BackendChoice, database: Database
) -> None:
    url = database.engine.url
    assert url.database is not None
    # The harness's own user on the run's database: on the Lakebase stand-in the service
    # principal's role logs in only with a minted token, which DATABASE_URL cannot carry.
    own = make_url(backend.url).set(drivername="postgresql+psycopg", database=url.database)
    client = await client_factory(
        database=False,
        database_url=own.render_as_string(hide_password=False),
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
