"""An endpoint's detected input schema: a standard task's schema and example, a custom
model's from its OpenAPI document with its task kept, unknown with advice, what is cached and
what is not, and the detected example accepted by the endpoint."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from fake_workspace import FakeWorkspace, Route
from fake_workspace.reference import (
    ALICE,
    BOB,
    CHAT_ASSISTANT,
    FRAUD_DETECTOR,
    MYSTERY_MODEL,
    TEXT_EMBEDDER,
    fraud_score,
)
from tests.harness import auth
from tests.integration.api import FRAUD_COLUMNS, endpoint_url, invoke
from tests.integration.expectations import assert_error

pytestmark = pytest.mark.fake_only


def schema_url(name: str) -> str:
    return f"/api/model-serving/endpoints/{name}/schema"


async def test_a_chat_endpoint_gets_the_chat_schema_and_an_example_that_fits_it(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(schema_url(CHAT_ASSISTANT.name), headers=auth(ALICE.token))

    body = response.json()
    assert (body["endpoint_name"], body["detected_type"], body["task"], body["source"]) == (
        CHAT_ASSISTANT.name,
        "CHAT",
        "llm/v1/chat",
        "task",
    )
    assert body["input_schema"]["required"] == ["messages"]
    assert body["input_schema"]["properties"]["messages"]["minItems"] == 1
    assert body["example"]["messages"][0]["role"] in ("system", "user")
    assert body["message"] is None


async def test_a_custom_endpoint_keeps_its_task_and_gets_its_openapi_schema(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get(schema_url(FRAUD_DETECTOR.name), headers=auth(ALICE.token))

    body = response.json()
    assert (body["endpoint_name"], body["detected_type"], body["task"], body["source"]) == (
        FRAUD_DETECTOR.name,
        "CUSTOM",
        FRAUD_DETECTOR.task,
        "openapi",
    )
    assert body["input_schema"] is not None
    assert body["example"]["dataframe_split"]["columns"] == ["amount", "merchant_score", "hour"]


async def test_detected_example_is_accepted_by_the_endpoint(client: httpx.AsyncClient) -> None:
    detected = await client.get(
        endpoint_url(FRAUD_DETECTOR.name, "/schema"), headers=auth(ALICE.token)
    )

    assert detected.status_code == 200, detected.text
    schema = detected.json()
    assert (schema["detected_type"], schema["source"]) == ("CUSTOM", "openapi")
    assert schema["input_schema"]["oneOf"]
    example = schema["example"]["dataframe_split"]
    assert example["columns"] == FRAUD_COLUMNS
    response = await invoke(client, schema["example"])
    assert response.status_code == 200, response.text
    assert response.json()["predictions"] == [fraud_score(*example["data"][0])]


@pytest.mark.parametrize(
    ("endpoint", "detected_type"),
    [
        pytest.param(CHAT_ASSISTANT, "CHAT", id="chat"),
        pytest.param(TEXT_EMBEDDER, "EMBEDDINGS", id="embeddings"),
    ],
)
async def test_llm_schema_comes_from_the_task_and_its_example_works(
    client: httpx.AsyncClient, endpoint: Any, detected_type: str
) -> None:
    detected = await client.get(endpoint_url(endpoint.name, "/schema"), headers=auth(ALICE.token))

    assert detected.json()["detected_type"] == detected_type
    assert detected.json()["source"] == "task"
    response = await invoke(client, detected.json()["example"], endpoint.name)
    assert response.status_code == 200, response.text


async def test_endpoint_without_schema_is_unknown_with_advice(client: httpx.AsyncClient) -> None:
    response = await client.get(
        endpoint_url(MYSTERY_MODEL.name, "/schema"), headers=auth(ALICE.token)
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["endpoint_name"] == MYSTERY_MODEL.name
    assert (body["detected_type"], body["source"]) == ("UNKNOWN", "none")
    assert body["input_schema"] is None
    assert body["example"] is None
    assert "signature" in body["message"]
    assert "dataframe_split" in body["message"]


async def test_detection_is_cached_but_the_endpoint_is_read_every_time(
    client: httpx.AsyncClient, fake: FakeWorkspace
) -> None:
    url = endpoint_url(FRAUD_DETECTOR.name, "/schema")

    first = await client.get(url, headers=auth(ALICE.token))
    second = await client.get(url, headers=auth(BOB.token))

    assert first.json() == second.json()
    assert len(fake.requests.for_route(Route.SERVING_OPENAPI)) == 1
    assert len(fake.requests.for_route(Route.SERVING_GET)) == 2


async def test_detection_without_cache_reads_the_openapi_each_time(
    client_factory: Any, fake: FakeWorkspace
) -> None:
    client = await client_factory(schema_cache_ttl_seconds=0)
    url = endpoint_url(FRAUD_DETECTOR.name, "/schema")

    await client.get(url, headers=auth(ALICE.token))
    await client.get(url, headers=auth(ALICE.token))

    assert len(fake.requests.for_route(Route.SERVING_OPENAPI)) == 2


async def test_openapi_failure_is_reported_not_cached_as_unknown(
    client: httpx.AsyncClient, fake: FakeWorkspace
) -> None:
    fake.faults.fail_next(Route.SERVING_OPENAPI, status=500, error_code="INTERNAL_ERROR")
    url = endpoint_url(FRAUD_DETECTOR.name, "/schema")

    failed = await client.get(url, headers=auth(ALICE.token))
    recovered = await client.get(url, headers=auth(ALICE.token))

    assert_error(failed, 502, "DATABRICKS_ERROR")
    assert recovered.json()["detected_type"] == "CUSTOM"


async def test_openapi_refused_as_bad_request_means_unknown(
    client: httpx.AsyncClient, fake: FakeWorkspace
) -> None:
    fake.faults.fail_next(Route.SERVING_OPENAPI, status=400, error_code="BAD_REQUEST")

    response = await client.get(
        endpoint_url(FRAUD_DETECTOR.name, "/schema"), headers=auth(ALICE.token)
    )

    assert response.json()["detected_type"] == "UNKNOWN"
