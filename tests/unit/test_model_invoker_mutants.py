"""Model error bodies the fake workspace never sends (it speaks only Databricks' envelope) but
model servers do: which of their fields becomes the message a client reads."""

from __future__ import annotations

import httpx
import pytest

from server.errors import ErrorCode
from server.services.model_invoker import model_failure


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
        pytest.param({"message": 42}, '{"message":42}', id="non-text-message-gives-the-body"),
        pytest.param(
            {"message": "", "error": "e"}, '{"message":"","error":"e"}', id="empty-message-body"
        ),
    ],
)
def test_which_field_of_a_model_error_the_client_reads(body: object, message: str) -> None:
    response = httpx.Response(500, json=body)

    error = model_failure(response)

    assert error.code is ErrorCode.MODEL_ERROR
    assert error.message == f"The model failed: {message}"


def test_an_error_code_that_is_not_text_is_left_out_of_the_details() -> None:
    error = model_failure(httpx.Response(400, json={"message": "no", "error_code": 7}))

    assert error.details == {"model_status": 400, "model_error_code": None}
