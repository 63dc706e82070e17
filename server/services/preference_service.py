"""User preferences in Lakebase (or any configured database), always scoped to the caller."""

from __future__ import annotations

import json
import logging
import unicodedata
from collections.abc import Callable, Collection
from typing import Any

from sqlalchemy import bindparam, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from server.db.pages import read_page
from server.errors import AppError, ErrorCode
from server.json_text import canonical_json, json_depth
from server.models.base import utc_now
from server.models.common import Page
from server.models.user_preference import (
    PREFERENCE_KEY_MAX_LENGTH,
    PREFERENCE_VALUE_MAX_BYTES,
    PREFERENCE_VALUE_MAX_DEPTH,
    PreferenceOut,
    UserPreference,
)

logger = logging.getLogger(__name__)

_KEY_PUNCTUATION = frozenset("_.-:")


def key_problem(key: object) -> str | None:
    """Why `key` is not a valid preference key, or None when it is."""
    if not isinstance(key, str):
        return "The key must be a string."
    if not key:
        return "The key must not be empty."
    if len(key) > PREFERENCE_KEY_MAX_LENGTH:
        return f"The key is {len(key)} characters long; the limit is {PREFERENCE_KEY_MAX_LENGTH}."
    for char in key:
        # Letters and digits of any script (Unicode categories L* and N*), plus _ . - :
        if char in _KEY_PUNCTUATION or unicodedata.category(char)[0] in ("L", "N"):
            continue
        return (
            f"The key contains {unicodedata.name(char, repr(char))!s} ({char!r}); only letters, "
            "digits and _ . - : are allowed."
        )
    return None


def validate_key(key: object) -> str:
    problem = key_problem(key)
    if problem is not None:
        raise AppError(
            ErrorCode.INVALID_PREFERENCE, problem, details=[{"field": "key", "message": problem}]
        )
    assert isinstance(key, str)
    return key


def nested_too_deep(value: Any) -> bool:
    """Whether `value` nests arrays/objects past PREFERENCE_VALUE_MAX_DEPTH."""
    return json_depth(value, stop_after=PREFERENCE_VALUE_MAX_DEPTH) > PREFERENCE_VALUE_MAX_DEPTH


def encode_value(value: Any) -> str:
    """Canonical JSON text of the value, refused with 400 past the nesting limit (it could not
    be rendered back) and with 413 past the size limit."""
    if nested_too_deep(value):
        message = f"The value is nested more than {PREFERENCE_VALUE_MAX_DEPTH} levels deep."
        raise AppError(
            ErrorCode.INVALID_PREFERENCE,
            message,
            details=[
                {"field": "value", "message": message, "max_depth": PREFERENCE_VALUE_MAX_DEPTH}
            ],
        )
    try:
        encoded = canonical_json(value)
        size = len(encoded.encode("utf-8"))
    except ValueError as exc:  # NaN/Infinity, or a lone surrogate (UnicodeEncodeError)
        raise AppError(
            ErrorCode.INVALID_PREFERENCE,
            "The value must be JSON text (no NaN, Infinity or lone surrogates).",
            details=[{"field": "value", "message": str(exc)}],
        ) from exc
    if size > PREFERENCE_VALUE_MAX_BYTES:
        raise AppError(
            ErrorCode.PAYLOAD_TOO_LARGE,
            f"The value is {size} bytes once encoded; the limit is {PREFERENCE_VALUE_MAX_BYTES}.",
            details=[
                {"field": "value", "size_bytes": size, "limit_bytes": PREFERENCE_VALUE_MAX_BYTES}
            ],
        )
    return encoded


def to_out(row: UserPreference) -> PreferenceOut:
    """The row as the API shows it; a value that cannot be decoded or rendered back (e.g. nested
    too deep, written before the limit) is flagged `corrupted` so the rest still reads."""
    try:
        value = json.loads(row.value)
        if nested_too_deep(value):
            raise ValueError("nested too deep to render")
    except (ValueError, RecursionError):
        logger.warning(
            "stored preference value does not decode as JSON or is nested too deep to render",
            extra={"preference_key": row.key, "preference_id": row.id},
        )
        return PreferenceOut(
            key=row.key,
            value=None,
            created_at=row.created_at,
            updated_at=row.updated_at,
            corrupted=True,
        )
    return PreferenceOut(
        key=row.key, value=value, created_at=row.created_at, updated_at=row.updated_at
    )


# One ON CONFLICT-capable INSERT per supported dialect; a lookup, so both backends' runs cover it.
_DIALECT_INSERTS: dict[str, Callable[[type[UserPreference]], postgresql.Insert | sqlite.Insert]] = {
    "postgresql": postgresql.insert,
    "sqlite": sqlite.insert,
}


def upsert_statement(dialect: str, values: dict[str, Any], updates: dict[str, Any]) -> Any:
    """INSERT ... ON CONFLICT (user_name, key) DO UPDATE ... RETURNING, one atomic statement."""
    insert = _DIALECT_INSERTS.get(dialect)
    if insert is None:
        raise RuntimeError(f"preferences need PostgreSQL or SQLite, not {dialect}")
    statement = insert(UserPreference).values(**values)
    return statement.on_conflict_do_update(
        index_elements=[UserPreference.user_name, UserPreference.key], set_=updates
    ).returning(UserPreference)


# Built once: constructing a statement costs about as much as compiling it (which SQLAlchemy
# caches), and these two run on every single-key request.
_ONE = select(UserPreference).where(
    UserPreference.user_name == bindparam("user_name"), UserPreference.key == bindparam("key")
)
_DELETE_ONE = (
    delete(UserPreference)
    .where(
        UserPreference.user_name == bindparam("user_name"), UserPreference.key == bindparam("key")
    )
    # Any returned column tells "deleted" from "absent" (RETURNING NULL too).
    .returning(UserPreference.id)  # pragma: no mutate - equivalent columns
)


class PreferenceService:
    """Reads and writes one user's preferences in the session it is given (the request's one
    transaction, committed or rolled back by whoever opened it); every query is filtered by
    user name."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def list(self, user_name: str, *, limit: int, offset: int) -> Page[PreferenceOut]:
        return await read_page(
            self.session,
            UserPreference,
            [UserPreference.user_name == user_name],
            order_by=[UserPreference.key, UserPreference.id],
            limit=limit,
            offset=offset,
            shape=to_out,
        )

    async def get(self, user_name: str, key: str) -> PreferenceOut:
        validate_key(key)
        row = await self.session.scalar(_ONE, {"user_name": user_name, "key": key})
        if row is None:
            raise self._not_found(key)
        return to_out(row)

    async def upsert(self, user_name: str, key: object, value: Any) -> tuple[PreferenceOut, bool]:
        """Insert or update in one atomic statement; returns the row and whether it was created."""
        valid_key = validate_key(key)
        encoded = encode_value(value)
        now = utc_now()
        statement = upsert_statement(
            self.session.get_bind().dialect.name,
            {
                "user_name": user_name,
                "key": valid_key,
                "value": encoded,
                "created_at": now,
                "updated_at": now,
            },
            {"value": encoded, "updated_at": now},
        )
        row = (await self.session.scalars(statement)).one()
        # A freshly inserted row still has the created_at we just sent.
        created = row.created_at == now
        return to_out(row), created

    async def delete(self, user_name: str, key: str) -> None:
        validate_key(key)
        result = await self.session.execute(_DELETE_ONE, {"user_name": user_name, "key": key})
        if result.first() is None:
            raise self._not_found(key)

    async def values(self, user_name: str, keys: Collection[str]) -> dict[str, Any]:
        """The decoded values of those of `keys` the user has saved, in one query; a value that
        does not decode is left out."""
        rows = await self.session.scalars(
            select(UserPreference).where(
                UserPreference.user_name == user_name, UserPreference.key.in_(keys)
            )
        )
        items = [to_out(row) for row in rows]
        return {item.key: item.value for item in items if not item.corrupted}

    @staticmethod
    def _not_found(key: str) -> AppError:
        return AppError(
            ErrorCode.PREFERENCE_NOT_FOUND,
            "No preference with this key.",
            details={"key": key},
        )
