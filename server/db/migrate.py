"""Apply Alembic migrations: the only way the schema is created, on every backend."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(connection: Connection) -> Config:
    """Alembic on `connection` (the `alembic` command line uses alembic.ini instead)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


# Any constant works; it names "schema migration of this app" among advisory locks.
MIGRATION_LOCK_ID = 0x0DB5A9


def _upgrade(connection: Connection, revision: str) -> None:
    if connection.dialect.name == "postgresql":
        # No statement or lock timeout for migrations: a schema change on a large table, or
        # waiting for another replica's migration, may rightly take longer than any request.
        # pragma: no mutate start - PostgreSQL only (database/test_migrations.py: replicas, timeout)
        connection.execute(text("SET LOCAL statement_timeout = 0; SET LOCAL lock_timeout = 0"))
        # Replicas starting together take turns; the lock ends with the transaction.
        connection.execute(text("SELECT pg_advisory_xact_lock(:id)"), {"id": MIGRATION_LOCK_ID})
        # pragma: no mutate end
    command.upgrade(alembic_config(connection), revision)


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the database behind `engine` up to `revision`."""
    async with engine.begin() as connection:
        await connection.run_sync(_upgrade, revision)
