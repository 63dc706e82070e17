"""Invoking a model: predictions, chat and embeddings answers, the caller's token on every
call, inputs refused before any call, an endpoint not ready or missing, timeouts, retries of a
busy model with the waits it asked for, and failures mapped and not retried."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from fake_workspace import FakeWorkspace, Route
from fake_workspace.reference import (
    ALICE,
    BOB,
    CHAT_ASSISTANT,
    FRAUD_DETECTOR,
    TEXT_EMBEDDER,
    UNICODE_MODEL,
    WARMING_UP,
    chat_reply,
    embedding,
    fraud_score,
    pair_sum,
)
from server.db.database import Database
from tests.harness import auth
from tests.harness.clock import FakeClock
from tests.harness.waiting import until
from tests.integration.api import FRAUD_ROWS, MS, endpoint_url, fraud_inputs, invoke
from tests.integration.expectations import assert_error
from tests.integration.rows import log_rows

pytestmark = pytest.mark.fake_only

SERVING_ROUTES = {Route.SERVING_LIST, Route.SERVING_GET, Route.SERVING_OPENAPI, Route.INVOCATIONS}


def invocations(fake: FakeWorkspace, name: str = FRAUD_DETECTOR.name) -> list[Any]:
    return fake.requests.for_route(Route.INVOCATIONS, name)


async def test_invocation_returns_the_models_predictions(client: httpx.AsyncClient) -> None:
    response = await invoke(client, fraud_inputs())

    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "SUCCESS"
    assert body["endpoint_name"] == FRAUD_DETECTOR.name
    assert body["predictions"] == [fraud_score(*row) for row in FRAUD_ROWS]
    assert body["output"] == {"predictions": body["predictions"]}
    assert body["served_model_name"] == FRAUD_DETECTOR.served_entity_name
    assert body["execution_time_ms"] >= 0


async def test_invocation_is_logged_under_the_callers_name(
    client: httpx.AsyncClient, database: Database, fake: FakeWorkspace
) -> None:
    response = await invoke(client, fraud_inputs(), token=BOB.token)

    [row] = await log_rows(database)
    assert row.request_id == response.json()["request_id"]
    assert (row.user_name, row.endpoint_name, row.status) == (
        BOB.user_name,
        FRAUD_DETECTOR.name,
        "SUCCESS",
    )
    # The size of the body the model received, whichever JSON encoder produced it.
    [sent] = invocations(fake, FRAUD_DETECTOR.name)
    assert row.input_bytes == len(sent.body) > 0
    assert row.latency_ms >= 0
    assert row.error_message is None
    assert row.created_at.utcoffset() is not None


async def test_chat_endpoint_answers_with_a_message(client: httpx.AsyncClient) -> None:
    inputs = {"messages": [{"role": "user", "content": "How are you?"}], "max_tokens": 10}

    response = await invoke(client, inputs, CHAT_ASSISTANT.name)

    assert response.status_code == 200, response.text
    content, _ = chat_reply("How are you?", 10)
    assert response.json()["message"] == {"role": "assistant", "content": content}
    assert response.json()["output"]["choices"][0]["message"]["content"] == content
    assert response.json()["predictions"] is None


async def test_embeddings_are_in_the_raw_output(client: httpx.AsyncClient) -> None:
    response = await invoke(client, {"input": "hello world"}, TEXT_EMBEDDER.name)

    assert response.json()["output"]["data"][0]["embedding"] == embedding("hello world")


async def test_unicode_endpoint_name_works_end_to_end(
    client: httpx.AsyncClient, database: Database, fake: FakeWorkspace
) -> None:
    name = UNICODE_MODEL.name
    details = await client.get(endpoint_url(name), headers=auth(ALICE.token))
    schema = await client.get(endpoint_url(name, "/schema"), headers=auth(ALICE.token))

    response = await invoke(client, schema.json()["example"], name)

    assert details.json()["name"] == name
    assert response.status_code == 200, response.text
    x, y = schema.json()["example"]["dataframe_split"]["data"][0]
    assert response.json()["predictions"] == [pair_sum(x, y)]
    assert [r.endpoint_name for r in await log_rows(database)] == [name]
    assert len(invocations(fake, name)) == 1


async def test_every_workspace_request_carries_the_callers_token(
    client: httpx.AsyncClient, fake: FakeWorkspace
) -> None:
    await client.get(f"{MS}/endpoints", headers=auth(BOB.token))
    await client.get(endpoint_url(FRAUD_DETECTOR.name, "/schema"), headers=auth(BOB.token))
    await invoke(client, fraud_inputs(), token=BOB.token)

    serving = [r for r in fake.requests.snapshot() if r.route in SERVING_ROUTES]
    assert {r.route for r in serving} == SERVING_ROUTES
    assert {r.bearer_token for r in serving} == {BOB.token}


@pytest.mark.parametrize(
    "inputs",
    [
        pytest.param({"columns": ["a"], "data": [[1]]}, id="no-format-key"),
        pytest.param({"instances": [1], "inputs": [1]}, id="two-formats"),
        pytest.param({"dataframe_split": {"columns": ["a", "b"], "data": [[1]]}}, id="short-row"),
        pytest.param({"messages": "hello"}, id="messages-not-a-list"),
        pytest.param([1, 2, 3], id="not-an-object"),
    ],
)
async def test_malformed_inputs_are_refused_before_any_call(
    client: httpx.AsyncClient, database: Database, fake: FakeWorkspace, inputs: Any
) -> None:
    response = await invoke(client, inputs)

    assert_error(response, 400, "INVALID_INPUT")
    assert invocations(fake) == []
    assert fake.requests.for_route(Route.SERVING_GET) == []
    assert await log_rows(database) == []


async def test_input_over_the_size_limit_names_size_and_limit(
    client_factory: Any, fake: FakeWorkspace
) -> None:
    client = await client_factory(model_max_input_bytes=100)

    response = await invoke(client, fraud_inputs([[1.0, 2.0, 3]] * 10))

    error = assert_error(response, 400, "INVALID_INPUT")
    assert "bytes" in error["message"]
    assert "limit is 100 bytes" in error["message"]
    assert invocations(fake) == []


async def test_timeout_outside_1_to_300_seconds_is_refused(client: httpx.AsyncClient) -> None:
    response = await invoke(client, fraud_inputs(), timeout_seconds=301)

    assert_error(response, 400, "INVALID_REQUEST")


async def test_not_ready_endpoint_is_409_without_invoking(
    client: httpx.AsyncClient, database: Database, fake: FakeWorkspace
) -> None:
    response = await invoke(client, fraud_inputs(), WARMING_UP.name)

    assert_error(response, 409, "ENDPOINT_NOT_READY")
    assert invocations(fake, WARMING_UP.name) == []
    [row] = await log_rows(database)
    assert row.status == "ERROR"


async def test_invoking_a_missing_endpoint_is_404(client: httpx.AsyncClient) -> None:
    response = await invoke(client, fraud_inputs(), "no-such-model")

    assert_error(response, 404, "ENDPOINT_NOT_FOUND")


async def test_invoking_an_impossible_endpoint_name_is_404_without_calls(
    client: httpx.AsyncClient, fake: FakeWorkspace
) -> None:
    response = await invoke(client, fraud_inputs(), "../api/2.0/secrets")

    assert_error(response, 404, "ENDPOINT_NOT_FOUND")
    assert fake.requests.for_route(Route.SERVING_GET) == []


async def test_model_refusing_the_input_is_400_with_its_message(
    client: httpx.AsyncClient, database: Database
) -> None:
    response = await invoke(client, fraud_inputs([["lots", 0.5, 1]]))

    error = assert_error(response, 400, "INVALID_INPUT")
    assert "Incompatible input types for column amount" in error["message"]
    assert error["details"]["model_error_code"] == "BAD_REQUEST"
    [row] = await log_rows(database)
    assert row.status == "ERROR"
    assert "amount" in (row.error_message or "")


async def test_slow_model_times_out_once_and_is_logged(
    client: httpx.AsyncClient, database: Database, fake: FakeWorkspace, clock: FakeClock
) -> None:
    # The model answers only when the test ends: the app's own 1 s budget must end the call.
    fake.faults.hang(Route.INVOCATIONS, seconds=60, target=FRAUD_DETECTOR.name)
    answer = asyncio.create_task(invoke(client, fraud_inputs(), timeout_seconds=1))
    await until(
        lambda: invocations(fake) and clock.pending_timeouts == 1,
        what="the invocation to reach the model",
    )

    clock.advance(0.99)
    await asyncio.sleep(0)  # one turn of the loop: a timeout that had fired would show now
    assert not answer.done()
    clock.advance(0.01)
    response = await answer

    error = assert_error(response, 503, "MODEL_TIMEOUT")
    assert error["retry_after"] >= 1
    assert error["details"] == {"timeout_seconds": 1}
    assert len(invocations(fake)) == 1
    [row] = await log_rows(database)
    assert row.status == "TIMEOUT"


@pytest.mark.parametrize(
    ("status", "failures", "attempts"),
    [
        pytest.param(503, 1, 3, id="503-once"),
        pytest.param(429, 2, 3, id="429-twice"),
        pytest.param(503, 2, 3, id="503-twice"),
        pytest.param(503, 4, 5, id="503-four-times-of-five-attempts"),
    ],
)
async def test_busy_model_answers_after_retries_and_is_logged_once(
    client_factory,
    database: Database,
    fake: FakeWorkspace,
    clock: FakeClock,
    status: int,
    failures: int,
    attempts: int,
) -> None:
    client = await client_factory(model_retry_attempts=attempts)
    fake.faults.fail_next(
        Route.INVOCATIONS,
        times=failures,
        status=status,
        error_code="REQUEST_LIMIT_EXCEEDED",
        retry_after=1,
    )

    response = await invoke(client, fraud_inputs())

    assert response.status_code == 200, response.text
    assert response.json()["predictions"] == [fraud_score(*row) for row in FRAUD_ROWS]
    calls = fake.requests.for_route(Route.INVOCATIONS, FRAUD_DETECTOR.name)
    assert [c.status for c in calls] == [status] * failures + [200]
    assert {(c.bearer_token, c.body) for c in calls} == {(ALICE.token, calls[0].body)}
    assert clock.sleeps == [1] * failures  # what Retry-After asked, before each new attempt
    logs = (await client.get("/api/model-serving/logs", headers=auth(ALICE.token))).json()
    assert [(i["request_id"], i["status"]) for i in logs["items"]] == [
        (response.json()["request_id"], "SUCCESS")
    ]
    assert [r.status for r in await log_rows(database)] == ["SUCCESS"]


async def test_busy_model_without_retry_after_backs_off(
    client: httpx.AsyncClient, fake: FakeWorkspace, clock: FakeClock
) -> None:
    fake.faults.fail_next(
        Route.INVOCATIONS, times=2, status=503, error_code="TEMPORARILY_UNAVAILABLE"
    )

    response = await invoke(client, fraud_inputs())

    assert response.status_code == 200, response.text
    assert len(invocations(fake)) == 3
    assert clock.sleeps == [0.5, 1.0]  # exponential back-off from half a second


async def test_retry_after_is_capped_by_the_longest_wait_allowed(
    client_factory, fake: FakeWorkspace, clock: FakeClock
) -> None:
    client = await client_factory(model_retry_max_wait_seconds=2)
    fake.faults.fail_next(
        Route.INVOCATIONS, status=429, error_code="REQUEST_LIMIT_EXCEEDED", retry_after=3600
    )

    response = await invoke(client, fraud_inputs())

    assert response.status_code == 200, response.text
    assert clock.sleeps == [2]


async def test_exhausted_retries_give_503_model_unavailable(
    client: httpx.AsyncClient, database: Database, fake: FakeWorkspace, clock: FakeClock
) -> None:
    fake.faults.fail_next(
        Route.INVOCATIONS, times=5, status=429, error_code="REQUEST_LIMIT_EXCEEDED", retry_after=7
    )

    response = await invoke(client, fraud_inputs())

    error = assert_error(response, 503, "MODEL_UNAVAILABLE")
    assert error["retry_after"] == 7
    assert len(invocations(fake)) == 3
    assert clock.sleeps == [7, 7]  # no wait after the last attempt
    assert [r.status for r in await log_rows(database)] == ["ERROR"]


@pytest.mark.parametrize(
    ("status", "error_code", "ours", "our_status"),
    [
        pytest.param(500, "INTERNAL_ERROR", "MODEL_ERROR", 502, id="500"),
        pytest.param(504, "DEADLINE_EXCEEDED", "MODEL_TIMEOUT", 503, id="504"),
        pytest.param(404, "RESOURCE_DOES_NOT_EXIST", "ENDPOINT_NOT_FOUND", 404, id="404"),
        pytest.param(403, "PERMISSION_DENIED", "PERMISSION_DENIED", 403, id="403"),
        pytest.param(401, "UNAUTHENTICATED", "AUTH_INVALID", 401, id="401"),
    ],
)
async def test_model_failures_are_mapped_and_not_retried(
    client: httpx.AsyncClient,
    fake: FakeWorkspace,
    status: int,
    error_code: str,
    ours: str,
    our_status: int,
) -> None:
    fake.faults.fail_next(Route.INVOCATIONS, status=status, error_code=error_code)

    response = await invoke(client, fraud_inputs())

    assert_error(response, our_status, ours)
    assert len(invocations(fake)) == 1


async def test_dropped_connection_is_503_and_not_retried(
    client: httpx.AsyncClient, database: Database, fake: FakeWorkspace
) -> None:
    fake.faults.drop_connection(Route.INVOCATIONS)

    response = await invoke(client, fraud_inputs())

    assert_error(response, 503, "MODEL_UNAVAILABLE")
    assert len(invocations(fake)) == 1
    assert [r.status for r in await log_rows(database)] == ["ERROR"]
