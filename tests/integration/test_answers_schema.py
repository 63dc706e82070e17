"""Detected input schemas as the client reads them: a standard task's schema and example, and
the task carried through whichever way the schema was found."""

from __future__ import annotations

import httpx
import pytest

from fake_workspace.reference import CHAT_ASSISTANT, FRAUD_DETECTOR
from fake_workspace.reference.identities import ALICE
from tests.harness import auth

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
