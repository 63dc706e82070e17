"""Live mode: TEST_MODE=live points the app and the tests at a real workspace."""

from __future__ import annotations

import os
from dataclasses import dataclass

from suite_environment import is_live, missing_live_variables

__all__ = ["LiveConfig", "is_live", "live_config", "missing_live_variables"]


@dataclass(frozen=True)
class LiveConfig:
    host: str
    token: str
    warehouse_id: str
    catalog: str
    schema: str
    table: str
    endpoint: str


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
