"""A database that is away when the app starts: the app starts anyway, says so once, and
migrates on first use, once. Shown with a SQLite file whose folder does not exist yet (SQLite
cannot open it: the same OperationalError an unreachable server gives), then appears."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from fake_workspace.reference import ALICE
from tests.harness import auth
from tests.integration.api import PREFS

pytestmark = pytest.mark.fake_only


async def test_migrations_wait_for_the_database_and_run_once_on_first_use(
    client_factory, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "not-yet"
    with caplog.at_level(logging.INFO):
        client = await client_factory(
            database=False,
            database_url=f"sqlite:///{folder / 'app.db'}",
            run_migrations_on_startup=True,
        )
    deferred = [r for r in caplog.records if r.name == "server.db.database"]
    assert [(r.levelname, r.getMessage()) for r in deferred] == [
        ("WARNING", "database unavailable at startup; migrations deferred")
    ]
    assert (await client.get("/health")).status_code == 200

    folder.mkdir()
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="alembic"):
        saved = await client.post(PREFS, json={"key": "k", "value": 1}, headers=auth(ALICE.token))
        first_use = [r.getMessage() for r in caplog.records if r.name.startswith("alembic")]
        caplog.clear()
        listed = await client.get(PREFS, headers=auth(ALICE.token))
        later = [r.getMessage() for r in caplog.records if r.name.startswith("alembic")]

    assert saved.status_code == 201, saved.text
    assert any(message.startswith("Running upgrade") for message in first_use)
    assert [(i["key"], i["value"]) for i in listed.json()["items"]] == [("k", 1)]
    assert later == []  # migrated once, not on every request


async def test_a_database_migrated_at_start_up_is_not_migrated_again_by_requests(
    client_factory, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    client = await client_factory(
        database=False,
        database_url=f"sqlite:///{tmp_path / 'app.db'}",
        run_migrations_on_startup=True,
    )
    caplog.clear()

    with caplog.at_level(logging.INFO, logger="alembic"):
        saved = await client.post(PREFS, json={"key": "k", "value": 1}, headers=auth(ALICE.token))

    assert saved.status_code == 201, saved.text
    assert [r for r in caplog.records if r.name.startswith("alembic")] == []
