"""The app's Lakebase credential: renewed while it serves (on Lakebase: with a refresh margin
longer than any credential lives, every use of the database mints a new one, and a connection
opened after the renewal logs in with it; live these are real credentials for the run's
endpoint or instance, offline the fake mints them and the stand-in admits only the newest), and
never minted for a service principal the workspace rejects (every backend)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import pytest

from fake_workspace import FakeWorkspace, Route
from server.db.database import Database
from tests.harness import auth
from tests.harness.apps import ClientFactory
from tests.harness.backends import UNREACHABLE_POSTGRES
from tests.harness.lakebase_targets import APP_TARGETS, LakebaseTarget
from tests.harness.settings import lakebase_values
from tests.integration.api import PREFS
from tests.integration.expectations import assert_error
from tests.integration.live.targets import LiveTargets
from tests.integration.rows import connection_password

# Longer than a Lakebase credential lives (an hour): the provider renews before every use.
RENEW_EVERY_TIME = 2 * 24 * 3600.0
MINTED = "minted a Lakebase credential"
# A client secret of the right kind that no workspace issued.
REJECTED = "dose" + "0" * 32


@pytest.mark.lakebase_only
async def test_a_connection_after_a_renewal_logs_in_with_the_new_credential(
    client_factory: ClientFactory,
    lakebase_run_values: dict[str, Any],
    workspace: FakeWorkspace | None,
    targets: LiveTargets,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The run's own Lakebase database (live: its branch's endpoint, or its schema), as the
    # run's own app reaches it.
    settings = {**lakebase_run_values, "lakebase_token_refresh_margin_seconds": RENEW_EVERY_TIME}
    target = settings.get("lakebase_endpoint") or settings["lakebase_instance_name"]
    client = await client_factory(database=False, **settings)
    app_database: Database = client.app.state.database
    first = await client.get(PREFS, headers=auth(targets.token))
    first_password = await connection_password(app_database)
    # A pooled connection stays logged in past its credential (Lakebase checks it at login
    # only): close it, as the pool's recycling would, so the next request logs in anew.
    await app_database.engine.dispose()

    with caplog.at_level(logging.INFO, logger="server.db.lakebase"):
        second = await client.get(PREFS, headers=auth(targets.token))

    assert (first.status_code, second.status_code) == (200, 200)
    renewals = [r for r in caplog.records if r.getMessage() == MINTED]
    assert renewals
    assert all(r.target == target for r in renewals)  # type: ignore[attr-defined]
    assert all(
        datetime.fromisoformat(r.expires_at) > datetime.now(UTC)  # type: ignore[attr-defined]
        for r in renewals
    )
    second_password = await connection_password(app_database)
    assert second_password != first_password
    if workspace is not None:  # offline: the very credential the fake minted last
        assert second_password == workspace.lakebase.minted[-1].token


async def test_a_service_principal_the_workspace_rejects_is_503_in_the_envelope(
    client_factory: ClientFactory,
    lakebase_target: LakebaseTarget | None,
    workspace: FakeWorkspace | None,
    targets: LiveTargets,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Minting comes before any connection, so no database need be reachable: this runs on
    # every backend (off Lakebase, for the fake's seeded endpoint).
    target = lakebase_target or APP_TARGETS["autoscaling"]
    settings = lakebase_values(UNREACHABLE_POSTGRES, target, databricks_client_secret=REJECTED)
    client = await client_factory(database=False, **settings)

    with caplog.at_level(logging.WARNING, logger="server.db.database"):
        response = await client.get(PREFS, headers=auth(targets.token))

    assert_error(response, 503, "DATABASE_UNAVAILABLE")
    assert REJECTED not in response.text
    assert any(r.getMessage().startswith("database unavailable") for r in caplog.records)
    if workspace is not None:  # offline: refused at the token, and nothing minted
        assert [r.status for r in workspace.requests.for_route(Route.OIDC_TOKEN)] == [401]
        assert workspace.lakebase.minted == []
