"""Model answers as API responses: JSON required, the chat message pulled out when present."""

from __future__ import annotations

import httpx
import pytest

from server.errors import AppError, ErrorCode
from server.services.serving_shapes import invoke_response


def test_model_answer_that_is_not_json_is_a_model_error() -> None:
    with pytest.raises(AppError) as caught:
        invoke_response("r", "m", httpx.Response(200, text="<html>"), 1.0)

    assert caught.value.code is ErrorCode.MODEL_ERROR


def test_chat_answer_without_a_message_has_none() -> None:
    answer = invoke_response("r", "m", httpx.Response(200, json={"choices": [{"text": "t"}]}), 1)

    assert answer.message is None
    assert answer.output == {"choices": [{"text": "t"}]}
