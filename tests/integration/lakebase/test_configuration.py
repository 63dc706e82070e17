"""The app configured for Lakebase but not quite right: it starts while the workspace is
unreachable (waiting seconds, not the SDK's minutes), and a Lakebase only partly configured is
reported, never a 500."""

from __future__ import annotations

import logging
from functools import partial

import databricks.sdk.config
import pytest

from fake_workspace.reference import ALICE
from server.clock import SdkClock
from tests.harness import auth
from tests.harness.backends import UNREACHABLE_POSTGRES
from tests.harness.clock import FakeClock
from tests.harness.lakebase_targets import APP_TARGETS, LakebaseTarget
from tests.harness.settings import lakebase_values
from tests.integration.expectations import assert_error

pytestmark = pytest.mark.fake_only


@pytest.mark.parametrize("target", APP_TARGETS.values(), ids=APP_TARGETS.keys())
async def test_lakebase_app_starts_while_the_workspace_is_unreachable(
    client_factory, clock: FakeClock, monkeypatch: pytest.MonkeyPatch, target: LakebaseTarget
) -> None:
    # The SDK's `Config()` probes `/.well-known/databricks-config` with an HTTP client of its
    # own that ignores the Config's clock, so its retry back-off would sleep in real time (1-2 s).
    # No seam exists there: the probe's client is given the app's clock here, as `Config(clock=)`
    # gives it to every other SDK call.
    sdk_base_client = databricks.sdk.config._BaseClient
    monkeypatch.setattr(
        databricks.sdk.config,
        "_BaseClient",
        partial(sdk_base_client, clock=SdkClock(clock)),
    )
    client = await client_factory(
        database=False,
        databricks_host="http://127.0.0.1:9",
        databricks_retry_timeout_seconds=1,
        run_migrations_on_startup=True,
        # Lakebase variables naming a server where nothing listens.
        **lakebase_values(UNREACHABLE_POSTGRES, target),
    )

    assert (await client.get("/health")).status_code == 200
    assert_error(await client.get("/ready"), 503, "DATABASE_UNAVAILABLE")
    # One back-off each for the probe and the credential call, then the 1 s retry budget
    # ended them: start-up waited seconds, not the SDK's default five minutes.
    assert len(clock.sleeps) == 2
    assert all(1 <= seconds < 2 for seconds in clock.sleeps)


@pytest.mark.parametrize(
    ("values", "named"),
    [
        ({"pghost": "db.example.com"}, ["PGHOST"]),
        (
            {"pgdatabase": "databricks_postgres", "lakebase_instance_name": "app-db"},
            ["PGDATABASE", "LAKEBASE_INSTANCE_NAME"],
        ),
    ],
    ids=["host-only", "no-host-or-user"],
)
async def test_half_configured_lakebase_is_reported(
    client_factory, caplog: pytest.LogCaptureFixture, values: dict[str, str], named: list[str]
) -> None:
    with caplog.at_level(logging.WARNING):
        client = await client_factory(database=False, **values)

    response = await client.get("/api/lakebase/preferences", headers=auth(ALICE.token))

    assert_error(response, 503, "DATABASE_NOT_CONFIGURED")
    [warning] = [r for r in caplog.records if r.name == "server.db.runtime"]
    assert (warning.levelno, warning.getMessage()) == (
        logging.WARNING,
        "Lakebase is only partly configured; no database will be used",
    )
    assert warning.set == named  # type: ignore[attr-defined]


async def test_an_app_without_any_database_says_nothing_about_lakebase(
    client_factory, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        client = await client_factory(database=False)

    response = await client.get("/api/lakebase/preferences", headers=auth(ALICE.token))

    error = assert_error(response, 503, "DATABASE_NOT_CONFIGURED")
    assert error["message"] == (
        "No database is configured: set DATABASE_URL or add a Lakebase resource to the app."
    )
    assert [r for r in caplog.records if r.name == "server.db.runtime"] == []
