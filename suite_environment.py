"""The environment variables the suite and the automation read: one list, one default each.

Standard library only: noxfile.py (before any environment exists) and the tests both import it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Literal, get_args

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
# The suite's `--db` values (TEST_DB too); the default first. `lakebase` is either flavour
# (`--lakebase-flavour`); tools/matrix.py makes the nox cells from these.
DatabaseName = Literal["sqlite", "postgres", "lakebase"]
DATABASES: tuple[DatabaseName, ...] = get_args(DatabaseName)
# xdist's -n for the suite cells of one nox run: `auto`, or `0` (serial). noxfile.py sets it
# from nox's command line (tools/suite.py choose_workers) unless it is set already.
SUITE_WORKERS = "SUITE_WORKERS"

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
# and the database, as Databricks Apps injects them...
LAKEBASE_VARIABLES = (
    "DATABRICKS_CLIENT_ID",
    "DATABRICKS_CLIENT_SECRET",
    "PGHOST",
    "PGDATABASE",
    "PGUSER",
)
# ...and what the credentials are minted for, which also says which Lakebase it is.
FLAVOUR_VARIABLES = {
    "autoscaling": "LAKEBASE_ENDPOINT",  # projects/<p>/branches/<b>/endpoints/<e>
    "provisioned": "LAKEBASE_INSTANCE_NAME",
}
FLAVOUR_TITLES = {"autoscaling": "Lakebase Autoscaling", "provisioned": "Lakebase Provisioned"}


def is_truthy(value: str | None) -> bool:
    return (value or "").strip().lower() not in {"", "0", "false", "no", "off"}


def is_live(env: Mapping[str, str] = os.environ) -> bool:
    """TEST_MODE=live: a real workspace instead of the fake one."""
    return env.get("TEST_MODE", "fake").strip().lower() == "live"


def missing_live_variables(
    *, lakebase: str | None, env: Mapping[str, str] = os.environ
) -> list[str]:
    """The live-mode variables that are unset or empty; `lakebase` (a flavour) adds its own."""
    required = LIVE_VARIABLES
    if lakebase is not None:
        required += (*LAKEBASE_VARIABLES, FLAVOUR_VARIABLES[lakebase])
    return [name for name in required if not env.get(name, "").strip()]


def lakebase_mode(flavour: str, env: Mapping[str, str] = os.environ) -> tuple[str, str]:
    """How a Lakebase cell of `flavour` runs: ("live" | "offline" | "error", the line that says
    so).

    Live with every workspace variable set, the flavour's own included; an error when both
    flavours' variables are set (the app would refuse to start), or when LAKEBASE_REQUIRED is
    set and one is missing; otherwise offline, on the fake workspace and the local stand-in.
    """
    title = FLAVOUR_TITLES[flavour]
    named = [name for name in FLAVOUR_VARIABLES.values() if env.get(name, "").strip()]
    if len(named) > 1:
        return "error", (
            f"{' and '.join(named)} are both set: a live Lakebase run needs exactly one "
            "(LAKEBASE_ENDPOINT for Autoscaling, LAKEBASE_INSTANCE_NAME for Provisioned)"
        )
    missing = missing_live_variables(lakebase=flavour, env=env)
    if not missing:
        return "live", f"LIVE ({title}): a real workspace and database (TEST_MODE=live)"
    if is_truthy(env.get("LAKEBASE_REQUIRED")):
        other_flavour = next(f for f in FLAVOUR_VARIABLES if f != flavour)
        other_cell = f"integration-lakebase-{other_flavour}"
        other = FLAVOUR_VARIABLES[other_flavour]
        hint = (
            f"; {other} names a {FLAVOUR_TITLES[other_flavour]} database: run {other_cell}-*"
            if other in named
            else f"; for {FLAVOUR_TITLES[other_flavour]}, set {other} and run {other_cell}-*"
        )
        return "error", (
            f"this {title} cell needs a live workspace; missing: {', '.join(missing)} "
            f"(LAKEBASE_REQUIRED is set){hint}"
        )
    return "offline", (
        f"OFFLINE ({title}): the fake workspace and a local Lakebase stand-in (SSL, tokens "
        f"minted for its {'endpoint' if flavour == 'autoscaling' else 'instance'} only); "
        f"a live run needs: {', '.join(missing)}"
    )
