"""What each seeded model computes for an invocation body (deterministic, see ``reference``)."""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Mapping
from typing import Any

from fake_workspace.errors import bad_request
from fake_workspace.model_inputs import INPUT_FIELDS, enforce_schema, select_input, to_rows
from fake_workspace.reference.endpoints import (
    chat_reply,
    embedding,
    fraud_score,
    pair_sum,
    untyped_score,
    word_count,
)
from fake_workspace.reference.specs import EndpointDef, ModelKind

_CHAT_ROLES = frozenset({"system", "user", "assistant", "tool"})


def _finite(predictions: list[float]) -> dict[str, Any]:
    """JSON has no Infinity/NaN: like a real scoring server whose model fails to evaluate, the
    fake answers 400 BAD_REQUEST rather than raising (which check_errors() would report)."""
    if not all(math.isfinite(p) for p in predictions):
        raise bad_request(
            "Encountered an unexpected error while evaluating the model: a prediction is not "
            "a finite number (the inputs are too large)."
        )
    return {"predictions": predictions}


def _predict(endpoint: EndpointDef, body: Mapping[str, Any]) -> dict[str, Any]:
    try:
        return _finite(_predictions(endpoint, body))
    except OverflowError:  # an integer input too large for a double
        return _finite([math.inf])


def _predictions(endpoint: EndpointDef, body: Mapping[str, Any]) -> list[float]:
    if "messages" in body or "input" in body:
        raise bad_request(
            f"Endpoint '{endpoint.name}' serves a custom model: send one of {list(INPUT_FIELDS)}."
        )
    field, value = select_input(body)
    rows = to_rows(field, value)
    if endpoint.input_schema is None:
        return [untyped_score(row) for row in rows]
    named = enforce_schema(rows, endpoint.input_schema)
    if endpoint.kind is ModelKind.PAIR_SUM:
        return [pair_sum(r["x"], r["y"]) for r in named]
    return [fraud_score(r["amount"], r["merchant_score"], r["hour"]) for r in named]


def _last_user_message(messages: Any) -> tuple[str, int]:
    if not isinstance(messages, list) or not messages:
        raise bad_request("'messages' must be a non-empty list of {role, content} objects.")
    prompt_tokens, last_user = 0, None
    for message in messages:
        if (
            not isinstance(message, dict)
            or message.get("role") not in _CHAT_ROLES
            or not isinstance(message.get("content"), str)
        ):
            raise bad_request(
                "Every message needs a role (system|user|assistant|tool) and content."
            )
        prompt_tokens += word_count(message["content"])
        if message["role"] == "user":
            last_user = message["content"]
    if last_user is None:
        raise bad_request("'messages' must contain at least one user message.")
    return last_user, prompt_tokens


def _chat(endpoint: EndpointDef, body: Mapping[str, Any]) -> dict[str, Any]:
    if any(k in body for k in INPUT_FIELDS) or "messages" not in body:
        raise bad_request(f"Endpoint '{endpoint.name}' is a chat model: send 'messages'.")
    if body.get("stream"):
        raise bad_request("Streaming responses are not supported by the fake workspace.")
    max_tokens = body.get("max_tokens")
    if max_tokens is not None and (not isinstance(max_tokens, int) or max_tokens < 1):
        raise bad_request("'max_tokens' must be a positive integer.")
    temperature = body.get("temperature", 1.0)
    if not isinstance(temperature, int | float) or not 0 <= temperature <= 2:
        raise bad_request("'temperature' must be a number between 0 and 2.")
    last_user, prompt_tokens = _last_user_message(body["messages"])
    content, finish_reason = chat_reply(last_user, max_tokens)
    completion_tokens = word_count(content)
    return {
        "id": f"chatcmpl-{uuid.uuid4().hex}",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": endpoint.foundation_model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "finish_reason": finish_reason,
                "logprobs": None,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def _embed(endpoint: EndpointDef, body: Mapping[str, Any]) -> dict[str, Any]:
    value = body.get("input")
    texts = [value] if isinstance(value, str) else value
    if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
        raise bad_request(f"Endpoint '{endpoint.name}' needs 'input': a string or strings.")
    tokens = sum(word_count(t) for t in texts)
    return {
        "object": "list",
        "model": endpoint.foundation_model,
        "data": [
            {"object": "embedding", "index": i, "embedding": embedding(t)}
            for i, t in enumerate(texts)
        ],
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }


def invoke(endpoint: EndpointDef, body: Any) -> dict[str, Any]:
    """The JSON answer of ``POST /serving-endpoints/{name}/invocations``."""
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.")
    if endpoint.kind is ModelKind.CHAT_ECHO:
        return _chat(endpoint, body)
    if endpoint.kind is ModelKind.EMBEDDING:
        return _embed(endpoint, body)
    return _predict(endpoint, body)
