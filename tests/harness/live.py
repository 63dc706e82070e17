"""Live mode: TEST_MODE=live points the app and the tests at a real workspace."""

from __future__ import annotations

import os
from dataclasses import dataclass

REQUIRED_LIVE_VARIABLES = (
    "DATABRICKS_HOST",
    "DATABRICKS_TOKEN",
    "DATABRICKS_WAREHOUSE_ID",
    "LIVE_CATALOG",
    "LIVE_SCHEMA",
    "LIVE_TABLE",
    "LIVE_ENDPOINT",
)
LAKEBASE_VARIABLES = (
    "DATABRICKS_CLIENT_ID",
    "DATABRICKS_CLIENT_SECRET",
    "LAKEBASE_INSTANCE_NAME",
    "PGHOST",
    "PGDATABASE",
    "PGUSER",
)


def is_live() -> bool:
    return os.environ.get("TEST_MODE", "fake").lower() == "live"


@dataclass(frozen=True)
class LiveConfig:
    host: str
    token: str
    warehouse_id: str
    catalog: str
    schema: str
    table: str
    endpoint: str


def missing_live_variables(*, lakebase: bool) -> list[str]:
    required = REQUIRED_LIVE_VARIABLES + (LAKEBASE_VARIABLES if lakebase else ())
    return [name for name in required if not os.environ.get(name)]


def live_config() -> LiveConfig:
    env = os.environ
    return LiveConfig(
        host=env["DATABRICKS_HOST"],
        token=env["DATABRICKS_TOKEN"],
        warehouse_id=env["DATABRICKS_WAREHOUSE_ID"],
        catalog=env["LIVE_CATALOG"],
        schema=env["LIVE_SCHEMA"],
        table=env["LIVE_TABLE"],
        endpoint=env["LIVE_ENDPOINT"],
    )
