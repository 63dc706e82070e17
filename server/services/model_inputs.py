"""Checks and encoding of what callers send to a serving endpoint: names and input bodies."""

from __future__ import annotations

import unicodedata
from typing import Any

from server.errors import AppError, ErrorCode
from server.json_text import canonical_json
from server.models.model_input_schema import BODIES, LLM_FORMATS, TABULAR_FORMATS
from server.models.model_serving import ENDPOINT_NAME_MAX_LENGTH
from server.services.json_schema_check import problem, readable

_FORMATS_TEXT = (
    f"{', '.join(TABULAR_FORMATS[:-1])} or {TABULAR_FORMATS[-1]} (custom models, optional params),"
    f" or {', '.join(LLM_FORMATS[:-1])} or {LLM_FORMATS[-1]} (chat, completions, embeddings)"
)
# Per format, the fields its body may hold and the schema of each (`BODIES`, as published).
_FIELDS: dict[str, dict[str, Any]] = {
    key: {name: readable(schema) for name, schema in body["properties"].items()}
    for key, body in BODIES.items()
}
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
        return f"The endpoint name must have 1 to {ENDPOINT_NAME_MAX_LENGTH} characters."
    for char in name:
        if char not in _ENDPOINT_NAME_PUNCTUATION and unicodedata.category(char)[0] not in "LN":
            return f"The endpoint name contains {char!r}; only letters, digits, - _ . are allowed."
    return None


def _row_length_problem(split: dict[str, Any]) -> str | None:
    """The one rule JSON Schema cannot state: with columns, each row has one value per column."""
    columns = split.get("columns")
    if columns is None:
        return None
    for position, row in enumerate(split["data"]):
        if len(row) != len(columns):
            return (
                f"dataframe_split.data[{position}] has {len(row)} values for "
                f"{len(columns)} columns."
            )
    return None


def input_problem(inputs: Any) -> str | None:
    """Why `inputs` is not a body a serving endpoint accepts, or None when it is.

    The schema's `oneOf` is told apart here, by the one format key a body holds, so the reason
    names what was sent; each field is then checked against its published schema.
    """
    if not isinstance(inputs, dict):
        return f"inputs must be a JSON object with exactly one of {_FORMATS_TEXT}."
    present = [k for k in BODIES if k in inputs]
    if not present:
        keys = ", ".join(sorted(inputs)) or "none"
        return f"inputs must hold exactly one of {_FORMATS_TEXT}; got keys: {keys}."
    if len(present) > 1:
        return f"inputs holds {' and '.join(present)}; send exactly one of them."
    key = present[0]
    fields = _FIELDS[key]
    unexpected = sorted(set(inputs) - set(fields))
    if unexpected:
        return f"Unexpected keys next to {key}: {', '.join(unexpected)}."
    for name, schema in fields.items():
        found = problem(inputs[name], schema, name) if name in inputs else None
        if found is not None:
            return found
    return _row_length_problem(inputs[key]) if key == "dataframe_split" else None


def encode_inputs(inputs: Any, max_bytes: int) -> bytes:
    """The request body for `inputs` (UTF-8 JSON); INVALID_INPUT if badly shaped or too big."""
    reason = input_problem(inputs)
    if reason is not None:
        raise AppError(ErrorCode.INVALID_INPUT, reason, details=[{"field": "inputs"}])
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
