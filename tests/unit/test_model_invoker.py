"""Invocation helpers: Retry-After parsing, the model's error message, failure mapping."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx
import pytest

from server.errors import ErrorCode
from server.services.model_invoker import model_error_message, model_failure, parse_retry_after


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        pytest.param("3", 3.0, id="seconds"),
        pytest.param(" 1.5 ", 1.5, id="fractional"),
        pytest.param("-4", 0.0, id="negative"),
        pytest.param("Mon, 01 Jan 2024 00:00:10 GMT", 10.0, id="http-date"),
        pytest.param("soon", None, id="garbage"),
        pytest.param("inf", None, id="infinite"),
        pytest.param("", None, id="empty"),
        pytest.param(None, None, id="absent"),
    ],
)
def test_retry_after_is_parsed(header: str | None, seconds: float | None) -> None:
    now = datetime(2024, 1, 1, tzinfo=UTC)

    assert parse_retry_after(header, now) == seconds


@pytest.mark.parametrize(
    ("response", "message", "code"),
    [
        pytest.param(
            httpx.Response(400, json={"error_code": "BAD_REQUEST", "message": "bad column"}),
            "bad column",
            "BAD_REQUEST",
            id="databricks-envelope",
        ),
        pytest.param(
            httpx.Response(422, json={"error": {"message": "too long", "type": "x"}}),
            "too long",
            None,
            id="openai-envelope",
        ),
        pytest.param(httpx.Response(400, json={"error": "no"}), "no", None, id="error-string"),
        pytest.param(httpx.Response(500, text=" boom \n"), "boom", None, id="plain-text"),
        pytest.param(httpx.Response(502), "HTTP 502", None, id="empty"),
    ],
)
def test_model_error_message_is_found_in_any_envelope(
    response: httpx.Response, message: str, code: str | None
) -> None:
    assert model_error_message(response) == (message, code)


@pytest.mark.parametrize(
    ("status", "code"),
    [
        pytest.param(408, ErrorCode.MODEL_TIMEOUT, id="408"),
        pytest.param(409, ErrorCode.INVALID_INPUT, id="409"),
        pytest.param(501, ErrorCode.MODEL_ERROR, id="501"),
    ],
)
def test_model_failures_map_to_our_codes(status: int, code: ErrorCode) -> None:
    assert model_failure(httpx.Response(status, text="x")).code is code


# -- Model error bodies the fake workspace never sends (it speaks only Databricks' envelope) but
# model servers do: which of their fields becomes the message a client reads.
@pytest.mark.parametrize(
    ("body", "message"),
    [
        pytest.param(
            {"message": "from message", "error": "from error"}, "from message", id="message-wins"
        ),
        pytest.param(
            {"message": "from message", "error": {"message": "nested"}},
            "from message",
            id="message-beats-nested",
        ),
        pytest.param({"message": None, "error": "from error"}, "from error", id="error-string"),
        pytest.param({"error": {"message": "nested"}}, "nested", id="nested-only"),
        pytest.param({"message": 42}, '{"message": 42}', id="non-text-message-gives-the-body"),
        pytest.param(
            {"message": "", "error": "e"}, '{"message": "", "error": "e"}', id="empty-message-body"
        ),
    ],
)
def test_which_field_of_a_model_error_the_client_reads(body: object, message: str) -> None:
    # The bytes the model sent, written here (not by httpx's json=, whose spacing changed in
    # 0.28): a body without a usable message reaches the client exactly as it came.
    received = json.dumps(body).encode()
    response = httpx.Response(500, content=received, headers={"content-type": "application/json"})

    error = model_failure(response)

    assert error.code is ErrorCode.MODEL_ERROR
    assert error.message == f"The model failed: {message}"


def test_an_error_code_that_is_not_text_is_left_out_of_the_details() -> None:
    error = model_failure(httpx.Response(400, json={"message": "no", "error_code": 7}))

    assert error.details == {"model_status": 400, "model_error_code": None}
