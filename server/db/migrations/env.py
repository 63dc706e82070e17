"""Alembic environment: runs on a connection handed in by `server.db.migrate`, or builds an
engine from the app's settings when invoked from the `alembic` command line."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

from server.models import model_inference, user_preference  # noqa: F401  (register tables)
from server.models.base import Base

target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_from_settings() -> None:
    from server.clock import SystemClock
    from server.config import get_settings
    from server.db.runtime import build_database

    database = build_database(get_settings(), SystemClock())
    if database is None:
        raise SystemExit("No database configured: set DATABASE_URL or the Lakebase PG* variables.")
    try:
        async with database.engine.begin() as connection:
            await connection.run_sync(_run)
    finally:
        await database.dispose()


connection = context.config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    asyncio.run(_run_from_settings())
