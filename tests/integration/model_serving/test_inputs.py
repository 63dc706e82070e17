"""Invocation inputs at their limits, through the API: the smallest accepted chat parameters
reach the model; the first refused ones, a lone surrogate in the inputs and a timeout that is not
an integer answer 400 with the reason, and nothing is sent to the model."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from fake_workspace import FakeWorkspace, Route
from fake_workspace.reference import ALICE, CHAT_ASSISTANT
from tests.harness import auth
from tests.integration.api import INVOKE, JSON, invoke
from tests.integration.expectations import assert_error

pytestmark = pytest.mark.fake_only

HELLO = [{"role": "user", "content": "Hello"}]


async def invoke_chat(client: httpx.AsyncClient, inputs: Any) -> httpx.Response:
    return await invoke(client, inputs, CHAT_ASSISTANT.name)


@pytest.mark.parametrize(
    "extra",
    [
        pytest.param({"max_tokens": 1}, id="max-tokens-1"),
        pytest.param({"temperature": 0}, id="temperature-0"),
        pytest.param({"top_p": 0.0}, id="top-p-0"),
        pytest.param({"stream": False}, id="stream-false"),
    ],
)
async def test_the_smallest_accepted_parameters_reach_the_model(
    client: httpx.AsyncClient, fake: FakeWorkspace, extra: dict[str, Any]
) -> None:
    response = await invoke_chat(client, {"messages": HELLO, **extra})

    assert response.status_code == 200, response.text
    [sent] = fake.requests.for_route(Route.INVOCATIONS, CHAT_ASSISTANT.name)
    assert sent.json == {"messages": HELLO, **extra}


@pytest.mark.parametrize("max_tokens", [1.0, 64.0])
async def test_max_tokens_written_with_a_zero_fraction_reaches_the_model_as_an_integer(
    client: httpx.AsyncClient, fake: FakeWorkspace, max_tokens: float
) -> None:
    # JSON Schema, which the document states it in, counts 64.0 as an integer.
    response = await invoke_chat(client, {"messages": HELLO, "max_tokens": max_tokens})

    assert response.status_code == 200, response.text
    [sent] = fake.requests.for_route(Route.INVOCATIONS, CHAT_ASSISTANT.name)
    assert sent.json == {"messages": HELLO, "max_tokens": int(max_tokens)}
    assert type(sent.json["max_tokens"]) is int


@pytest.mark.parametrize(
    ("inputs", "reason"),
    [
        pytest.param(
            {"messages": HELLO, "max_tokens": 0},
            "max_tokens must be a positive integer.",
            id="max-tokens-0",
        ),
        pytest.param(
            {"messages": HELLO, "temperature": -0.01},
            "temperature must be a number, 0 or more.",
            id="temperature-negative",
        ),
        pytest.param(
            {"messages": HELLO, "top_p": -1},
            "top_p must be a number, 0 or more.",
            id="top-p-negative",
        ),
        *(
            pytest.param(
                {"messages": HELLO, "stream": value},
                "stream must be false or null (or left out): streaming is not supported.",
                id=f"stream-{value!r}",
            )
            # The schema allows false or null only: none of these, falsy or not, is either.
            for value in (True, 1, 0, 0.0, "", {}, [])
        ),
        pytest.param(
            {"messages": HELLO, "colour": 1, "beta": 2},
            "Unexpected keys next to messages: beta, colour.",
            id="unknown-keys",
        ),
        pytest.param(
            {"messages": []},
            "messages must be a non-empty list of {role, content} objects.",
            id="no-messages",
        ),
        pytest.param(
            {"dataframe_split": {"data": [[1]]}, "x": 1, "y": 2},
            "Unexpected keys next to dataframe_split: x, y.",
            id="tabular-unknown-keys",
        ),
    ],
)
async def test_a_refused_input_says_exactly_why(
    client: httpx.AsyncClient, fake: FakeWorkspace, inputs: dict[str, Any], reason: str
) -> None:
    response = await invoke_chat(client, inputs)

    error = assert_error(response, 400, "INVALID_INPUT")
    assert error["message"] == reason
    assert error["details"] == [{"field": "inputs"}]
    assert fake.requests.for_route(Route.INVOCATIONS, CHAT_ASSISTANT.name) == []


async def test_lone_surrogate_in_model_inputs_is_400_without_a_call(
    client: httpx.AsyncClient, fake: FakeWorkspace
) -> None:
    body = b'{"endpoint_name": "fraud-detector", "inputs": {"instances": ["\\udfff"]}}'
    response = await client.post(
        "/api/model-serving/invoke", content=body, headers={**auth(ALICE.token), **JSON}
    )
    assert_error(response, 400, "INVALID_INPUT")
    assert fake.requests.for_route(Route.INVOCATIONS) == []


@pytest.mark.parametrize("value", [True, 1.0, 30.5, "30"])
async def test_invoke_timeout_must_be_an_integer(
    client: httpx.AsyncClient, fake: FakeWorkspace, value: object
) -> None:
    body = {
        "endpoint_name": "fraud-detector",
        "inputs": {"dataframe_records": [{"amount": 1.0}]},
        "timeout_seconds": value,
    }

    response = await client.post(INVOKE, json=body, headers=auth(ALICE.token))

    error = assert_error(response, 400, "INVALID_REQUEST")
    assert error["details"][0]["field"] == "timeout_seconds"
    assert fake.requests.for_route(Route.INVOCATIONS) == []
