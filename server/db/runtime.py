"""Choose and build the database the settings describe (URL, Lakebase, or none)."""

from __future__ import annotations

import logging

from server.clock import Clock
from server.config import Settings
from server.db.database import Database
from server.db.engine import create_engine_from_url, create_lakebase_engine, normalise_url

logger = logging.getLogger(__name__)


def build_database(settings: Settings, clock: Clock) -> Database | None:
    """DATABASE_URL wins; otherwise Lakebase from the PG* variables and the endpoint (or
    instance) to mint credentials for; otherwise no database."""
    if settings.database_mode == "url":
        assert settings.database_url is not None
        url = normalise_url(settings.database_url.get_secret_value())
        return Database(create_engine_from_url(url, settings))
    partial = [
        name
        for name in (
            "pghost",
            "pgdatabase",
            "pguser",
            "lakebase_endpoint",
            "lakebase_instance_name",
        )
        if getattr(settings, name)
    ]
    if settings.database_mode == "none" and partial:
        logger.warning(
            "Lakebase is only partly configured; no database will be used",
            extra={"set": [n.upper() for n in partial]},
        )
    if settings.database_mode == "lakebase":
        engine, provider = create_lakebase_engine(settings, clock)
        return Database(engine, credentials=provider, lakebase=settings.lakebase_flavour)
    return None
