"""The caller's inference log after calls that fail, through the API: each failure is one row
with its status, our message and the size of what was sent."""

from __future__ import annotations

import httpx
import pytest

from fake_workspace.reference import FRAUD_DETECTOR, WARMING_UP
from fake_workspace.reference.identities import ALICE
from fake_workspace.routes import Route
from fake_workspace.server import FakeWorkspace
from server.json_text import canonical_json
from tests.harness import auth
from tests.integration.api import MS, fraud_inputs, invoke
from tests.integration.expectations import assert_error

pytestmark = pytest.mark.fake_only

INPUTS = fraud_inputs([[1, 2, 3]])


async def my_log(client: httpx.AsyncClient) -> list[dict[str, object]]:
    response = await client.get(f"{MS}/logs", headers=auth(ALICE.token))
    assert response.status_code == 200, response.text
    items: list[dict[str, object]] = response.json()["items"]
    return items


async def test_a_model_failure_is_one_error_row_with_our_message(
    client: httpx.AsyncClient, fake: FakeWorkspace
) -> None:
    fake.faults.fail_next(Route.INVOCATIONS, status=500, error_code="E", message="kaput")

    error = assert_error(await invoke(client, INPUTS, FRAUD_DETECTOR.name), 502, "MODEL_ERROR")

    [row] = await my_log(client)
    assert row["status"] == "ERROR"
    assert row["error_message"] == error["message"] == "The model failed: kaput"
    assert row["endpoint_name"] == FRAUD_DETECTOR.name
    assert row["input_bytes"] == len(canonical_json(INPUTS).encode())


async def test_a_model_timeout_is_logged_as_timeout(
    client: httpx.AsyncClient, fake: FakeWorkspace
) -> None:
    fake.faults.fail_next(Route.INVOCATIONS, status=504, error_code="DEADLINE_EXCEEDED")

    assert_error(await invoke(client, INPUTS, FRAUD_DETECTOR.name), 503, "MODEL_TIMEOUT")

    [row] = await my_log(client)
    assert (row["status"], row["error_message"]) == ("TIMEOUT", "The model did not answer in time.")


async def test_an_endpoint_not_ready_is_409_and_logged_without_calling_the_model(
    client: httpx.AsyncClient, fake: FakeWorkspace
) -> None:
    error = assert_error(await invoke(client, INPUTS, WARMING_UP.name), 409, "ENDPOINT_NOT_READY")

    message = "The serving endpoint is not ready yet; try again once it is READY."
    assert error["message"] == message
    [row] = await my_log(client)
    assert (row["status"], row["error_message"]) == ("ERROR", message)
    assert fake.requests.for_route(Route.INVOCATIONS, WARMING_UP.name) == []


async def test_a_successful_call_is_logged_without_an_error(client: httpx.AsyncClient) -> None:
    response = await invoke(client, INPUTS, FRAUD_DETECTOR.name)

    assert response.status_code == 200, response.text
    [row] = await my_log(client)
    assert (row["status"], row["error_message"]) == ("SUCCESS", None)
    assert row["request_id"] == response.json()["request_id"]
