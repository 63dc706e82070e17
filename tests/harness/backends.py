"""Storage backends for a test run - SQLite in memory, a throwaway PostgreSQL database, or
Lakebase (the local stand-in with credentials minted by the fake, or a live instance) - and the
PostgreSQL administration they need (databases, login roles). No pytest in here."""

from __future__ import annotations

import os
import re
import uuid
from dataclasses import dataclass

import psycopg
from psycopg import sql
from sqlalchemy.engine import URL, make_url

from server.lakebase_flavours import LAKEBASE_FLAVOURS, LakebaseFlavour
from suite_environment import DATABASES, DEFAULT_POSTGRES_URL, FLAVOUR_VARIABLES, DatabaseName

SQLITE_MEMORY_URL = "sqlite+aiosqlite://"
TEST_DATABASE_PREFIX = "dbx_app_test_"
# An address where nothing listens: connecting is refused at once (a database that is down).
UNREACHABLE_POSTGRES = "postgresql://postgres@127.0.0.1:9/nowhere"


class BackendUnavailable(Exception):
    """The selected backend cannot be reached; the message says how to fix it."""


@dataclass(frozen=True)
class BackendChoice:
    name: DatabaseName
    # Where to create per-run databases (PostgreSQL server URL), or the database to use as is.
    url: str
    # True when the URL came from TEST_DATABASE_URL: used as is, never created or dropped.
    given: bool = False
    # With `lakebase`: which API the app mints its credentials from.
    flavour: LakebaseFlavour = "autoscaling"


def choose_backend(option: str | None, flavour: str | None = None) -> BackendChoice:
    """`--db` picks the backend; TEST_DATABASE_URL (if set) names the database outright.
    `flavour` (`--lakebase-flavour`) picks the Lakebase API; by default the one the live
    variables name, else Autoscaling, which every Lakebase database created today is."""
    chosen = choose_flavour(flavour)
    if chosen is None:
        raise BackendUnavailable(
            f"--lakebase-flavour must be one of {', '.join(LAKEBASE_FLAVOURS)}, not {flavour!r}."
        )
    given = os.environ.get("TEST_DATABASE_URL")
    if given:
        backend = make_url(given).get_backend_name()
        name: DatabaseName = "sqlite" if backend == "sqlite" else "postgres"
        if option and option != name:
            raise BackendUnavailable(f"--db {option} contradicts TEST_DATABASE_URL ({backend}).")
        return BackendChoice(name, given, given=True, flavour=chosen)
    name = (option or os.environ.get("TEST_DB") or "sqlite").lower()  # type: ignore[assignment]
    if name not in DATABASES:
        raise BackendUnavailable(f"--db must be one of {', '.join(DATABASES)}, not {name!r}.")
    if name == "sqlite":
        return BackendChoice("sqlite", SQLITE_MEMORY_URL, flavour=chosen)
    url = os.environ.get("TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    return BackendChoice(name, url, flavour=chosen)


def choose_flavour(option: str | None) -> LakebaseFlavour | None:
    """The Lakebase flavour asked for (None: not one), by default the one LAKEBASE_ENDPOINT or
    LAKEBASE_INSTANCE_NAME names, else Autoscaling."""
    if option is None:
        named = [f for f, variable in FLAVOUR_VARIABLES.items() if os.environ.get(variable)]
        option = named[0] if len(named) == 1 else "autoscaling"
    for flavour in LAKEBASE_FLAVOURS:
        if option.lower() == flavour:
            return flavour
    return None


def libpq_url(url: str) -> str:
    """psycopg wants plain `postgresql://`; accept SQLAlchemy driver names too."""
    parsed = make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


def redacted(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def check_postgres(server_url: str, timeout_seconds: int = 3) -> None:
    """Fail fast, naming the URL tried and how to point the run elsewhere."""
    try:
        with psycopg.connect(libpq_url(server_url), connect_timeout=timeout_seconds) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        raise BackendUnavailable(
            f"PostgreSQL is not reachable at {redacted(server_url)} ({type(exc).__name__}: "
            f"{str(exc).strip().splitlines()[0] if str(exc).strip() else 'no details'}).\n"
            "Start it (e.g. `pg_ctlcluster 15 main start`) or point the run at a server with "
            "TEST_POSTGRES_URL=postgresql://USER[:PASSWORD]@HOST:PORT/DB "
            "(or use --db sqlite)."
        ) from exc


def unique_database_name(worker: str) -> str:
    """One database per run and per xdist worker, so parallel runs never collide."""
    safe_worker = re.sub(r"[^a-z0-9]", "", worker.lower())[:10] or "main"
    return f"{TEST_DATABASE_PREFIX}{uuid.uuid4().hex[:12]}_{safe_worker}"


def create_database(server_url: str, name: str) -> URL:
    with psycopg.connect(libpq_url(server_url), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return make_url(server_url).set(drivername="postgresql+psycopg", database=name)


def drop_database(server_url: str, name: str) -> None:
    with psycopg.connect(libpq_url(server_url), autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def ensure_login_role(server_url: str, role: str, database: str) -> None:
    """Create the login role a Lakebase app connects as (its service principal's client id) and
    let it use `database`. Roles are cluster-wide and shared by runs, so this is idempotent."""
    with psycopg.connect(libpq_url(server_url), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
        if not exists:
            try:
                conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
            except psycopg.errors.DuplicateObject:  # another run created it meanwhile
                pass
            except psycopg.errors.UniqueViolation:
                pass
        conn.execute(
            sql.SQL("GRANT ALL PRIVILEGES ON DATABASE {} TO {}").format(
                sql.Identifier(database), sql.Identifier(role)
            )
        )
    with psycopg.connect(libpq_url(with_database(server_url, database)), autocommit=True) as conn:
        for statement in (
            "GRANT ALL ON SCHEMA public TO {}",
            "GRANT ALL PRIVILEGES ON ALL TABLES IN SCHEMA public TO {}",
            "GRANT ALL PRIVILEGES ON ALL SEQUENCES IN SCHEMA public TO {}",
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO {}",
            "ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON SEQUENCES TO {}",
        ):
            conn.execute(sql.SQL(statement).format(sql.Identifier(role)))


def with_database(server_url: str, database: str) -> str:
    return make_url(server_url).set(database=database).render_as_string(hide_password=False)
