"""Serving endpoints as the caller sees them: listed and paged with their metadata, one
endpoint's detail compared field by field with the fake's reference data, its state, and 404
for a missing or impossible name."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from fake_workspace import FakeWorkspace, Route
from fake_workspace.handlers.serving import CREATED_MS, UPDATED_MS
from fake_workspace.reference import ALICE, CHAT_ASSISTANT, ENDPOINTS, FRAUD_DETECTOR, WARMING_UP
from tests.harness import auth
from tests.integration.api import MS, endpoint_url
from tests.integration.expectations import assert_error, assert_utc_timestamps, iso

pytestmark = pytest.mark.fake_only


async def test_endpoints_are_listed_with_their_metadata(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{MS}/endpoints", headers=auth(ALICE.token))

    assert response.status_code == 200, response.text
    page = response.json()
    assert page["total"] == len(ENDPOINTS)
    assert [e["name"] for e in page["items"]] == sorted(e.name for e in ENDPOINTS)
    fraud = next(e for e in page["items"] if e["name"] == FRAUD_DETECTOR.name)
    assert fraud["state"] == {"ready": "READY", "config_update": "NOT_UPDATING"}
    assert fraud["served_entities"][0]["entity_name"] == FRAUD_DETECTOR.entity_name
    assert fraud["served_entities"][0]["entity_version"] == FRAUD_DETECTOR.entity_version
    assert fraud["creator"] == FRAUD_DETECTOR.creator
    assert fraud["created_at"]
    assert fraud["updated_at"]
    assert_utc_timestamps(page)


async def test_endpoint_list_is_paged_by_the_app(client: httpx.AsyncClient) -> None:
    names = sorted(e.name for e in ENDPOINTS)

    response = await client.get(f"{MS}/endpoints?limit=2&offset=2", headers=auth(ALICE.token))

    assert response.json()["total"] == len(names)
    assert [e["name"] for e in response.json()["items"]] == names[2:4]


async def test_one_endpoint_shows_task_and_foundation_model(client: httpx.AsyncClient) -> None:
    response = await client.get(endpoint_url(CHAT_ASSISTANT.name), headers=auth(ALICE.token))

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["name"] == CHAT_ASSISTANT.name
    assert body["task"] == "llm/v1/chat"
    assert body["served_entities"][0]["foundation_model"] == CHAT_ASSISTANT.foundation_model
    assert_utc_timestamps(body)


async def test_not_ready_endpoint_shows_its_state(client: httpx.AsyncClient) -> None:
    response = await client.get(endpoint_url(WARMING_UP.name), headers=auth(ALICE.token))

    assert response.json()["state"] == {"ready": "NOT_READY", "config_update": "IN_PROGRESS"}


async def test_missing_endpoint_is_404(client: httpx.AsyncClient) -> None:
    response = await client.get(endpoint_url("no-such-model"), headers=auth(ALICE.token))

    assert_error(response, 404, "ENDPOINT_NOT_FOUND")


async def test_impossible_endpoint_name_is_404_without_asking_databricks(
    client: httpx.AsyncClient, fake: FakeWorkspace
) -> None:
    response = await client.get(endpoint_url("no such model"), headers=auth(ALICE.token))

    assert_error(response, 404, "ENDPOINT_NOT_FOUND")
    assert fake.requests.for_route(Route.SERVING_GET) == []


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
