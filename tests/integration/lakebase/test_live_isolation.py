"""A live Provisioned run's own schema (tests/harness/live_database.py), tried on the stand-in:
created by the service principal, dropped with everything in it, a killed run's leftover swept,
and a database with app rows refused where no schema may be made. The Autoscaling branch is
tried end to end by `nox -s rehearse-live`, and its naming rules here."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import text as sql_text

from fake_workspace.reference import APP_SP
from server.config import Settings
from server.db.database import Database
from tests.harness.backends import libpq_url
from tests.harness.live_database import (
    RefusedToStart,
    is_stale,
    refuse_if_app_rows,
    run_name,
    schema_of_its_own,
)

NOW = datetime(2026, 12, 7, 12, 0, 0, tzinfo=UTC)


def test_a_run_name_says_what_made_it_and_when_and_is_a_valid_branch_id() -> None:
    name = run_name("-", NOW)
    assert name.startswith("it-20261207-120000-")
    assert len(name) == len("it-20261207-120000-") + 6
    assert run_name("_", NOW).startswith("it_20261207_120000_")
    assert run_name("-", NOW) != name  # a random part: two runs at once never collide


@pytest.mark.parametrize(
    ("name", "stale"),
    [
        pytest.param("it_20261207_093000_abcdef", True, id="killed-run"),
        pytest.param("it_20261207_110000_abcdef", False, id="running-run"),
        pytest.param("it-20261207-093000-abcdef", True, id="branch"),
        pytest.param("public", False, id="not-a-run"),
        pytest.param("it_2026120_093000_abcdef", False, id="not-quite-a-run"),
    ],
)
def test_only_a_runs_leftover_older_than_the_ttl_is_stale(name: str, stale: bool) -> None:
    assert is_stale(name, NOW, older_than=timedelta(hours=2)) is stale


def _schemas(url: str) -> set[str]:
    with psycopg.connect(libpq_url(url)) as conn:
        return {name for (name,) in conn.execute("SELECT nspname FROM pg_namespace")}


def _admin(url: str, statement: sql.Composable) -> None:
    with psycopg.connect(libpq_url(url), autocommit=True) as conn:
        conn.execute(statement)


@pytest.fixture
def run_settings(
    settings_factory: Callable[..., Settings], lakebase_run_values: dict[str, Any] | None
) -> Settings:
    assert lakebase_run_values is not None
    return settings_factory(**lakebase_run_values)


@pytest.mark.lakebase_only
@pytest.mark.fake_only
async def test_the_runs_schema_is_made_by_the_service_principal_and_dropped_with_its_tables(
    harness_database_url: str, run_settings: Settings
) -> None:
    leftover, foreign = "it_20200101_000000_abcdef", "it_20200101_000000_fedcba"
    owner = sql.Identifier(APP_SP.application_id)  # a killed run's: the service principal's
    _admin(
        harness_database_url,
        sql.SQL("CREATE SCHEMA {} AUTHORIZATION {}").format(sql.Identifier(leftover), owner),
    )
    # Someone else's schema of that name: not the run's to drop, and no reason to stop.
    _admin(harness_database_url, sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(foreign)))

    own = await schema_of_its_own(run_settings)
    schema = own.values["db_schema"]
    created = _schemas(harness_database_url)
    _admin(
        harness_database_url,
        sql.SQL("CREATE TABLE {}.t (x int)").format(sql.Identifier(schema)),
    )
    await own.remove_once()
    await own.remove_once()  # removing twice (a finalizer after an interrupt) is harmless
    _admin(harness_database_url, sql.SQL("DROP SCHEMA {}").format(sql.Identifier(foreign)))

    assert schema in created
    assert leftover not in created  # a killed run's schema, swept first
    assert foreign in created
    assert schema not in _schemas(harness_database_url)
    assert own.what.startswith(f"schema {schema} in ")


@pytest.mark.lakebase_only
@pytest.mark.fake_only
async def test_without_create_a_database_holding_app_rows_is_refused(
    database: Database, harness_database_url: str, run_settings: Settings
) -> None:
    name = database.engine.url.database or ""
    role = sql.Identifier(APP_SP.application_id)
    async with database.session() as session:
        await session.execute(
            sql_text(
                "INSERT INTO user_preferences (user_name, key, value, created_at, updated_at) "
                "VALUES ('someone', 'k', '1', now(), now())"
            )
        )
    _admin(
        harness_database_url,
        sql.SQL("REVOKE CREATE ON DATABASE {} FROM {}").format(sql.Identifier(name), role),
    )
    try:
        with pytest.raises(RefusedToStart, match=r"holds app rows \(1 in user_preferences\)"):
            await schema_of_its_own(run_settings)
    finally:
        _admin(
            harness_database_url,
            sql.SQL("GRANT CREATE ON DATABASE {} TO {}").format(sql.Identifier(name), role),
        )


@pytest.mark.lakebase_only
@pytest.mark.fake_only
async def test_a_database_without_app_rows_is_not_refused(
    database: Database, run_settings: Settings
) -> None:
    await refuse_if_app_rows(run_settings)  # no exception: nothing of anybody's is there
