"""Migrations as an operator runs them: `alembic upgrade head` from the command line (the
environment's DATABASE_URL, or a clear refusal without one), and `alembic downgrade base`,
which takes the tables away again. Run through Alembic's own command functions on a SQLite file
of the test's own, each in a thread of its own: the command starts and closes an event loop of
its own (`asyncio.run`, as on the command line), which must not touch the test runner's loop."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, inspect

from server.config import Settings, get_settings

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch) -> Iterator[Config]:
    """Alembic configured by the repository's alembic.ini, as the `alembic` command is, with
    none of the app's variables in the environment (a test sets its own)."""
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    get_settings.cache_clear()
    yield Config(str(ROOT / "alembic.ini"))
    get_settings.cache_clear()


def tables(path: Path) -> set[str]:
    engine = create_engine(f"sqlite:///{path}")
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


async def test_upgrade_and_downgrade_from_the_command_line(
    cli: Config, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    database = tmp_path / "app.db"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{database}")

    await asyncio.to_thread(command.upgrade, cli, "head")
    assert tables(database) == {"alembic_version", "user_preferences", "model_inferences"}

    await asyncio.to_thread(command.downgrade, cli, "base")
    assert tables(database) == {"alembic_version"}


async def test_the_command_line_without_a_database_says_what_to_set(cli: Config) -> None:
    with pytest.raises(SystemExit, match=r"^No database configured: set DATABASE_URL or the"):
        await asyncio.to_thread(command.upgrade, cli, "head")
