"""The JSON Schema of the model inputs `services.model_inputs.input_problem` accepts, built from
that module's own constants, so the OpenAPI document (`InvokeRequest.inputs`) and the check cannot
drift apart. It says all JSON Schema can, not: that every dataframe_split row has one value per
column."""

from __future__ import annotations

from typing import Any

from server.services.model_inputs import (
    DATAFRAME_SPLIT_KEYS,
    LLM_FORMATS,
    LLM_PARAMETERS,
    NON_NEGATIVE_PARAMETERS,
    TABULAR_FORMATS,
    TABULAR_PARAMETERS,
)

_TEXT_OR_LIST: dict[str, Any] = {"anyOf": [{"type": "string"}, {"type": "array", "minItems": 1}]}
_MESSAGE: dict[str, Any] = {
    "type": "object",
    "required": ["role"],
    "properties": {"role": {"type": "string"}},
    "anyOf": [
        {"required": ["tool_calls"]},
        {"required": ["content"], "properties": {"content": {"type": ["string", "array"]}}},
    ],
}
# The value each format's key holds; a format without an entry fails at import.
_FORMAT_VALUES: dict[str, dict[str, Any]] = {
    "dataframe_split": {
        "type": "object",
        "required": ["data"],
        "properties": {
            **{key: {} for key in sorted(DATAFRAME_SPLIT_KEYS)},
            "columns": {"type": "array", "items": {"type": "string"}},
            "data": {"type": "array", "items": {"type": "array"}},
        },
        "additionalProperties": False,
    },
    "dataframe_records": {"type": "array", "minItems": 1, "items": {"type": "object"}},
    "instances": {"type": "array", "minItems": 1},
    "inputs": {"not": {"type": "null"}},
    "messages": {"type": "array", "minItems": 1, "items": _MESSAGE},
    "prompt": _TEXT_OR_LIST,
    "input": _TEXT_OR_LIST,
}


# Both run only at import, before mutmut can switch a mutant on; the test named checks the result.
# pragma: no mutate start - import time (openapi/test_document.py: the inputs schema)
def _parameters(names: frozenset[str], typed: dict[str, Any]) -> dict[str, Any]:
    """`names` as properties: any value, unless `typed` says more."""
    return {name: typed.get(name, {}) for name in sorted(names)}


_TABULAR = _parameters(TABULAR_PARAMETERS, {"params": {"type": "object"}})
_LLM = _parameters(
    LLM_PARAMETERS,
    {
        "max_tokens": {"type": ["integer", "null"], "minimum": 1},
        "stream": {"enum": [False, None]},
        **{name: {"type": ["number", "null"], "minimum": 0} for name in NON_NEGATIVE_PARAMETERS},
    },
)


def _body(key: str, others: dict[str, Any]) -> dict[str, Any]:
    """An `inputs` body holding `key` and nothing but the fields allowed next to it."""
    return {
        "type": "object",
        "required": [key],
        "properties": {key: _FORMAT_VALUES[key], **others},
        "additionalProperties": False,
    }


# pragma: no mutate end


INPUTS_SCHEMA: dict[str, Any] = {
    "oneOf": [
        *(_body(key, _TABULAR) for key in TABULAR_FORMATS),
        *(_body(key, _LLM) for key in LLM_FORMATS),
    ]
}
