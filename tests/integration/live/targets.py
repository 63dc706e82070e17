"""What the live-capable tests read and call: the workspace's named table and endpoint live
(LIVE_* variables, tests/harness/live.py), the fake's seeded ones offline."""

from __future__ import annotations

from dataclasses import dataclass

from fake_workspace.reference import ALICE, FRAUD_DETECTOR, ORDERS
from tests.harness.live import is_live, live_config


@dataclass(frozen=True)
class LiveTargets:
    """A user's token and an existing catalog, schema, table and serving endpoint it can use."""

    token: str
    catalog: str
    schema: str
    table: str
    endpoint: str


def run_targets() -> LiveTargets:
    """The live run's targets, or the fake's seeded ones (alice, main.sales.orders, the fraud
    detector)."""
    if is_live():
        live = live_config()
        return LiveTargets(live.token, live.catalog, live.schema, live.table, live.endpoint)
    return LiveTargets(ALICE.token, ORDERS.catalog, ORDERS.schema, ORDERS.name, FRAUD_DETECTOR.name)
