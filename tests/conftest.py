"""Root test configuration: backend selection, the shared database, app clients, live mode.

Fixture tiers: session-scoped read-only things (the fake workspace and its reference data, the
migrated database and its engine); function-scoped everything a test writes (rows are deleted
after each test that touched the database, apps and clients are built per test).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy import delete
from sqlalchemy.engine import make_url

from server.app import create_app
from server.config import Settings
from server.db.database import Database
from server.db.engine import create_engine_from_url, create_lakebase_engine
from server.db.migrate import upgrade
from server.models.model_inference import ModelInference
from server.models.user_preference import UserPreference
from tests.fakes.reference import APP_SP
from tests.fakes.server import FakeWorkspace
from tests.harness import auth as _auth
from tests.harness.backends import (
    BackendChoice,
    BackendUnavailable,
    check_postgres,
    choose_backend,
    create_database,
    drop_database,
    ensure_login_role,
    unique_database_name,
)
from tests.harness.live import is_live, live_config, missing_live_variables
from tests.harness.settings import isolated_settings

pytest_plugins = ["tests.fakes.plugin"]
# tests/fuzz needs schemathesis and minutes: only `nox -s fuzz` (which sets RUN_FUZZ) runs it.
collect_ignore = [] if os.environ.get("RUN_FUZZ") else ["fuzz"]


class AppClient(httpx.AsyncClient):
    """An httpx client over one app instance, which tests can inspect (`client.app.state`)."""

    def __init__(self, app: FastAPI) -> None:
        super().__init__(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
        self.app = app


ClientFactory = Callable[..., Awaitable[AppClient]]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        action="store",
        default=None,
        choices=("sqlite", "postgres", "lakebase"),
        help="storage backend for the whole run (default: sqlite, or TEST_DB / TEST_DATABASE_URL)",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Fail fast, before collection, when the chosen backend or live mode cannot work."""
    try:
        choice = choose_backend(config.getoption("--db"))
    except BackendUnavailable as exc:
        pytest.exit(str(exc), returncode=pytest.ExitCode.USAGE_ERROR)
    if is_live():
        missing = missing_live_variables(lakebase=choice.name == "lakebase")
        if missing:
            pytest.exit(
                "TEST_MODE=live needs these environment variables: " + ", ".join(missing),
                returncode=pytest.ExitCode.USAGE_ERROR,
            )
    if choice.name in ("postgres", "lakebase") and not (choice.name == "lakebase" and is_live()):
        try:
            check_postgres(choice.url)
        except BackendUnavailable as exc:
            pytest.exit(str(exc), returncode=pytest.ExitCode.USAGE_ERROR)
    config.stash[_CHOICE] = choice


_CHOICE = pytest.StashKey[BackendChoice]()
# In Lakebase the app connects as its service principal, whose Postgres role is its client id.
_SP_ROLE = APP_SP.application_id


def pytest_report_header(config: pytest.Config) -> list[str]:
    choice = config.stash.get(_CHOICE, None)
    if choice is None:
        return []
    mode = "live workspace" if is_live() else "fake workspace"
    return [f"backend: {choice.name} ({make_url(choice.url).render_as_string()}); {mode}"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    choice = config.stash[_CHOICE]
    live = is_live()
    for item in items:
        if live and item.get_closest_marker("fake_only"):
            item.add_marker(
                pytest.mark.skip(reason="needs the fake workspace (seeded data or faults)")
            )
        if not live and item.get_closest_marker("live"):
            item.add_marker(pytest.mark.skip(reason="runs only with TEST_MODE=live"))
        if choice.name == "sqlite" and item.get_closest_marker("postgres_only"):
            item.add_marker(
                pytest.mark.skip(reason="PostgreSQL-only behaviour (run with --db postgres)")
            )


@pytest.fixture(scope="session")
def backend(pytestconfig: pytest.Config) -> BackendChoice:
    return pytestconfig.stash[_CHOICE]


@pytest.fixture(scope="session")
def worker_id_label(request: pytest.FixtureRequest) -> str:
    workerinput = getattr(request.config, "workerinput", None)
    return str(workerinput["workerid"]) if workerinput else "main"


@dataclass(frozen=True)
class WorkspaceTarget:
    """Where the app under test finds Databricks: the fake, or a live workspace."""

    host: str
    warehouse_id: str
    client_id: str | None
    client_secret: str | None


@pytest.fixture(scope="session")
def workspace_target(request: pytest.FixtureRequest) -> WorkspaceTarget:
    if is_live():
        live = live_config()
        return WorkspaceTarget(
            live.host,
            live.warehouse_id,
            os.environ.get("DATABRICKS_CLIENT_ID"),
            os.environ.get("DATABRICKS_CLIENT_SECRET"),
        )
    fake = request.getfixturevalue("fake_workspace")
    return WorkspaceTarget(
        fake.base_url,
        fake.warehouse_id,
        fake.service_principal.client_id,
        fake.service_principal.client_secret,
    )


@pytest.fixture(scope="session")
def fake(fake_workspace: FakeWorkspace) -> FakeWorkspace:
    """Short name for the fake workspace (started once per session; reset before each test)."""
    return fake_workspace


@pytest.fixture(scope="session")
def settings_factory(workspace_target: WorkspaceTarget) -> Callable[..., Settings]:
    """Settings pointing at the fake (or live) workspace; keyword arguments override."""
    base: dict[str, Any] = {
        "databricks_host": workspace_target.host,
        "databricks_warehouse_id": workspace_target.warehouse_id,
        "databricks_client_id": workspace_target.client_id,
        "databricks_client_secret": workspace_target.client_secret,
        "databricks_http_timeout_seconds": 10,
        "databricks_retry_timeout_seconds": 5,
        "query_poll_interval_seconds": 0.01,
        "model_retry_max_wait_seconds": 0.2,
        "run_migrations_on_startup": False,
        "default_catalog": os.environ.get("LIVE_CATALOG", "main") if is_live() else "main",
        "default_schema": os.environ.get("LIVE_SCHEMA", "sales") if is_live() else "sales",
    }

    def make(**overrides: Any) -> Settings:
        return isolated_settings(**{**base, **overrides})

    return make


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
) -> AsyncIterator[Database]:
    """The run's database, migrated once with Alembic and shared (read-mostly) by every app."""
    settings = settings_factory()
    if backend.name == "lakebase":
        db = _lakebase_database(backend.url, provisioned_database_url, settings_factory)
    else:
        url = provisioned_database_url or backend.url
        from server.db.engine import normalise_url

        db = Database(create_engine_from_url(normalise_url(url), settings))
    await upgrade(db.engine)
    try:
        yield db
    finally:
        await db.engine.dispose()


def _lakebase_database(
    server_url: str, provisioned_url: str | None, settings_factory: Callable[..., Settings]
) -> Database:
    """Configure storage exactly as Databricks Apps would: PG* variables plus the instance name;
    the password is a token minted by the service principal."""
    if is_live():
        env = os.environ
        lakebase_settings = settings_factory(
            pghost=env["PGHOST"],
            pgport=int(env.get("PGPORT", "5432")),
            pgdatabase=env["PGDATABASE"],
            pguser=env["PGUSER"],
            pgsslmode=env.get("PGSSLMODE", "require"),
            lakebase_instance_name=env["LAKEBASE_INSTANCE_NAME"],
        )
    else:
        assert provisioned_url is not None
        url = make_url(provisioned_url)
        assert url.database is not None
        ensure_login_role(server_url, _SP_ROLE, url.database)
        lakebase_settings = settings_factory(
            pghost=url.host,
            pgport=url.port or 5432,
            pgdatabase=url.database,
            pguser=_SP_ROLE,
            pgsslmode="disable",
            lakebase_instance_name="fake-lakebase",
        )
    engine, provider = create_lakebase_engine(lakebase_settings)
    return Database(engine, credentials=provider)


@pytest.fixture(autouse=True)
async def _isolate_rows(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    """Each test that touched the database leaves it empty again."""
    yield
    if "database" in request.fixturenames:
        db: Database = request.getfixturevalue("database")
        async with db.session() as session:
            await session.execute(delete(ModelInference))
            await session.execute(delete(UserPreference))


@pytest.fixture
async def client_factory(
    database: Database, settings_factory: Callable[..., Settings]
) -> AsyncIterator[ClientFactory]:
    """Build clients over fresh apps: `await client_factory(database=False, **settings)`.

    `database=True` shares the run's migrated database; False gives an app with no database
    (unless the settings name one, which the app then builds, migrates and disposes itself).
    """
    async with AsyncExitStack() as stack:

        async def make(*, database: Database | bool = True, **overrides: Any) -> AppClient:
            settings = settings_factory(**overrides)
            shared = _shared if database is True else (database or None)
            app = create_app(settings, database=shared)
            await stack.enter_async_context(LifespanManager(app))
            return await stack.enter_async_context(AppClient(app))

        _shared = database
        yield make


@pytest.fixture
async def client(client_factory: ClientFactory) -> AppClient:
    """A client over the app on the selected backend, talking to the fake (or live) workspace."""
    return await client_factory()


@pytest.fixture(scope="session")
def auth() -> Callable[..., dict[str, str]]:
    """`auth(token)` → the headers the Databricks Apps proxy adds for that user."""
    return _auth
