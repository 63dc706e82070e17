"""/api/model-serving against the named endpoint: the listing, the endpoint, its detected input
schema, an invocation with the example the app built from that schema, and the log row the
invocation wrote."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from sqlalchemy import select

from server.db.database import Database
from server.models.model_inference import ModelInference
from tests.harness import auth
from tests.integration.api import LOGS, MS, endpoint_url, invoke, ok
from tests.integration.expectations import assert_error
from tests.integration.live.targets import LiveTargets

DETECTED_TYPES = {"CHAT", "COMPLETIONS", "EMBEDDINGS", "CUSTOM", "UNKNOWN"}


async def example_inputs(client: httpx.AsyncClient, targets: LiveTargets) -> Any:
    """The input the app's schema detection proposes for the endpoint; fails when it has none."""
    detected = ok(
        await client.get(endpoint_url(targets.endpoint, "/schema"), headers=auth(targets.token))
    )
    assert detected["example"] is not None, f"LIVE_ENDPOINT needs a detectable schema: {detected}"
    return detected["example"]


async def test_the_target_endpoint_is_listed(
    client: httpx.AsyncClient, targets: LiveTargets
) -> None:
    response = await client.get(
        f"{MS}/endpoints", params={"limit": 1000}, headers=auth(targets.token)
    )

    assert response.status_code == 200
    names = [e["name"] for e in response.json()["items"]]
    assert targets.endpoint in names
    assert names == sorted(names)


async def test_the_target_endpoint_is_described(
    client: httpx.AsyncClient, targets: LiveTargets
) -> None:
    response = await client.get(endpoint_url(targets.endpoint), headers=auth(targets.token))

    assert response.status_code == 200
    assert response.json()["name"] == targets.endpoint
    assert response.json()["state"]["ready"] == "READY"


async def test_a_missing_endpoint_is_404(client: httpx.AsyncClient, targets: LiveTargets) -> None:
    missing = f"live-test-missing-{uuid.uuid4().hex}"  # no workspace has it

    response = await client.get(endpoint_url(missing), headers=auth(targets.token))

    assert_error(response, 404, "ENDPOINT_NOT_FOUND")


async def test_the_target_endpoint_schema_is_detected(
    client: httpx.AsyncClient, targets: LiveTargets
) -> None:
    response = await client.get(
        endpoint_url(targets.endpoint, "/schema"), headers=auth(targets.token)
    )

    assert response.status_code == 200
    body = response.json()
    assert body["endpoint_name"] == targets.endpoint
    assert body["detected_type"] in DETECTED_TYPES - {"UNKNOWN"}
    assert body["input_schema"]
    assert isinstance(body["example"], dict)


async def test_the_example_from_the_detected_schema_is_answered(
    client: httpx.AsyncClient, targets: LiveTargets
) -> None:
    inputs = await example_inputs(client, targets)

    response = await invoke(client, inputs, targets.endpoint, token=targets.token)

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["endpoint_name"] == targets.endpoint
    assert body["status"] == "SUCCESS"
    assert body["request_id"]
    assert body["output"] is not None


async def test_an_invocation_is_in_the_callers_log(
    client: httpx.AsyncClient, targets: LiveTargets, database: Database
) -> None:
    me = ok(await client.get("/api/user/me", headers=auth(targets.token)))
    inputs = await example_inputs(client, targets)
    invoked = ok(await invoke(client, inputs, targets.endpoint, token=targets.token))

    response = await client.get(
        LOGS, params={"endpoint_name": targets.endpoint}, headers=auth(targets.token)
    )

    assert response.status_code == 200
    [row] = [r for r in response.json()["items"] if r["request_id"] == invoked["request_id"]]
    assert (row["endpoint_name"], row["status"]) == (targets.endpoint, "SUCCESS")
    assert row["error_message"] is None
    async with database.session() as session:  # the log route shows only the caller's rows
        owner = await session.scalar(
            select(ModelInference.user_name).where(
                ModelInference.request_id == invoked["request_id"]
            )
        )
    assert owner == me["user_name"]
