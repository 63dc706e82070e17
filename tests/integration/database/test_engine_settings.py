"""What the app asks of a database before the first byte reaches it: which driver a
`DATABASE_URL` gets (the `postgres://` alias included), and what each new PostgreSQL or Lakebase
connection is opened with - timeout, application name, the Lakebase login and the minted token
as its password.

Read at SQLAlchemy's `do_connect` hook, the last step before psycopg dials, so every cell (SQLite
too) checks them; the PostgreSQL cells also connect for real (`test_the_postgres_alias_stores_rows`
here, the Lakebase path in tests/integration/lakebase).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DatabaseError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from fake_workspace import FakeWorkspace
from fake_workspace.reference import ALICE, APP_SP
from server.config import Settings
from server.db.database import Database
from server.db.engine import is_sqlite_memory, normalise_url, statement_timeout_ms
from server.db.runtime import build_database
from tests.harness import auth
from tests.harness.backends import BackendChoice
from tests.harness.clock import FakeClock
from tests.harness.lakebase_targets import APP_TARGETS
from tests.integration.api import PREFS


class Dialled(Exception):
    """Raised in place of connecting: the test has what it wanted to see."""


def dial(engine: AsyncEngine) -> dict[str, Any]:
    """The keyword arguments psycopg (or aiosqlite) would be called with for a new connection."""
    seen: dict[str, Any] = {}

    @event.listens_for(engine.sync_engine, "do_connect")
    def record(_dialect: Any, _record: Any, _cargs: Any, cparams: dict[str, Any]) -> None:
        seen.update(cparams)
        raise Dialled

    return seen


async def connect_args(database: Database) -> dict[str, Any]:
    seen = dial(database.engine)
    with pytest.raises(Dialled):
        async with database.engine.connect():
            pass
    await database.dispose()
    return seen


@pytest.mark.parametrize(
    ("url", "driver"),
    [
        ("postgres://app@db.example.com/state", "postgresql+psycopg"),
        ("postgresql://app@db.example.com/state", "postgresql+psycopg"),
        ("postgresql+psycopg2://app@db.example.com/state", "postgresql+psycopg"),
        ("postgresql+psycopg://app@db.example.com/state", "postgresql+psycopg"),
        ("sqlite:///app.db", "sqlite+aiosqlite"),
        ("sqlite+aiosqlite:///app.db", "sqlite+aiosqlite"),
    ],
)
def test_a_database_url_gets_the_async_driver(url: str, driver: str) -> None:
    normalised = normalise_url(url)

    assert normalised.drivername == driver
    assert normalised.database == make_url(url).database


@pytest.mark.parametrize(
    ("url", "in_memory"),
    [
        ("sqlite+aiosqlite://", True),
        ("sqlite+aiosqlite:///:memory:", True),
        ("sqlite+aiosqlite:///file:shared?mode=memory&cache=shared&uri=true", True),
        ("sqlite+aiosqlite:///app.db", False),
        ("postgresql+psycopg://app@db.example.com/state", False),
        ("postgresql+psycopg://app@db.example.com/", False),
    ],
)
def test_only_an_in_memory_sqlite_database_is_one_shared_connection(
    url: str, in_memory: bool
) -> None:
    assert is_sqlite_memory(make_url(url)) is in_memory


@pytest.mark.parametrize(
    ("seconds", "milliseconds"),
    [(30.0, 30000), (0.5, 500), (0.0004, 1), (0.0016, 2), (2.2, 2200)],
)
def test_the_statement_timeout_is_whole_milliseconds_and_never_none(
    seconds: float, milliseconds: int
) -> None:
    assert statement_timeout_ms(seconds) == milliseconds


@pytest.mark.parametrize("alias", ["postgres", "postgresql"])
async def test_a_postgresql_connection_is_opened_with_the_configured_timeout_and_name(
    settings_factory: Callable[..., Settings], alias: str
) -> None:
    settings = settings_factory(
        database_url=f"{alias}://app@db.example.com:6543/state",
        db_connect_timeout_seconds=7,
        pgappname="orders-app",
        db_pool_size=3,
        db_pool_timeout_seconds=4.5,
    )
    database = build_database(settings, FakeClock())
    assert database is not None

    assert (database.kind, database.engine.pool.size(), database.engine.pool.timeout()) == (
        "postgresql",
        3,
        4.5,
    )
    seen = await connect_args(database)
    assert (seen["host"], seen["port"], seen["dbname"], seen["user"]) == (
        "db.example.com",
        6543,
        "state",
        "app",
    )
    assert (seen["connect_timeout"], seen["application_name"]) == (7, "orders-app")


async def test_without_an_application_name_postgresql_is_told_none(
    settings_factory: Callable[..., Settings],
) -> None:
    settings = settings_factory(database_url="postgresql://app@db.example.com/state")
    database = build_database(settings, FakeClock())
    assert database is not None

    seen = await connect_args(database)

    assert seen["connect_timeout"] == settings.db_connect_timeout_seconds == 5
    assert "application_name" not in seen


async def test_a_sqlite_file_waits_for_its_lock_as_long_as_the_pool_timeout(
    settings_factory: Callable[..., Settings], tmp_path
) -> None:
    settings = settings_factory(
        database_url=f"sqlite:///{tmp_path / 'app.db'}", db_pool_timeout_seconds=2.5
    )
    database = build_database(settings, FakeClock())
    assert database is not None

    seen = await connect_args(database)

    assert seen["timeout"] == 2.5
    assert database.kind == "sqlite"


@pytest.mark.fake_only
@pytest.mark.parametrize("flavour", ["autoscaling", "provisioned"])
async def test_a_lakebase_connection_logs_in_as_the_service_principal_with_its_minted_token(
    settings_factory: Callable[..., Settings], fake: FakeWorkspace, flavour: str
) -> None:
    target = APP_TARGETS[flavour]  # type: ignore[index]
    settings = settings_factory(
        pghost="instance-1.database.example.com",
        pgport=5433,
        pgdatabase="databricks_postgres",
        pguser=APP_SP.application_id,
        pgsslmode="require",
        pgappname="orders-app",
        db_connect_timeout_seconds=9,
        lakebase_token_refresh_margin_seconds=120,
        **target.setting(),
    )
    database = build_database(settings, FakeClock())
    assert database is not None
    assert database.kind == f"lakebase-{flavour}"
    assert database.credentials is not None
    seen = dial(database.engine)

    # Each session first makes sure of a fresh token (minted off the event loop), then dials;
    # the second finds it fresh and mints nothing.
    for _ in range(2):
        with pytest.raises(Dialled):
            async with database.session() as session:
                await session.execute(text("SELECT 1"))
    await database.dispose()

    [minted] = fake.lakebase.minted
    assert seen["password"] == minted.token
    assert (seen["host"], seen["port"], seen["dbname"], seen["user"]) == (
        "instance-1.database.example.com",
        5433,
        "databricks_postgres",
        APP_SP.application_id,
    )
    assert (seen["sslmode"], seen["connect_timeout"], seen["application_name"]) == (
        "require",
        9,
        "orders-app",
    )


@pytest.mark.postgres_only
@pytest.mark.fake_only
async def test_the_postgres_alias_stores_rows(
    client_factory, backend: BackendChoice, database: Database
) -> None:
    url = database.engine.url
    # The harness's own user (the stand-in's service principal logs in with tokens only).
    own = make_url(backend.url).set(drivername="postgres", database=url.database)
    client = await client_factory(
        database=False, database_url=own.render_as_string(hide_password=False)
    )

    saved = await client.post(PREFS, json={"key": "k", "value": 1}, headers=auth(ALICE.token))

    assert saved.status_code == 201, saved.text
    listed = await client.get(PREFS, headers=auth(ALICE.token))
    assert [(i["key"], i["value"]) for i in listed.json()["items"]] == [("k", 1)]


async def test_an_in_memory_sqlite_database_is_one_database_its_sessions_take_turns_on(
    settings_factory: Callable[..., Settings],
) -> None:
    database = build_database(settings_factory(database_url="sqlite://"), FakeClock())
    assert database is not None
    await database.migrate_or_defer()

    async def count_after_insert(key: str) -> int:
        async with database.session() as session:
            await session.execute(
                text(
                    "INSERT INTO user_preferences (user_name, key, value, created_at, updated_at)"
                    " VALUES ('u', :key, '1', '2026-03-01 12:00:00', '2026-03-01 12:00:00')"
                ),
                {"key": key},
            )
            return int(await session.scalar(text("SELECT count(*) FROM user_preferences")) or 0)

    counts = await asyncio.gather(*(count_after_insert(f"k{i}") for i in range(3)))
    await database.dispose()

    assert sorted(counts) == [1, 2, 3]  # one after another, on the same database
    assert database.kind == "sqlite"


async def test_a_borrowed_engine_stays_open_when_its_database_is_disposed() -> None:
    engine = create_async_engine("sqlite+aiosqlite://")
    try:
        await Database(engine, owns_engine=False).dispose()
        async with engine.connect() as connection:
            assert (await connection.execute(text("SELECT 1"))).scalar() == 1
    finally:
        await engine.dispose()


async def test_a_file_that_is_no_database_stops_start_up_and_fails_requests_with_500(
    client_factory, tmp_path, caplog: pytest.LogCaptureFixture
) -> None:
    # Not an outage to wait out: deferring its migrations would hide it until the first request.
    garbage = tmp_path / "app.db"
    garbage.write_bytes(b"this is not a database file, and never was" * 100)
    url = f"sqlite:///{garbage}"

    with pytest.raises(DatabaseError, match="file is not a database"):
        await client_factory(database=False, database_url=url, run_migrations_on_startup=True)

    client = await client_factory(database=False, database_url=url)
    response = await client.get(PREFS, headers=auth(ALICE.token))
    assert response.status_code == 500
    assert response.json()["error"]["code"] == "INTERNAL_ERROR"


@pytest.fixture
def own_storage(
    request: pytest.FixtureRequest, lakebase_run_values: dict[str, Any] | None
) -> dict[str, Any]:
    """Settings that reach the run's own database: its Lakebase variables (live: the run's
    branch or schema), else its URL on the PostgreSQL server."""
    if lakebase_run_values is not None:
        return lakebase_run_values
    return {"database_url": request.getfixturevalue("harness_database_url")}


@pytest.mark.postgres_only
@pytest.mark.parametrize(("seconds", "shown"), [(0, "0"), (2.5, "2500ms")])
async def test_each_postgresql_connection_gets_the_statement_limit_or_none(
    settings_factory: Callable[..., Settings],
    own_storage: dict[str, Any],
    seconds: float,
    shown: str,
) -> None:
    settings = settings_factory(**own_storage, db_statement_timeout_seconds=seconds)
    app_database = build_database(settings, FakeClock())
    assert app_database is not None
    try:
        async with app_database.engine.connect() as connection:
            limit = (await connection.exec_driver_sql("SHOW statement_timeout")).scalar()
    finally:
        await app_database.dispose()

    assert limit == shown


@pytest.mark.postgres_only
async def test_db_schema_keeps_the_apps_tables_in_that_schema_and_nowhere_else(
    settings_factory: Callable[..., Settings], own_storage: dict[str, Any], database: Database
) -> None:
    schema = f"app_{uuid.uuid4().hex[:8]}"
    async with database.engine.begin() as connection:
        await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    app_database = build_database(
        settings_factory(**{**own_storage, "db_schema": schema}), FakeClock()
    )
    assert app_database is not None
    try:
        await app_database.migrate_or_defer()
        async with app_database.session() as session:
            await session.execute(
                text(
                    "INSERT INTO user_preferences (user_name, key, value, created_at, updated_at)"
                    " VALUES ('u', 'k', '1', now(), now())"
                )
            )
        async with app_database.engine.connect() as connection:
            seen = await connection.scalar(text("SELECT current_schema()"))
            tables = await connection.scalar(
                text("SELECT count(*) FROM pg_tables WHERE schemaname = :s"), {"s": schema}
            )
        async with database.engine.connect() as connection:
            # The run's own tables (the default schema) did not get the row.
            elsewhere = await connection.scalar(text("SELECT count(*) FROM user_preferences"))
    finally:
        await app_database.dispose()
        async with database.engine.begin() as connection:
            await connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))

    assert seen == schema
    assert tables >= 3  # preferences, inference logs, Alembic's version table
    assert elsewhere == 0
