"""Alembic is the only way the schema is created: it must build the same schema everywhere."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlalchemy.engine import URL, Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from server.db.engine import create_engine_from_url, normalise_url
from server.db.migrate import MIGRATION_LOCK_ID, upgrade
from server.models.base import Base
from tests.harness.backends import BackendChoice, create_database, drop_database
from tests.harness.backends import unique_database_name as _unique_name
from tests.harness.settings import isolated_settings
from tests.harness.waiting import until

EXPECTED_TABLES = {"alembic_version", "user_preferences", "model_inferences"}


def _schema_facts(connection: Connection) -> dict[str, object]:
    inspector = inspect(connection)
    return {
        "tables": set(inspector.get_table_names()),
        "preference_uniques": {
            tuple(u["column_names"]) for u in inspector.get_unique_constraints("user_preferences")
        },
        "inference_uniques": {
            tuple(u["column_names"]) for u in inspector.get_unique_constraints("model_inferences")
        },
        "inference_indexes": {
            tuple(i["column_names"]) for i in inspector.get_indexes("model_inferences")
        },
    }


def _model_drift(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def _assert_migrated(engine: AsyncEngine) -> None:
    await upgrade(engine)
    async with engine.connect() as connection:
        facts = await connection.run_sync(_schema_facts)
        drift = await connection.run_sync(_model_drift)
    assert facts["tables"] == EXPECTED_TABLES
    assert facts["preference_uniques"] == {("user_name", "key")}
    assert facts["inference_uniques"] == {("request_id",)}
    assert ("user_name", "created_at") in facts["inference_indexes"]
    assert drift == [], "ORM models and migrations disagree"


@pytest.fixture
async def fresh_postgres(backend: BackendChoice) -> AsyncIterator[AsyncEngine]:
    name = _unique_name("migr")
    url = create_database(backend.url, name)
    engine = create_async_engine(url)
    try:
        yield engine
    finally:
        await engine.dispose()
        drop_database(backend.url, name)


async def test_migrations_build_the_schema_on_sqlite() -> None:
    engine = create_async_engine("sqlite+aiosqlite://")
    try:
        await _assert_migrated(engine)
    finally:
        await engine.dispose()


@pytest.mark.postgres_server
@pytest.mark.postgres_only
async def test_migrations_build_the_schema_on_postgres(fresh_postgres: AsyncEngine) -> None:
    await _assert_migrated(fresh_postgres)


async def test_migrating_twice_is_a_no_op() -> None:
    engine = create_async_engine("sqlite+aiosqlite://")
    try:
        await upgrade(engine)
        await upgrade(engine)
        async with engine.connect() as connection:
            facts = await connection.run_sync(_schema_facts)
        assert facts["tables"] == EXPECTED_TABLES
    finally:
        await engine.dispose()


@pytest.mark.postgres_server
@pytest.mark.postgres_only
async def test_replicas_migrating_at_once_take_turns(backend: BackendChoice) -> None:
    name = _unique_name("race")
    url = create_database(backend.url, name)
    engines = [create_async_engine(url) for _ in range(3)]
    try:
        await asyncio.gather(*(upgrade(engine) for engine in engines))
        async with engines[0].connect() as connection:
            facts = await connection.run_sync(_schema_facts)
        assert facts["tables"] == EXPECTED_TABLES
    finally:
        for engine in engines:
            await engine.dispose()
        drop_database(backend.url, name)


@pytest.mark.postgres_server
@pytest.mark.postgres_only
async def test_migrations_may_outlast_the_request_statement_timeout(
    backend: BackendChoice,
) -> None:
    # Another replica holds the migration lock for longer than any request may take.
    name = _unique_name("slow")
    url = create_database(backend.url, name)
    settings = isolated_settings(db_statement_timeout_seconds=0.3)
    engine = create_engine_from_url(normalise_url(url.render_as_string(False)), settings)
    holder = psycopg.connect(_plain(url), autocommit=True)
    try:
        holder.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK_ID,))
        migrating = asyncio.create_task(upgrade(engine))
        # PostgreSQL itself says the upgrade has waited for the lock ten times the request
        # limit: a statement timeout applied to it would have ended it by then.
        await until(
            lambda: _lock_wait_seconds(holder, name) >= 3.0,
            what="the upgrade to wait 3 s for the migration lock",
        )
        assert not migrating.done()
        holder.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK_ID,))
        await migrating
        async with engine.connect() as connection:
            facts = await connection.run_sync(_schema_facts)
            timeout = (await connection.exec_driver_sql("SHOW statement_timeout")).scalar()
        assert facts["tables"] == EXPECTED_TABLES
        assert timeout == "300ms"  # requests keep their limit
    finally:
        holder.close()
        await engine.dispose()
        drop_database(backend.url, name)


def _lock_wait_seconds(holder: psycopg.Connection[Any], database: str) -> float:
    """How long a session of `database` has been waiting for a lock, per PostgreSQL (0: none)."""
    row = holder.execute(
        "SELECT COALESCE(MAX(EXTRACT(EPOCH FROM clock_timestamp() - state_change)), 0) "
        "FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
        (database,),
    ).fetchone()
    return float(row[0]) if row else 0.0


def _plain(url: URL) -> str:
    return url.set(drivername="postgresql").render_as_string(hide_password=False)
