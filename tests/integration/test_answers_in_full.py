"""Listing and detail answers compared whole, field by field, with the fake workspace's
reference data: a field dropped, renamed or emptied on the way to the client fails here."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from fake_workspace.handlers.serving import CREATED_MS, UPDATED_MS
from fake_workspace.handlers.unity_catalog import CREATED_AT_MS, UPDATED_AT_MS
from fake_workspace.reference import FRAUD_DETECTOR, ORDERS
from fake_workspace.reference.catalogs import CATALOGS, SCHEMAS
from fake_workspace.reference.identities import ALICE
from tests.harness import auth
from tests.integration.expectations import iso

pytestmark = pytest.mark.fake_only


async def test_schemas_answer_every_field_of_unity_catalog(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/api/unity-catalog/schemas?catalog=main", headers=auth(ALICE.token)
    )

    assert response.status_code == 200, response.text
    reference = {s.name: s for s in SCHEMAS if s.catalog == "main"}
    items: list[dict[str, Any]] = response.json()["items"]
    assert len(items) >= 4  # what alice may see; which ones is test_unity_catalog_full_flow's
    for item in items:
        schema = reference[item["name"]]
        assert item == {
            "name": schema.name,
            "catalog_name": "main",
            "full_name": schema.full_name,
            "owner": schema.owner,
            "comment": schema.comment,
            "created_at": iso(CREATED_AT_MS),
            "updated_at": iso(UPDATED_AT_MS),
        }
    assert iso(CREATED_AT_MS) == "2024-01-01T00:00:00Z"


async def test_catalogs_answer_every_field_of_unity_catalog(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/unity-catalog/catalogs", headers=auth(ALICE.token))

    reference = {c.name: c for c in CATALOGS}
    items: list[dict[str, Any]] = response.json()["items"]
    assert len(items) >= 3
    for item in items:
        catalog = reference[item["name"]]
        assert item == {
            "name": catalog.name,
            "catalog_type": catalog.catalog_type,
            "owner": catalog.owner,
            "comment": catalog.comment,
            "created_at": iso(CREATED_AT_MS),
            "updated_at": iso(UPDATED_AT_MS),
        }


async def test_a_table_answers_every_field_and_every_column(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/api/unity-catalog/tables?catalog=main&schema=sales", headers=auth(ALICE.token)
    )

    [orders] = [t for t in response.json()["items"] if t["name"] == ORDERS.name]
    assert orders == {
        "catalog": "main",
        "schema": "sales",
        "name": ORDERS.name,
        "full_name": f"main.sales.{ORDERS.name}",
        "table_type": "MANAGED",
        "data_source_format": "DELTA",
        "columns": [
            {
                "name": c.name,
                "type_name": c.type_name,
                "type_text": c.type_text,
                "position": position,
                "nullable": c.nullable,
                "comment": c.comment,
            }
            for position, c in enumerate(ORDERS.columns)
        ],
        "owner": ORDERS.owner,
        "comment": ORDERS.comment,
        "updated_at": iso(UPDATED_AT_MS),
    }
    assert any(c.comment for c in ORDERS.columns)
    assert not all(c.nullable for c in ORDERS.columns)


def fraud_fields() -> dict[str, Any]:
    return {
        "name": FRAUD_DETECTOR.name,
        "id": FRAUD_DETECTOR.endpoint_id,
        "description": FRAUD_DETECTOR.description,
        "state": {"ready": FRAUD_DETECTOR.ready, "config_update": FRAUD_DETECTOR.config_update},
        "task": FRAUD_DETECTOR.task,
        "served_entities": [
            {
                "name": FRAUD_DETECTOR.served_entity_name,
                "entity_name": FRAUD_DETECTOR.entity_name,
                "entity_version": FRAUD_DETECTOR.entity_version,
                "foundation_model": None,
                "external_model": None,
            }
        ],
        "tags": [{"key": key, "value": value} for key, value in FRAUD_DETECTOR.tags],
        "creator": FRAUD_DETECTOR.creator,
        "created_at": iso(CREATED_MS),
        "updated_at": iso(UPDATED_MS),
    }


async def test_an_endpoint_in_the_list_answers_every_field(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/model-serving/endpoints", headers=auth(ALICE.token))

    [fraud] = [e for e in response.json()["items"] if e["name"] == FRAUD_DETECTOR.name]
    assert fraud == fraud_fields()
    assert FRAUD_DETECTOR.tags  # the comparison covers a tag's key and value


async def test_an_endpoints_detail_adds_its_config_version_and_the_callers_permission(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(
        f"/api/model-serving/endpoints/{FRAUD_DETECTOR.name}", headers=auth(ALICE.token)
    )

    assert response.json() == {
        **fraud_fields(),
        "config_version": 1,
        "permission_level": "CAN_QUERY",
    }
