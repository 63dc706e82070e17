"""Model serving: endpoint metadata via the SDK, invocations via httpx (as the app does)."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from databricks.sdk.errors import BadRequest, ResourceDoesNotExist
from databricks.sdk.service.serving import (
    DataframeSplitInput,
    EndpointStateConfigUpdate,
    EndpointStateReady,
)

from fake_workspace import FakeWorkspace, Route
from fake_workspace.reference import (
    ALICE,
    CHAT_ASSISTANT,
    ENDPOINTS,
    FRAUD_DETECTOR,
    MYSTERY_MODEL,
    TEXT_EMBEDDER,
    UNICODE_MODEL,
    WARMING_UP,
    chat_reply,
    embedding,
    fraud_score,
    pair_sum,
)
from tests.harness.http import SdkFactory, bearer

pytestmark = pytest.mark.fake_only

FRAUD_ROWS = [[120.0, 0.4, 3], [15.5, 0.9, 14]]
EXPECTED_FRAUD = [fraud_score(*row) for row in FRAUD_ROWS]  # type: ignore[arg-type]


def invoke(http: httpx.Client, name: str, body: Any) -> httpx.Response:
    return http.post(
        f"/serving-endpoints/{quote(name)}/invocations", json=body, headers=bearer(ALICE)
    )


def test_list_parses_every_endpoint_state(sdk: SdkFactory) -> None:
    endpoints = {e.name: e for e in sdk(ALICE).serving_endpoints.list()}

    assert set(endpoints) == {e.name for e in ENDPOINTS}
    for endpoint in endpoints.values():
        assert endpoint.state
        assert endpoint.state.ready is not None
        assert endpoint.state.config_update is not None
    assert endpoints[CHAT_ASSISTANT.name].task == "llm/v1/chat"


def test_get_details_a_ready_custom_endpoint(sdk: SdkFactory) -> None:
    endpoint = sdk(ALICE).serving_endpoints.get(FRAUD_DETECTOR.name)

    assert endpoint.state
    assert endpoint.state.ready is EndpointStateReady.READY
    assert endpoint.config
    assert endpoint.config.served_entities
    entity = endpoint.config.served_entities[0]
    assert (entity.entity_name, entity.entity_version) == ("main.ml.fraud_model", "3")
    assert entity.state
    assert entity.state.deployment is not None
    assert endpoint.permission_level is not None


def test_warming_up_endpoint_has_only_a_pending_config(sdk: SdkFactory) -> None:
    endpoint = sdk(ALICE).serving_endpoints.get(WARMING_UP.name)

    assert endpoint.state
    assert endpoint.state.ready is EndpointStateReady.NOT_READY
    assert endpoint.state.config_update is EndpointStateConfigUpdate.IN_PROGRESS
    assert endpoint.config is None
    assert endpoint.pending_config is not None


def test_foundation_model_endpoint_names_its_model(sdk: SdkFactory) -> None:
    endpoint = sdk(ALICE).serving_endpoints.get(CHAT_ASSISTANT.name)

    assert endpoint.config
    assert endpoint.config.served_entities
    foundation = endpoint.config.served_entities[0].foundation_model
    assert foundation
    assert foundation.name == CHAT_ASSISTANT.foundation_model


def test_missing_endpoint_is_resource_does_not_exist(sdk: SdkFactory) -> None:
    with pytest.raises(
        ResourceDoesNotExist, match=re.escape("Endpoint with name 'nope' does not exist.")
    ):
        sdk(ALICE).serving_endpoints.get("nope")


def test_openapi_document_describes_the_signature(sdk: SdkFactory) -> None:
    contents = sdk(ALICE).serving_endpoints.get_open_api(FRAUD_DETECTOR.name).contents
    assert contents is not None
    with contents:
        document = json.loads(contents.read())

    operation = document["paths"]["/invocations"]["post"]
    split = operation["requestBody"]["content"]["application/json"]["schema"]["oneOf"][0]
    columns = split["properties"]["dataframe_split"]["properties"]["columns"]["items"]["enum"]
    assert document["openapi"].startswith("3.")
    assert columns == ["amount", "merchant_score", "hour"]


def test_openapi_is_404_without_a_signature(sdk: SdkFactory) -> None:
    with pytest.raises(ResourceDoesNotExist):
        sdk(ALICE).serving_endpoints.get_open_api(MYSTERY_MODEL.name)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(
            {
                "dataframe_split": {
                    "columns": ["amount", "merchant_score", "hour"],
                    "data": FRAUD_ROWS,
                }
            },
            id="split",
        ),
        pytest.param(
            {
                "dataframe_records": [
                    dict(zip(["amount", "merchant_score", "hour"], r, strict=True))
                    for r in FRAUD_ROWS
                ]
            },
            id="records",
        ),
        pytest.param({"instances": FRAUD_ROWS}, id="instances"),
        pytest.param(
            {"inputs": {"amount": [120.0, 15.5], "merchant_score": [0.4, 0.9], "hour": [3, 14]}},
            id="columnar-inputs",
        ),
    ],
)
def test_fraud_detector_predicts_for_every_input_format(
    http: httpx.Client, body: dict[str, Any]
) -> None:
    response = invoke(http, FRAUD_DETECTOR.name, {**body, "params": {}})

    assert response.status_code == 200, response.text
    assert response.json() == {"predictions": EXPECTED_FRAUD}
    assert response.headers["served-model-name"] == FRAUD_DETECTOR.served_entity_name


async def test_async_httpx_client_invokes_like_the_app(fake: FakeWorkspace) -> None:
    async with httpx.AsyncClient(base_url=fake.base_url, timeout=5) as client:
        response = await client.post(
            f"/serving-endpoints/{FRAUD_DETECTOR.name}/invocations",
            json={
                "dataframe_split": {
                    "columns": ["amount", "merchant_score", "hour"],
                    "data": FRAUD_ROWS,
                }
            },
            headers=bearer(ALICE),
        )

    assert response.json() == {"predictions": EXPECTED_FRAUD}
    assert fake.requests.for_route(Route.INVOCATIONS)[0].bearer_token == ALICE.token


def test_sdk_query_parses_predictions(sdk: SdkFactory) -> None:
    split = DataframeSplitInput(columns=["amount", "merchant_score", "hour"], data=FRAUD_ROWS)

    answer = sdk(ALICE).serving_endpoints.query(FRAUD_DETECTOR.name, dataframe_split=split)

    assert answer.predictions == EXPECTED_FRAUD
    assert answer.served_model_name == FRAUD_DETECTOR.served_entity_name


def test_unicode_endpoint_is_invoked_by_its_encoded_name(
    http: httpx.Client, fake: FakeWorkspace
) -> None:
    response = invoke(http, UNICODE_MODEL.name, {"dataframe_records": [{"x": 1.25, "y": 2}]})

    assert response.json() == {"predictions": [pair_sum(1.25, 2)]}
    assert fake.requests.for_route(Route.INVOCATIONS, UNICODE_MODEL.name)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({}, id="no-input"),
        pytest.param({"instances": [[1.0, 0.1, 1]], "inputs": [[1.0, 0.1, 1]]}, id="two-inputs"),
        pytest.param(
            {"dataframe_split": {"columns": ["amount"], "data": [[1.0]]}}, id="missing-column"
        ),
        pytest.param(
            {"dataframe_records": [{"amount": "x", "merchant_score": 0.1, "hour": 1}]},
            id="wrong-type",
        ),
        pytest.param({"messages": [{"role": "user", "content": "hi"}]}, id="chat-body"),
        pytest.param({"instances": [[1.0, 0.1, 1]], "surprise": True}, id="unknown-field"),
    ],
)
def test_bad_bodies_are_400_bad_request(http: httpx.Client, body: dict[str, Any]) -> None:
    response = invoke(http, FRAUD_DETECTOR.name, body)

    assert response.status_code == 400
    assert response.json()["error_code"] == "BAD_REQUEST"


def test_sdk_raises_bad_request(sdk: SdkFactory) -> None:
    with pytest.raises(BadRequest):
        sdk(ALICE).serving_endpoints.query(FRAUD_DETECTOR.name, instances=[[1.0]])


def test_chat_assistant_echoes_with_usage(http: httpx.Client) -> None:
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Bonjour à tous"},
    ]

    answer = invoke(http, CHAT_ASSISTANT.name, {"messages": messages, "max_tokens": 50}).json()

    content, finish = chat_reply("Bonjour à tous")
    assert answer["object"] == "chat.completion"
    assert answer["choices"][0]["message"] == {"role": "assistant", "content": content}
    assert answer["choices"][0]["finish_reason"] == finish
    assert answer["usage"] == {"prompt_tokens": 5, "completion_tokens": 4, "total_tokens": 9}


def test_chat_max_tokens_truncates(http: httpx.Client) -> None:
    body = {"messages": [{"role": "user", "content": "one two three four"}], "max_tokens": 2}

    choice = invoke(http, CHAT_ASSISTANT.name, body).json()["choices"][0]

    assert (choice["message"]["content"], choice["finish_reason"]) == chat_reply(
        "one two three four", 2
    )


def test_text_embedder_is_deterministic(http: httpx.Client) -> None:
    answer = invoke(http, TEXT_EMBEDDER.name, {"input": ["a", "b c"]}).json()

    assert [d["embedding"] for d in answer["data"]] == [
        embedding("a"),
        embedding("b c"),
    ]
    assert [d["index"] for d in answer["data"]] == [0, 1]


def test_mystery_model_sums_numeric_cells(http: httpx.Client) -> None:
    answer = invoke(http, MYSTERY_MODEL.name, {"dataframe_records": [{"a": 1, "b": 2.5, "c": "x"}]})

    assert answer.json() == {"predictions": [3.5]}


def test_not_ready_endpoint_is_503(http: httpx.Client, fake: FakeWorkspace) -> None:
    body = {"instances": FRAUD_ROWS}
    refused = invoke(http, WARMING_UP.name, body)

    fake.serving.set_state(WARMING_UP.name, ready="READY")

    assert refused.status_code == 503
    assert refused.json()["error_code"] == "TEMPORARILY_UNAVAILABLE"
    assert invoke(http, WARMING_UP.name, body).json() == {"predictions": EXPECTED_FRAUD}


def test_invoking_a_missing_endpoint_is_404(http: httpx.Client) -> None:
    response = invoke(http, "nope", {"instances": []})

    assert response.status_code == 404
    assert response.json()["error_code"] == "RESOURCE_DOES_NOT_EXIST"


@pytest.mark.parametrize(
    ("endpoint", "body"),
    [
        pytest.param(MYSTERY_MODEL.name, '{"instances": [[1e308, 1e308]]}', id="sum-overflows"),
        pytest.param(MYSTERY_MODEL.name, '{"instances": [1e400]}', id="parsed-as-infinity"),
        pytest.param(MYSTERY_MODEL.name, '{"instances": [1%s]}' % ("0" * 400), id="huge-integer"),
        pytest.param(
            UNICODE_MODEL.name, '{"instances": [[1.7e308, 1.7e308]]}', id="typed-model-overflows"
        ),
    ],
)
def test_a_prediction_that_is_not_a_finite_number_is_400(
    http: httpx.Client, endpoint: str, body: str
) -> None:
    # JSON has no Infinity: a real scoring server reports the failed evaluation as BAD_REQUEST
    # (the fake must answer, not raise: check_errors() after the test would report a raise).
    response = http.post(
        f"/serving-endpoints/{quote(endpoint)}/invocations",
        content=body,
        headers={**bearer(ALICE), "Content-Type": "application/json"},
    )

    assert response.status_code == 400, response.text
    assert response.json()["error_code"] == "BAD_REQUEST"
    assert "finite" in response.json()["message"]


def test_large_but_finite_numbers_are_predicted(http: httpx.Client) -> None:
    answer = invoke(http, MYSTERY_MODEL.name, {"instances": [[1e308, -1e308, 2.0]]})

    assert answer.json() == {"predictions": [2.0]}
