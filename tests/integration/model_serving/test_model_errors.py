"""What a client reads when a model fails, through the API: the status, the code, the exact
message (the model's own words cut at 1,000 characters) and the details."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from fake_workspace import FakeWorkspace, Route
from tests.integration.api import fraud_inputs, invoke
from tests.integration.expectations import assert_error

pytestmark = pytest.mark.fake_only

INPUTS = fraud_inputs([[1, 2, 3]])


@pytest.mark.parametrize(
    ("status", "ours", "our_status", "message"),
    [
        pytest.param(
            404, "ENDPOINT_NOT_FOUND", 404, "The serving endpoint was not found.", id="404"
        ),
        pytest.param(
            403,
            "PERMISSION_DENIED",
            403,
            "You do not have permission to query this endpoint.",
            id="403",
        ),
        pytest.param(401, "AUTH_INVALID", 401, "Databricks rejected the access token.", id="401"),
        pytest.param(408, "MODEL_TIMEOUT", 503, "The model did not answer in time.", id="408"),
        pytest.param(504, "MODEL_TIMEOUT", 503, "The model did not answer in time.", id="504"),
    ],
)
async def test_model_failures_have_our_own_words(
    client: httpx.AsyncClient,
    fake: FakeWorkspace,
    status: int,
    ours: str,
    our_status: int,
    message: str,
) -> None:
    fake.faults.fail_next(Route.INVOCATIONS, status=status, error_code="X", message="model words")

    error = assert_error(await invoke(client, INPUTS), our_status, ours)

    assert error["message"] == message


@pytest.mark.parametrize(
    ("status", "ours", "our_status", "prefix"),
    [
        pytest.param(422, "INVALID_INPUT", 400, "The model refused the input: ", id="422"),
        pytest.param(400, "INVALID_INPUT", 400, "The model refused the input: ", id="400"),
        pytest.param(500, "MODEL_ERROR", 502, "The model failed: ", id="500"),
    ],
)
async def test_model_refusals_carry_its_message_status_and_code(
    client: httpx.AsyncClient,
    fake: FakeWorkspace,
    status: int,
    ours: str,
    our_status: int,
    prefix: str,
) -> None:
    fake.faults.fail_next(
        Route.INVOCATIONS, status=status, error_code="MODEL_SAID_NO", message="column amount?"
    )

    error = assert_error(await invoke(client, INPUTS), our_status, ours)

    assert error["message"] == prefix + "column amount?"
    assert error["details"] == {"model_status": status, "model_error_code": "MODEL_SAID_NO"}


@pytest.mark.parametrize(
    ("length", "kept"), [(999, 999), (1000, 1000), (1001, 1000)], ids=["999", "1000", "1001"]
)
async def test_the_models_message_is_cut_at_1000_characters(
    client: httpx.AsyncClient, fake: FakeWorkspace, length: int, kept: int
) -> None:
    words: Any = "".join(chr(ord("a") + i % 26) for i in range(length))
    fake.faults.fail_next(Route.INVOCATIONS, status=500, error_code="E", message=words)

    error = assert_error(await invoke(client, INPUTS), 502, "MODEL_ERROR")

    assert error["message"] == "The model failed: " + words[:kept]
