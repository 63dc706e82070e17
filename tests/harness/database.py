"""pytest plugin: the run's database - created, migrated once, emptied after every test.

`run_database` (per session and xdist worker): a PostgreSQL database of its own (created on
the server `--db` names, dropped at the end), SQLite in memory, or Lakebase, migrated with
Alembic and shared by every app the worker builds. `database` (per test): the same database,
every table of the app's metadata emptied after the test, so no test sees another's rows.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from sqlalchemy import MetaData, Table, delete
from sqlalchemy.engine import make_url

from fake_workspace.reference import APP_SP
from server.config import Settings
from server.db.database import Database
from server.db.engine import create_engine_from_url, create_lakebase_engine, normalise_url
from server.db.migrate import upgrade
from tests.harness.backends import (
    BackendChoice,
    create_database,
    drop_database,
    ensure_login_role,
    unique_database_name,
)
from tests.harness.clock import FakeClock
from tests.harness.lakebase_targets import LakebaseTarget
from tests.harness.live import is_live
from tests.harness.settings import lakebase_values, live_lakebase_values


@pytest.fixture(scope="session")
async def provisioned_database_url(
    backend: BackendChoice, worker_id: str
) -> AsyncIterator[str | None]:
    """A fresh PostgreSQL database for this run and worker, dropped at the end (None: SQLite or
    a database given as is)."""
    if backend.name == "sqlite" or backend.given or (backend.name == "lakebase" and is_live()):
        yield None
        return
    name = unique_database_name(worker_id)  # xdist's worker id ("master" without xdist)
    url = create_database(backend.url, name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        drop_database(backend.url, name)


@pytest.fixture(scope="session")
async def run_database(
    backend: BackendChoice,
    provisioned_database_url: str | None,
    settings_factory: Callable[..., Settings],
    lakebase_target: LakebaseTarget | None,
) -> AsyncIterator[Database]:
    """The run's database, migrated once with Alembic and shared by every app."""
    settings = settings_factory()
    if backend.name == "lakebase":
        assert lakebase_target is not None
        db = _lakebase_database(
            backend.url, provisioned_database_url, settings_factory, lakebase_target
        )
    else:
        url = provisioned_database_url or backend.url
        db = Database(create_engine_from_url(normalise_url(url), settings))
    await upgrade(db.engine)
    try:
        yield db
    finally:
        await db.engine.dispose()


def _lakebase_database(
    server_url: str,
    provisioned_url: str | None,
    settings_factory: Callable[..., Settings],
    target: LakebaseTarget,
) -> Database:
    """Configure storage exactly as Databricks Apps would: PG* variables plus the endpoint or
    instance; the password is a token minted for it by the service principal."""
    if is_live():
        lakebase_settings = settings_factory(**live_lakebase_values(target))
    else:
        assert provisioned_url is not None
        url = make_url(provisioned_url)
        assert url.database is not None
        ensure_login_role(server_url, APP_SP.application_id, url.database)
        # The stand-in, like Lakebase, refuses connections without SSL.
        lakebase_settings = settings_factory(**lakebase_values(url, target, pgsslmode="require"))
    # The shared database's credentials are read on the session's own clock, which nothing
    # advances: the token minted first stays current for the whole run.
    engine, provider = create_lakebase_engine(lakebase_settings, FakeClock())
    return Database(engine, credentials=provider, lakebase=lakebase_settings.lakebase_flavour)


@pytest.fixture(scope="session")
async def app_tables(run_database: Database) -> list[Table]:
    """Every table the migrations made (Alembic's own aside), parents before children: read
    from the migrated database, so a table added later is cleaned without being named here."""
    metadata = MetaData()
    async with run_database.engine.connect() as connection:
        await connection.run_sync(metadata.reflect)
    return [t for t in metadata.sorted_tables if t.name != "alembic_version"]


@pytest.fixture
async def database(run_database: Database, app_tables: list[Table]) -> AsyncIterator[Database]:
    """The run's database for one test; every table is emptied after it (children first)."""
    yield run_database
    async with run_database.session() as session:
        for table in reversed(app_tables):
            await session.execute(delete(table))
