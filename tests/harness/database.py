"""pytest plugin: the run's database - created, migrated once, emptied after every test.

Per session and xdist worker: a PostgreSQL database of its own (created on the server `--db`
names, dropped at the end) or SQLite in memory, migrated with Alembic and shared by every app
the worker builds. Per test: the rows. A test that asked for `database` (directly or through
`client`) leaves the tables empty again, so no test sees another's rows.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest
from sqlalchemy import delete
from sqlalchemy.engine import make_url

from fake_workspace.reference import APP_SP
from server.config import Settings
from server.db.database import Database
from server.db.engine import create_engine_from_url, create_lakebase_engine, normalise_url
from server.db.migrate import upgrade
from server.models.model_inference import ModelInference
from server.models.user_preference import UserPreference
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
    backend: BackendChoice, worker_id_label: str
) -> AsyncIterator[str | None]:
    """A fresh PostgreSQL database for this run and worker, dropped at the end (None: SQLite or
    a database given as is)."""
    if backend.name == "sqlite" or backend.given or (backend.name == "lakebase" and is_live()):
        yield None
        return
    name = unique_database_name(worker_id_label)
    url = create_database(backend.url, name)
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        drop_database(backend.url, name)


@pytest.fixture(scope="session")
async def database(
    backend: BackendChoice,
    provisioned_database_url: str | None,
    settings_factory: Callable[..., Settings],
    request: pytest.FixtureRequest,
) -> AsyncIterator[Database]:
    """The run's database, migrated once with Alembic and shared by every app; its rows are
    deleted after each test that used it (`_empty_tables`)."""
    settings = settings_factory()
    if backend.name == "lakebase":
        target: LakebaseTarget = request.getfixturevalue("lakebase_target")
        db = _lakebase_database(backend.url, provisioned_database_url, settings_factory, target)
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
        lakebase_settings = settings_factory(**live_lakebase_values())
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


@pytest.fixture(autouse=True)
async def _empty_tables(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """Each test that touched the database leaves it empty again."""
    yield
    if "database" in request.fixturenames:
        db: Database = request.getfixturevalue("database")
        async with db.session() as session:
            await session.execute(delete(ModelInference))
            await session.execute(delete(UserPreference))
