"""The environment variables the suite and the automation read: one list, one default each.

Standard library only: noxfile.py (before any environment exists) and the tests both import it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"

# Live mode (TEST_MODE=live): the workspace the app and the tests talk to, and what they read.
LIVE_VARIABLES = (
    "DATABRICKS_HOST",
    "DATABRICKS_TOKEN",
    "DATABRICKS_WAREHOUSE_ID",
    "LIVE_CATALOG",
    "LIVE_SCHEMA",
    "LIVE_TABLE",
    "LIVE_ENDPOINT",
)
# Live Lakebase, in addition: the app's service principal (it mints the database credentials)
# and the instance, as Databricks Apps injects them.
LAKEBASE_VARIABLES = (
    "DATABRICKS_CLIENT_ID",
    "DATABRICKS_CLIENT_SECRET",
    "LAKEBASE_INSTANCE_NAME",
    "PGHOST",
    "PGDATABASE",
    "PGUSER",
)


def is_truthy(value: str | None) -> bool:
    return (value or "").strip().lower() not in {"", "0", "false", "no", "off"}


def is_live(env: Mapping[str, str] = os.environ) -> bool:
    """TEST_MODE=live: a real workspace instead of the fake one."""
    return env.get("TEST_MODE", "fake").strip().lower() == "live"


def missing_live_variables(*, lakebase: bool, env: Mapping[str, str] = os.environ) -> list[str]:
    """The live-mode variables that are unset or empty (Lakebase adds its own)."""
    required = LIVE_VARIABLES + (LAKEBASE_VARIABLES if lakebase else ())
    return [name for name in required if not env.get(name, "").strip()]


def lakebase_mode(env: Mapping[str, str] = os.environ) -> tuple[str, str]:
    """How the Lakebase cells run: ("live" | "offline" | "error", the line that says so).

    Live with every workspace variable set; an error when LAKEBASE_REQUIRED is set and one is
    missing; otherwise offline, on the fake workspace and the local Lakebase stand-in.
    """
    missing = missing_live_variables(lakebase=True, env=env)
    if not missing:
        return "live", "LIVE: a real workspace and Lakebase instance (TEST_MODE=live)"
    if is_truthy(env.get("LAKEBASE_REQUIRED")):
        return "error", (
            f"integration-lakebase needs a live workspace; missing: {', '.join(missing)} "
            "(LAKEBASE_REQUIRED is set)"
        )
    return "offline", (
        "OFFLINE: the fake workspace and a local Lakebase stand-in (SSL, minted tokens only); "
        f"a live run needs: {', '.join(missing)}"
    )
