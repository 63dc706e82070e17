"""Build the async engine for whichever storage the settings name."""

from __future__ import annotations

import select
from datetime import timedelta
from typing import Any

import psycopg
from psycopg.pq import ConnStatus
from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import StaticPool

from server.clock import Clock
from server.config import Settings
from server.db.lakebase import LakebaseCredentialProvider, service_principal_minter

_ASYNC_DRIVERS = {
    "postgresql": "postgresql+psycopg",
    "postgres": "postgresql+psycopg",
    "postgresql+psycopg2": "postgresql+psycopg",
    "sqlite": "sqlite+aiosqlite",
}


def normalise_url(raw: str) -> URL:
    """Accept plain `postgresql://` and `sqlite://` URLs and pick the async driver for them."""
    url = make_url(raw)
    driver = _ASYNC_DRIVERS.get(url.drivername)
    return url.set(drivername=driver) if driver else url


def is_sqlite_memory(url: URL) -> bool:
    database = url.database or ""
    return url.get_backend_name() == "sqlite" and (
        database in ("", ":memory:") or "mode=memory" in str(url)
    )


def create_engine_from_url(url: URL, settings: Settings) -> AsyncEngine:
    """An engine with bounded waits that recovers from a lost database without asking.

    Disconnects are handled without `pool_pre_ping`, whose ping is one more round trip on
    every checkout, about as costly as the query itself, against something that happens once
    per outage. Two cheaper parts instead:
    - on checkout, a PostgreSQL connection whose server has hung up (its socket is readable
      while idle: the server's goodbye, or end of file) is replaced before use
      (`_replace_closed_connections`), a local check with no round trip, so a restart or a
      terminated backend costs no request;
    - otherwise SQLAlchemy's "optimistic" handling: a statement that meets a dead connection
      fails as a disconnect, SQLAlchemy invalidates it and every connection pooled before it,
      and the request answers 503 with Retry-After (`Database.session`).
    """
    if url.get_backend_name() == "sqlite":
        if is_sqlite_memory(url):
            # One shared connection holds the whole database; Database serialises its sessions.
            return create_async_engine(url, poolclass=StaticPool)
        return create_async_engine(url, connect_args={"timeout": settings.db_pool_timeout_seconds})
    connect_args: dict[str, Any] = {"connect_timeout": settings.db_connect_timeout_seconds}
    if settings.pgappname:
        connect_args.setdefault("application_name", settings.pgappname)
    engine = create_async_engine(
        url,
        # Pool upkeep no test can watch in its lifetime: a connection renewed after half an hour
        # (before a server or proxy drops it for idling), extra ones.
        pool_size=settings.db_pool_size,
        max_overflow=settings.db_pool_size,  # pragma: no mutate - pool upkeep (above)
        pool_timeout=settings.db_pool_timeout_seconds,
        pool_recycle=1800,  # pragma: no mutate - pool upkeep (above)
        connect_args=connect_args,
    )
    # pragma: no mutate start - PostgreSQL only (database/test_outages.py, test_locks.py)
    _replace_closed_connections(engine)
    # pragma: no mutate end
    session_settings = _session_settings(settings)
    if session_settings:
        _apply_on_connect(engine, session_settings)
    return engine


def server_hung_up(dbapi_connection: Any) -> bool:
    """Whether the server closed this idle psycopg connection: nothing is owed to an idle
    client, so a readable socket means its goodbye (or end of file) has arrived."""
    # pragma: no mutate block - PostgreSQL only (database/test_outages.py: connections closed)
    pgconn = dbapi_connection.driver_connection.pgconn
    if pgconn.status != ConnStatus.OK:
        return True
    try:
        readable, _, _ = select.select([pgconn.socket], [], [], 0)
    except (OSError, ValueError, psycopg.OperationalError):  # no socket left at all
        return True
    return bool(readable)


def _replace_closed_connections(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "checkout")
    def replace_if_closed(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        if server_hung_up(dbapi_connection):
            # The pool discards it and checks out a new connection in its place.
            raise DisconnectionError("the server closed this pooled connection")


def statement_timeout_ms(seconds: float) -> int:
    """PostgreSQL's `statement_timeout` in whole milliseconds (0 would mean no limit)."""
    return max(1, round(seconds * 1000))


def _session_settings(settings: Settings) -> str:
    """The `SET` statements every new PostgreSQL connection runs, in one round trip: the
    statement and lock-wait limits (a zero leaves that limit unset) and the app's schema."""
    statements = [
        f"SET {name} = {statement_timeout_ms(seconds)}"
        for name, seconds in (
            ("statement_timeout", settings.db_statement_timeout_seconds),
            ("lock_timeout", settings.db_lock_timeout_seconds),
        )
        if seconds > 0  # pragma: no mutate - PostgreSQL only (database/test_locks.py)
    ]
    if settings.db_schema:
        # Only that schema: a table missing there must not be found in `public` instead.
        statements.append(f'SET search_path TO "{settings.db_schema}"')
    return "; ".join(statements)


def _apply_on_connect(engine: AsyncEngine, statements: str) -> None:
    """Run `statements` once per new connection (session settings: a pool's ROLLBACK keeps
    them), rather than a startup `options` packet, which connection poolers may refuse."""
    # pragma: no mutate block - PostgreSQL only (database/test_engine_settings.py)

    @event.listens_for(engine.sync_engine, "connect")
    def apply_session_settings(dbapi_connection: Any, _record: Any) -> None:
        autocommit = dbapi_connection.autocommit
        dbapi_connection.autocommit = True  # a SET alone must not open a transaction
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(statements)
        finally:
            cursor.close()
            dbapi_connection.autocommit = autocommit


def lakebase_url(settings: Settings) -> URL:
    return URL.create(
        "postgresql+psycopg",
        username=settings.pguser,
        host=settings.pghost,
        port=settings.pgport,
        database=settings.pgdatabase,
        query={"sslmode": settings.pgsslmode},
    )


def create_lakebase_engine(
    settings: Settings, clock: Clock, provider: LakebaseCredentialProvider | None = None
) -> tuple[AsyncEngine, LakebaseCredentialProvider]:
    """Engine whose every new connection authenticates with the current Lakebase token."""
    provider = provider or LakebaseCredentialProvider(
        service_principal_minter(settings, clock),
        refresh_margin=timedelta(seconds=settings.lakebase_token_refresh_margin_seconds),
        clock=clock,
    )
    engine = create_engine_from_url(lakebase_url(settings), settings)

    @event.listens_for(engine.sync_engine, "do_connect")
    def _inject_token(dialect: Any, conn_rec: Any, cargs: Any, cparams: dict[str, Any]) -> None:
        cparams["password"] = provider.token()

    return engine, provider
