"""The caller's saved defaults for Unity Catalog requests (catalog, schema, query limit)."""

from __future__ import annotations

import logging
from typing import Any

from server.db.database import Database
from server.errors import AppError
from server.services.preference_service import PreferenceService

logger = logging.getLogger(__name__)

PREF_CATALOG = "default_catalog"
PREF_SCHEMA = "default_schema"
PREF_QUERY_LIMIT = "default_query_limit"
DEFAULT_KEYS = (PREF_CATALOG, PREF_SCHEMA, PREF_QUERY_LIMIT)


class UserDefaults:
    """One request's view of the caller's defaults: read on first need, all in one query, in a
    short session of its own.

    That session ends as soon as they are read, not with the request: what follows is a
    warehouse query of up to QUERY_TIMEOUT_SECONDS, and a transaction left open through it
    would hold a pooled connection (on in-memory SQLite, the one every request waits for).
    Defaults only refine a request, so an unavailable database means the app's settings apply.
    """

    def __init__(self, database: Database | None, user_name: str) -> None:
        self.database = database
        self.user_name = user_name
        self._values: dict[str, Any] | None = None

    async def get(self, key: str) -> Any:
        """The saved value of `key` (one of DEFAULT_KEYS), or None."""
        if self._values is None:
            self._values = await self._read()
        return self._values.get(key)

    async def _read(self) -> dict[str, Any]:
        if self.database is None:
            return {}
        try:
            async with self.database.session() as session:
                return await PreferenceService(session).values(self.user_name, DEFAULT_KEYS)
        except AppError as exc:
            logger.warning("saved defaults unavailable: %s", exc.code)
            return {}
