"""Listing and detail answers compared whole, field by field, with the fake workspace's
reference data: a field dropped, renamed or emptied on the way to the client fails here."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from fake_workspace.handlers.serving import CREATED_MS, UPDATED_MS
from fake_workspace.reference import FRAUD_DETECTOR
from fake_workspace.reference.identities import ALICE
from tests.harness import auth
from tests.integration.expectations import iso

pytestmark = pytest.mark.fake_only


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
