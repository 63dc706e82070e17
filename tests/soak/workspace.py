"""The fake Databricks workspace the soaked app calls (the suite's own, on loopback) and the
soak's users: each a new identity of the fake (`identity.add_user`), member of `account users`, so
every one sees the same catalogs and endpoints and only its own preferences and log."""

from __future__ import annotations

from fake_workspace import FakeWorkspace
from fake_workspace.reference import APP_SP, WAREHOUSE_ID


def soak_users(fake: FakeWorkspace, count: int) -> list[tuple[str, str]]:
    """(label, token) of `count` new users: soak-01, soak-02, ..."""
    width = max(2, len(str(count)))
    labels = [f"soak-{i:0{width}d}" for i in range(1, count + 1)]
    return [(label, fake.identity.add_user(f"{label}@example.com").token) for label in labels]


def app_env(fake: FakeWorkspace) -> dict[str, str]:
    """What points the app at the fake: host, warehouse, the app's service principal."""
    return {
        "DATABRICKS_HOST": fake.base_url,
        "DATABRICKS_WAREHOUSE_ID": WAREHOUSE_ID,
        "DATABRICKS_CLIENT_ID": APP_SP.client_id,
        "DATABRICKS_CLIENT_SECRET": APP_SP.client_secret,
    }
