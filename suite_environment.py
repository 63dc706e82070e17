"""The environment variables the suite and the automation read: one list, one default each.

Standard library only: noxfile.py (before any environment exists) and the tests both import it.
`VARIABLES` is the list; docs/variables.md is its table for people, and
tools/tests/test_environment.py fails when code in tests/, tools/, noxfile.py or here reads a
variable missing from either. The app's own settings are server/config.py's (docs/deploy.md).
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

# Every variable read anywhere in the suite, the sessions or the tools: name -> what it means.
VARIABLES: dict[str, str] = {
    # Which database the suite runs on (pytest's --db wins over both).
    "TEST_DB": "the suite's database without --db: sqlite (default), postgres, lakebase",
    "TEST_DATABASE_URL": "run the suite on this existing database instead of creating one",
    "TEST_POSTGRES_URL": f"the server of the test databases; default {DEFAULT_POSTGRES_URL}",
    "PG_BINDIR": "where the Lakebase stand-in finds initdb and pg_ctl",
    "TMPDIR": "where the stand-in's cluster goes; one the postgres OS user can enter, as root",
    # Live mode: a real workspace instead of the fake one.
    "TEST_MODE": "live: a real workspace instead of the fake one (fake, the default)",
    "DATABRICKS_HOST": "live: the workspace URL",
    "DATABRICKS_TOKEN": "live: token of the user the tests act as (and who creates branches)",
    "DATABRICKS_WAREHOUSE_ID": "live: the SQL warehouse of the Unity Catalog queries",
    "LIVE_CATALOG": "live: catalog of the table the live tests read",
    "LIVE_SCHEMA": "live: schema of that table",
    "LIVE_TABLE": "live: that table (a string or integer column and an orderable one)",
    "LIVE_ENDPOINT": "live: a READY serving endpoint with an input schema the app detects",
    # Lakebase, live: as Databricks Apps injects them for the app.
    "DATABRICKS_CLIENT_ID": "Lakebase: the app's service principal, which mints credentials",
    "DATABRICKS_CLIENT_SECRET": "Lakebase: that service principal's secret",
    "PGHOST": "Lakebase: the database host",
    "PGPORT": "Lakebase: its port (default 5432)",
    "PGDATABASE": "Lakebase: the database; live, only read: the run makes its own branch/schema",
    "PGUSER": "Lakebase: the role the app logs in as (the service principal)",
    "PGSSLMODE": "Lakebase: SSL mode (default require)",
    "LAKEBASE_ENDPOINT": "live Lakebase Autoscaling: projects/<p>/branches/<b>/endpoints/<e>",
    "LAKEBASE_INSTANCE_NAME": "live Lakebase Provisioned: the instance (never with the above)",
    "LAKEBASE_REQUIRED": "a Lakebase cell missing a live variable fails instead of going offline",
    # Which tests are collected, and by whom.
    "RUN_FIDELITY": "collect tests/fidelity (set by nox -s fidelity)",
    "RUN_FUZZ": "collect tests/fuzz (set by nox -s fuzz)",
    "MUTANT_UNDER_TEST": "set by mutmut; `stats` (its first run) builds an app per test",
    "PYTEST_XDIST_WORKER": "set by pytest-xdist: the worker's name, for per-worker files",
    # The sessions.
    "CI": "set: a missing required Python is an error instead of a skip",
    SUITE_WORKERS: "xdist's -n for the cells of one nox run (auto or 0), set by noxfile.py",
    "BENCH_RUNS": "nox -s bench: runs per measurement (default 3; --runs wins)",
    "PATH": "passed on to the app processes some tests start with an otherwise empty environment",
}

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
