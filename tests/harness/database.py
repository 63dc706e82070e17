"""pytest plugin: the run's database - created, migrated once, emptied after every test.

`run_database` (per session and xdist worker): a PostgreSQL database of its own (created on
the server `--db` names, dropped at the end), SQLite in memory, or Lakebase (live: a branch or
schema the run creates and removes, `live_database.py`), migrated with Alembic and shared by
every app the worker builds. `database` (per test): the same database,
every table of the app's metadata emptied after the test, so no test sees another's rows.
"""

from __future__ import annotations

import os
import signal
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from sqlalchemy import MetaData, Table, delete
from sqlalchemy.engine import make_url

from fake_workspace.postgres_backing import PasswordKeeper
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
    with_database,
)
from tests.harness.clock import FakeClock
from tests.harness.lakebase_targets import LakebaseTarget
from tests.harness.live import is_live
from tests.harness.live_database import (
    OwnDatabase,
    RefusedToStart,
    branch_of_endpoint,
    runner_workspace,
    schema_of_its_own,
)
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
async def live_own_database(
    chosen_backend: BackendChoice,
    lakebase_target: LakebaseTarget | None,
    session_settings: Callable[..., Settings],
    pytestconfig: pytest.Config,
) -> AsyncIterator[OwnDatabase | None]:
    """Live Lakebase: the branch (Autoscaling) or schema (Provisioned) this run writes to,
    said when created and removed at the end of the session whatever happened (a failure,
    Ctrl-C or SIGTERM: pytest tears session fixtures down on an interrupt too; a killed
    process leaves a branch to its TTL and a schema to the next run's sweep); None otherwise."""
    if chosen_backend.name != "lakebase" or not is_live():
        yield None
        return
    assert lakebase_target is not None
    configured = live_lakebase_values(lakebase_target)
    # A job's timeout or cancel may end the run with SIGTERM: make it an interrupt, which
    # pytest answers by tearing the session down, removal included.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        if lakebase_target.flavour == "autoscaling":
            own = await branch_of_endpoint(
                runner_workspace(os.environ), lakebase_target.name, configured["pgdatabase"]
            )
        else:
            own = await schema_of_its_own(session_settings(**configured))
    except RefusedToStart as exc:
        pytest.exit(str(exc), returncode=pytest.ExitCode.USAGE_ERROR)
    say = _say(pytestconfig)
    say(f"live run created {own.what}; it is removed when the run ends")
    try:
        yield own
    finally:
        await own.remove_once()
        say(f"live run removed {own.what}")


def _say(config: pytest.Config) -> Callable[[str], None]:
    """Print a line on the terminal now, past pytest's output capture (a fixture's output is
    otherwise shown only when its test fails)."""
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    capture = config.pluginmanager.get_plugin("capturemanager")

    def say(line: str) -> None:
        if reporter is None or capture is None:
            print(line)
            return
        with capture.global_and_fixture_disabled():
            reporter.ensure_newline()
            reporter.write_line(line, bold=True)

    return say


@pytest.fixture(scope="session")
def lakebase_run_values(
    backend: BackendChoice,
    provisioned_database_url: str | None,
    lakebase_target: LakebaseTarget | None,
    live_own_database: OwnDatabase | None,
    lakebase_passwords: PasswordKeeper | None,
) -> dict[str, Any] | None:
    """The Lakebase settings that reach this run's own database (merge them into
    `settings_factory`); None off Lakebase. Live: the configured variables with the run's
    branch or schema in place of the configured database. Offline, the stand-in's passwords
    follow the fake (`lakebase_passwords`) before anything mints the run's credential."""
    if backend.name != "lakebase":
        return None
    assert lakebase_target is not None
    if live_own_database is not None:
        return {**live_lakebase_values(lakebase_target), **live_own_database.values}
    assert provisioned_database_url is not None
    url = make_url(provisioned_database_url)
    assert url.database is not None
    ensure_login_role(backend.url, APP_SP.application_id, url.database)
    # The stand-in, like Lakebase, refuses connections without SSL.
    return lakebase_values(url, lakebase_target, pgsslmode="require")


@pytest.fixture(scope="session")
async def run_database(
    backend: BackendChoice,
    provisioned_database_url: str | None,
    session_settings: Callable[..., Settings],
    lakebase_run_values: dict[str, Any] | None,
) -> AsyncIterator[Database]:
    """The run's database, migrated once with Alembic and shared by every app."""
    settings = session_settings()
    if lakebase_run_values is not None:
        db = _lakebase_database(session_settings(**lakebase_run_values))
    else:
        url = provisioned_database_url or backend.url
        db = Database(create_engine_from_url(normalise_url(url), settings))
    await upgrade(db.engine)
    try:
        yield db
    finally:
        await db.engine.dispose()


def _lakebase_database(lakebase_settings: Settings) -> Database:
    """Storage configured exactly as Databricks Apps would: PG* variables plus the endpoint or
    instance; the password is a token minted for it by the service principal."""
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
    # One Core transaction on the engine (the app's hooks apply): no ORM session to build.
    async with run_database.engine.begin() as connection:
        for table in reversed(app_tables):
            await connection.execute(delete(table))


@pytest.fixture
def harness_database_url(backend: BackendChoice, database: Database) -> str:
    """The run's database as the harness's own user (the server URL's role), for what the
    app's role may not do: on the Lakebase stand-in that role logs in only with a minted token,
    which a URL cannot carry. PostgreSQL and Lakebase only."""
    name = database.engine.url.database
    assert name is not None, "a server database: mark the test postgres_only or lakebase_only"
    return with_database(backend.url, name)
