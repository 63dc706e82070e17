"""Model answers as API responses: JSON required, the chat message pulled out when present."""

from __future__ import annotations

import httpx
import pytest
from databricks.sdk.service.serving import (
    EndpointCoreConfigOutput,
    EndpointState,
    EndpointStateReady,
    ExternalModel,
    ExternalModelProvider,
    ServedEntityOutput,
    ServingEndpoint,
    ServingEndpointDetailed,
)

from server.errors import AppError, ErrorCode
from server.services.serving_mapping import endpoint_detail_out, endpoint_out, invoke_response


def test_model_answer_that_is_not_json_is_a_model_error() -> None:
    with pytest.raises(AppError) as caught:
        invoke_response("r", "m", httpx.Response(200, text="<html>"), 1.0)

    assert caught.value.code is ErrorCode.MODEL_ERROR


def test_chat_answer_without_a_message_has_none() -> None:
    answer = invoke_response("r", "m", httpx.Response(200, json={"choices": [{"text": "t"}]}), 1)

    assert answer.message is None
    assert answer.output == {"choices": [{"text": "t"}]}


# -- Serving endpoints as Databricks may describe them but the fake workspace never does: an
# external model, no state, no config, no permission level, no timestamps.
def test_an_external_model_is_named_in_its_served_entity() -> None:
    endpoint = ServingEndpoint(
        name="gpt",
        config=EndpointCoreConfigOutput(
            served_entities=[
                ServedEntityOutput(
                    name="gpt-4o",
                    external_model=ExternalModel(
                        name="gpt-4o", provider=ExternalModelProvider.OPENAI, task="llm/v1/chat"
                    ),
                )
            ]
        ),
        creation_timestamp=1_000,
    )

    out = endpoint_out(endpoint).model_dump(mode="json")

    assert out["served_entities"] == [
        {
            "name": "gpt-4o",
            "entity_name": None,
            "entity_version": None,
            "foundation_model": None,
            "external_model": "gpt-4o",
        }
    ]
    assert out["created_at"] == "1970-01-01T00:00:01Z"
    assert out["updated_at"] is None


def test_an_endpoint_described_with_nothing_but_its_name() -> None:
    out = endpoint_detail_out(ServingEndpointDetailed(name="bare")).model_dump(mode="json")

    assert out == {
        "name": "bare",
        "id": None,
        "description": None,
        "state": {"ready": None, "config_update": None},
        "task": None,
        "served_entities": [],
        "tags": [],
        "creator": None,
        "created_at": None,
        "updated_at": None,
        "config_version": None,
        "permission_level": None,
    }


def test_a_state_without_config_update_keeps_its_readiness() -> None:
    endpoint = ServingEndpoint(name="e", state=EndpointState(ready=EndpointStateReady.NOT_READY))

    assert endpoint_out(endpoint).model_dump(mode="json")["state"] == {
        "ready": "NOT_READY",
        "config_update": None,
    }
