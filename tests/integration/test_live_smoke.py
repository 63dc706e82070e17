"""The same checks against the fake workspace and, with TEST_MODE=live, a real one: the user,
a catalog, a table, a query, a serving endpoint and a preference round trip."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from urllib.parse import quote

import httpx
import pytest

from tests.harness import auth
from tests.harness.live import is_live, live_config

DETECTED_TYPES = {"CHAT", "COMPLETIONS", "EMBEDDINGS", "CUSTOM", "UNKNOWN"}


@dataclass(frozen=True)
class SmokeTargets:
    token: str
    catalog: str
    schema: str
    table: str
    endpoint: str


@pytest.fixture(scope="session")
def targets() -> SmokeTargets:
    if is_live():
        live = live_config()
        return SmokeTargets(live.token, live.catalog, live.schema, live.table, live.endpoint)
    from fake_workspace.reference.identities import ALICE

    return SmokeTargets(ALICE.token, "main", "sales", "orders", "fraud-detector")


async def test_me_names_the_token_owner(client: httpx.AsyncClient, targets: SmokeTargets) -> None:
    response = await client.get("/api/user/me", headers=auth(targets.token))
    assert response.status_code == 200
    assert response.json()["user_name"]
    assert response.json()["active"] is True


async def test_target_catalog_schema_and_table_are_listed(
    client: httpx.AsyncClient, targets: SmokeTargets
) -> None:
    headers = auth(targets.token)
    catalogs = await client.get("/api/unity-catalog/catalogs?limit=1000", headers=headers)
    schemas = await client.get(
        "/api/unity-catalog/schemas", params={"catalog": targets.catalog}, headers=headers
    )
    tables = await client.get(
        "/api/unity-catalog/table-names",
        params={"catalog": targets.catalog, "schema": targets.schema, "limit": 1000},
        headers=headers,
    )
    assert targets.catalog in [c["name"] for c in catalogs.json()["items"]]
    assert targets.schema in [s["name"] for s in schemas.json()["items"]]
    assert targets.table in tables.json()["items"]


async def test_target_table_can_be_queried(
    client: httpx.AsyncClient, targets: SmokeTargets
) -> None:
    response = await client.get(
        "/api/unity-catalog/query",
        params={
            "catalog": targets.catalog,
            "schema": targets.schema,
            "table": targets.table,
            "limit": 5,
        },
        headers=auth(targets.token),
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["row_count"] == len(body["rows"]) <= 5
    assert body["total_row_count"] >= body["row_count"]
    assert body["columns"]


async def test_target_endpoint_and_its_schema_are_served(
    client: httpx.AsyncClient, targets: SmokeTargets
) -> None:
    name = quote(targets.endpoint, safe="")
    endpoint = await client.get(f"/api/model-serving/endpoints/{name}", headers=auth(targets.token))
    schema = await client.get(
        f"/api/model-serving/endpoints/{name}/schema", headers=auth(targets.token)
    )
    assert endpoint.status_code == 200
    assert endpoint.json()["name"] == targets.endpoint
    assert schema.status_code == 200
    assert schema.json()["detected_type"] in {
        "CHAT",
        "COMPLETIONS",
        "EMBEDDINGS",
        "CUSTOM",
        "UNKNOWN",
    }


async def test_preference_round_trip(client: httpx.AsyncClient, targets: SmokeTargets) -> None:
    key = f"smoke-test.{os.getpid()}.{uuid.uuid4().hex[:8]}"
    headers = auth(targets.token)
    saved = await client.post(
        "/api/lakebase/preferences", json={"key": key, "value": {"ok": True}}, headers=headers
    )
    read = await client.get(f"/api/lakebase/preferences/{key}", headers=headers)
    deleted = await client.delete(f"/api/lakebase/preferences/{key}", headers=headers)
    assert (saved.status_code, read.status_code, deleted.status_code) == (201, 200, 204)
    assert read.json()["value"] == {"ok": True}
