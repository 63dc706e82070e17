"""The app's handle on its database: sessions, readiness, and mapping outages to 503."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from server.db.engine import is_sqlite_memory, statement_timeout_ms
from server.db.lakebase import LakebaseCredentialProvider
from server.errors import AppError, ErrorCode
from server.lakebase_flavours import LakebaseFlavour

logger = logging.getLogger(__name__)


# PostgreSQL's lock_not_available: a statement gave up waiting on a lock (`lock_timeout`).
LOCK_NOT_AVAILABLE = "55P03"
# A lock is usually held for a moment: worth a retry sooner than after an outage.
LOCK_RETRY_AFTER_SECONDS = 1


def database_unavailable(exc: BaseException) -> AppError:
    # pragma: no mutate start - PostgreSQL only (database/test_locks.py)
    if is_lock_wait(exc):
        logger.warning("database row or table locked: %s", type(exc).__name__)
        return AppError(
            ErrorCode.DATABASE_UNAVAILABLE,
            "The data this request needs is locked by other work right now; try again shortly.",
            retry_after=LOCK_RETRY_AFTER_SECONDS,
        )
    # pragma: no mutate end
    logger.warning("database unavailable: %s", type(exc).__name__)
    return AppError(
        ErrorCode.DATABASE_UNAVAILABLE,
        "The database is unavailable right now; try again shortly.",
    )  # a 503: Retry-After is the app's default


def is_lock_wait(exc: BaseException) -> bool:
    # pragma: no mutate block - PostgreSQL only (database/test_locks.py)
    return isinstance(exc, DBAPIError) and getattr(exc.orig, "sqlstate", None) == LOCK_NOT_AVAILABLE


def is_login_refused(exc: BaseException) -> bool:
    """PostgreSQL refused the password at login (revoked, or past its VALID UNTIL). libpq gives
    a login failure no SQLSTATE, only the server's message."""
    # pragma: no mutate block - Lakebase only (lakebase/test_standin.py: a refused credential)
    return isinstance(exc, OperationalError) and "authentication failed" in str(exc.orig)


def is_outage(exc: BaseException) -> bool:
    """Connection-level failures (not constraint or syntax errors) mean the database is away."""
    if isinstance(exc, OperationalError | InterfaceError | PoolTimeoutError | OSError):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


class Database:
    """Owns the engine (or borrows one) and hands out sessions."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        owns_engine: bool = True,
        credentials: LakebaseCredentialProvider | None = None,
        lakebase: LakebaseFlavour | None = None,
    ) -> None:
        self.engine = engine
        self.owns_engine = owns_engine
        self.credentials = credentials
        self.lakebase = lakebase
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        # Sessions whose every statement commits by itself, on PostgreSQL: no BEGIN and COMMIT
        # round trips around a request whose work is one statement (`session(autocommit=True)`).
        self._autocommit_sessions = (
            async_sessionmaker(
                engine.execution_options(isolation_level="AUTOCOMMIT"), expire_on_commit=False
            )
            if engine.dialect.name == "postgresql"
            else self._sessions
        )
        # An in-memory SQLite database is one shared connection: sessions take turns on it.
        self._single_connection = asyncio.Lock() if is_sqlite_memory(engine.url) else None
        self._migration_pending = False
        self._migration_lock = asyncio.Lock()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @property
    def kind(self) -> str:
        """What the app stores its data in, as logs and /ready name it: `sqlite`,
        `postgresql`, `lakebase-autoscaling` or `lakebase-provisioned`."""
        return f"lakebase-{self.lakebase}" if self.lakebase else self.dialect

    async def _refresh_credentials(self) -> None:
        # Mint off the event loop, so `do_connect` finds a fresh token and never blocks on HTTP.
        if self.credentials is not None and self.credentials.needs_refresh():
            try:
                await asyncio.to_thread(self.credentials.token)
            except Exception as exc:  # the SDK raises many kinds; all mean "no database now"
                raise database_unavailable(exc) from exc

    async def migrate_or_defer(self) -> None:
        """Apply migrations now; if the database is away, apply them on first use instead."""
        try:
            await self._migrate()
        except (DBAPIError, PoolTimeoutError, OSError, AppError) as exc:
            if isinstance(exc, AppError) or is_outage(exc):
                logger.warning("database unavailable at startup; migrations deferred")
                self._migration_pending = True
                return
            raise

    async def _migrate(self) -> None:
        from server.db.migrate import upgrade

        await self._refresh_credentials()
        await upgrade(self.engine)

    async def _apply_pending_migration(self) -> None:
        async with self._migration_lock:
            if self._migration_pending:
                await self._migrate()
                self._migration_pending = False

    @asynccontextmanager
    async def session(
        self, *, statement_timeout_seconds: float | None = None, autocommit: bool = False
    ) -> AsyncIterator[AsyncSession]:
        """A session in a transaction, committed on success; outages become 503.

        `statement_timeout_seconds` bounds every statement of the transaction on PostgreSQL,
        lock waits included, on the server: cancelling the awaiting task alone would leave the
        statement queued behind the lock and the connection's clean-up waiting on it.

        `autocommit`: on PostgreSQL, every statement is its own transaction (atomic, committed
        when it succeeds), for work that is one statement; SQLite keeps the transaction, which
        costs it no round trip.
        """
        try:
            await self._refresh_credentials()
            if self._migration_pending:
                await self._apply_pending_migration()
            if self._single_connection is None:
                sessions = self._autocommit_sessions if autocommit else self._sessions
                async with sessions.begin() as session:
                    await self._connect(session)
                    await self._limit_statements(session, statement_timeout_seconds)
                    yield session
            else:
                async with self._single_connection, self._sessions.begin() as session:
                    yield session
        except AppError:
            raise
        except (DBAPIError, PoolTimeoutError, OSError) as exc:
            if is_outage(exc):
                raise database_unavailable(exc) from exc
            raise

    async def _connect(self, session: AsyncSession) -> None:
        """With Lakebase credentials, take the session's connection now (no round trip: a
        pooled one is handed out as is): a new one the database refuses to log in gets a freshly
        minted credential and one more try, before the route has done anything. Without, the
        first statement takes it."""
        # pragma: no mutate block - Lakebase only (lakebase/test_standin.py: a refused credential)
        if self.credentials is None:
            return
        try:
            await session.connection()
        except OperationalError as exc:
            if not is_login_refused(exc):
                raise
            logger.warning("the database refused the Lakebase credential; minting a new one")
            self.credentials.forget()
            await self._refresh_credentials()
            await session.connection()  # refused again: the outage it is (503)

    async def _limit_statements(self, session: AsyncSession, seconds: float | None) -> None:
        if seconds is None or self.dialect != "postgresql":
            return
        # SET takes no bind parameters; set_config(..., true) is SET LOCAL with one.
        # pragma: no mutate start - PostgreSQL only (model_serving/test_logs.py: a blocked log)
        await session.execute(
            text("SELECT set_config('statement_timeout', :ms, true)"),
            {"ms": f"{statement_timeout_ms(seconds)}ms"},
        )
        # pragma: no mutate end

    async def ping(self) -> None:
        """Raise DATABASE_UNAVAILABLE unless a trivial query succeeds."""
        async with self.session() as session:
            await session.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        if self.owns_engine:
            with suppress(Exception):
                await self.engine.dispose()
