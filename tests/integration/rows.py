"""Reading what the app wrote, straight from the run's database (not through the API)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from server.db.database import Database
from server.models.model_inference import ModelInference
from server.models.user_preference import UserPreference


async def rows_of(database: Database, model: Any, *where: Any) -> list[Any]:
    """Every row of `model`'s table matching `where`, in primary-key order."""
    async with database.session() as session:
        statement = select(model).where(*where).order_by(*model.__table__.primary_key.columns)
        return list(await session.scalars(statement))


async def log_rows(database: Database) -> list[ModelInference]:
    """The inference log, oldest first."""
    return await rows_of(database, ModelInference)


async def preference_count(database: Database, user_name: str) -> int:
    async with database.session() as session:
        total = await session.scalar(
            select(func.count())
            .select_from(UserPreference)
            .where(UserPreference.user_name == user_name)
        )
    return int(total or 0)


async def connection_password(database: Database) -> str:
    """The password psycopg actually used for a pooled connection (PostgreSQL only)."""
    async with database.engine.connect() as connection:
        raw = await connection.get_raw_connection()
        return str(raw.driver_connection.info.password)
