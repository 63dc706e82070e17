"""Checks and encoding of what callers send to a serving endpoint: names and input bodies."""

from __future__ import annotations

import unicodedata
from typing import Any

from server.errors import AppError, ErrorCode
from server.json_text import canonical_json

# These constants are the rules; `server.models.model_input_schema` states them as JSON Schema.
ENDPOINT_NAME_MAX_LENGTH = 255
TABULAR_FORMATS = ("dataframe_split", "dataframe_records", "instances", "inputs")
LLM_FORMATS = ("messages", "prompt", "input")
DATAFRAME_SPLIT_KEYS = frozenset({"columns", "data", "index"})
# Accepted next to any format: serving uses them for inference tables.
COMMON_FIELDS = frozenset({"client_request_id", "usage_context"})
TABULAR_PARAMETERS = COMMON_FIELDS | frozenset({"params"})
# Generation parameters checked as numbers, 0 or more (max_tokens and stream have their own).
NON_NEGATIVE_PARAMETERS = ("temperature", "top_p")
LLM_PARAMETERS = COMMON_FIELDS | frozenset(
    {
        "max_tokens",
        "temperature",
        "top_p",
        "top_k",
        "n",
        "stop",
        "stream",
        "seed",
        "presence_penalty",
        "frequency_penalty",
        "logprobs",
        "top_logprobs",
        "response_format",
        "tools",
        "tool_choice",
        "extra_params",
        "encoding_format",
        "dimensions",
        "user",
    }
)
_FORMATS_TEXT = (
    "dataframe_split, dataframe_records, instances or inputs (custom models, optional params), "
    "or messages, prompt or input (chat, completions, embeddings)"
)
_ENDPOINT_NAME_PUNCTUATION = frozenset("-_.")


def endpoint_not_found() -> AppError:
    """The one answer for an endpoint that does not exist, whichever step finds out."""
    return AppError(ErrorCode.ENDPOINT_NOT_FOUND, "The serving endpoint was not found.")


def check_endpoint_name(name: str) -> str:
    """`name` itself; ENDPOINT_NOT_FOUND when it cannot name an endpoint (no call is made)."""
    if endpoint_name_problem(name) is not None:
        raise endpoint_not_found()
    return name


def endpoint_name_problem(name: str) -> str | None:
    """Why `name` cannot be a serving endpoint name (letters, digits, - _ .), or None."""
    if not name or len(name) > ENDPOINT_NAME_MAX_LENGTH or name in (".", ".."):
        return "The endpoint name must have 1 to 255 characters."
    for char in name:
        if char not in _ENDPOINT_NAME_PUNCTUATION and unicodedata.category(char)[0] not in "LN":
            return f"The endpoint name contains {char!r}; only letters, digits, - _ . are allowed."
    return None


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_whole(value: Any) -> bool:
    """An integer as JSON Schema counts them: 2 and 2.0 alike, never true."""
    return _is_int(value) or (isinstance(value, float) and value.is_integer())


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _dataframe_split_problem(split: Any) -> str | None:
    if not isinstance(split, dict) or not isinstance(split.get("data"), list):
        return 'dataframe_split must be an object with "data": a list of rows.'
    unknown = set(split) - DATAFRAME_SPLIT_KEYS
    if unknown:
        return f"dataframe_split has unexpected keys: {', '.join(sorted(unknown))}."
    columns = split.get("columns")
    if columns is not None and (
        not isinstance(columns, list) or not all(isinstance(c, str) for c in columns)
    ):
        return "dataframe_split.columns must be a list of column names."
    for position, row in enumerate(split["data"]):
        if not isinstance(row, list):
            return f"dataframe_split.data[{position}] must be a list of values."
        if columns is not None and len(row) != len(columns):
            return (
                f"dataframe_split.data[{position}] has {len(row)} values for "
                f"{len(columns)} columns."
            )
    return None


def _tabular_problem(key: str, inputs: dict[str, Any]) -> str | None:
    extra = set(inputs) - {key} - TABULAR_PARAMETERS
    if extra:
        return f"Unexpected keys next to {key}: {', '.join(sorted(extra))}."
    if "params" in inputs and not isinstance(inputs["params"], dict):
        return "params must be an object."
    value = inputs[key]
    if key == "dataframe_split":
        return _dataframe_split_problem(value)
    if key == "dataframe_records" and (
        not isinstance(value, list) or not value or not all(isinstance(r, dict) for r in value)
    ):
        return "dataframe_records must be a non-empty list of objects (one per row)."
    if key == "instances" and (not isinstance(value, list) or not value):
        return "instances must be a non-empty list."
    if key == "inputs" and value is None:
        return "inputs must not be null."
    return None


def _messages_problem(messages: Any) -> str | None:
    if not isinstance(messages, list) or not messages:
        return "messages must be a non-empty list of {role, content} objects."
    for position, message in enumerate(messages):
        if not isinstance(message, dict) or not isinstance(message.get("role"), str):
            return f"messages[{position}] must be an object with a string role."
        content = message.get("content")
        if not isinstance(content, str | list) and "tool_calls" not in message:
            return f"messages[{position}].content must be text (or a list of content parts)."
    return None


def _llm_problem(key: str, inputs: dict[str, Any]) -> str | None:
    extra = set(inputs) - {key} - LLM_PARAMETERS
    if extra:
        return f"Unexpected keys next to {key}: {', '.join(sorted(extra))}."
    stream = inputs.get("stream")
    if stream is not None and stream is not False:  # as declared: 0, "" or {} are not false
        return "Streaming is not supported; leave stream out (or send false or null)."
    max_tokens = inputs.get("max_tokens")
    if max_tokens is not None and not (_is_whole(max_tokens) and max_tokens >= 1):
        return "max_tokens must be a positive integer."
    for name in NON_NEGATIVE_PARAMETERS:
        value = inputs.get(name)
        if value is not None and not (_is_number(value) and value >= 0):
            return f"{name} must be a number, 0 or more."
    value = inputs[key]
    if key == "messages":
        return _messages_problem(value)
    if isinstance(value, str) or (isinstance(value, list) and value):
        return None
    return f"{key} must be text or a non-empty list."


def input_problem(inputs: Any) -> str | None:
    """Why `inputs` is not a body a serving endpoint accepts, or None when it is."""
    if not isinstance(inputs, dict):
        return f"inputs must be a JSON object with exactly one of {_FORMATS_TEXT}."
    present = [k for k in (*TABULAR_FORMATS, *LLM_FORMATS) if k in inputs]
    if not present:
        keys = ", ".join(sorted(inputs)) or "none"
        return f"inputs must hold exactly one of {_FORMATS_TEXT}; got keys: {keys}."
    if len(present) > 1:
        return f"inputs holds {' and '.join(present)}; send exactly one of them."
    key = present[0]
    if key in TABULAR_FORMATS:
        return _tabular_problem(key, inputs)
    return _llm_problem(key, inputs)


def encode_inputs(inputs: Any, max_bytes: int) -> bytes:
    """The request body for `inputs` (UTF-8 JSON); INVALID_INPUT if badly shaped or too big."""
    problem = input_problem(inputs)
    if problem is not None:
        raise AppError(ErrorCode.INVALID_INPUT, problem, details=[{"field": "inputs"}])
    if isinstance(inputs.get("max_tokens"), float):  # 64.0 is 64 to JSON Schema; send 64
        inputs = {**inputs, "max_tokens": int(inputs["max_tokens"])}
    try:
        body = canonical_json(inputs).encode("utf-8")
    except ValueError as exc:  # NaN/Infinity, or a lone surrogate (UnicodeEncodeError)
        raise AppError(
            ErrorCode.INVALID_INPUT,
            "inputs must be plain JSON text (no NaN, Infinity or lone surrogates).",
            details=[{"field": "inputs"}],
        ) from exc
    if len(body) > max_bytes:
        raise AppError(
            ErrorCode.INVALID_INPUT,
            f"inputs is {len(body)} bytes once encoded as JSON; the limit is {max_bytes} bytes.",
            details=[{"field": "inputs", "size_bytes": len(body), "limit_bytes": max_bytes}],
        )
    return body
