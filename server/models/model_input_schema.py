"""The rules of a model's `inputs`, stated once as the JSON Schema the OpenAPI document publishes
(`InvokeRequest.inputs`) and `services.model_inputs` checks requests against.

Each subschema that can refuse a value says in its `description` what the value must be: the
check completes "<where> must be ..." with it, so the reason a caller reads is the rule the
document states. The one rule JSON Schema cannot state (a dataframe_split row has one value per
column) is checked by hand in `services.model_inputs`.
"""

from __future__ import annotations

from typing import Any

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

_TEXT_OR_LIST: dict[str, Any] = {
    "anyOf": [{"type": "string"}, {"type": "array", "minItems": 1}],
    "description": "text or a non-empty list",
}
_MESSAGE: dict[str, Any] = {
    "type": "object",
    "required": ["role"],
    "properties": {"role": {"type": "string", "description": "text"}},
    "anyOf": [
        {"required": ["tool_calls"]},
        {"required": ["content"], "properties": {"content": {"type": ["string", "array"]}}},
    ],
    "description": (
        "an object with a string role and content: text or a list of content parts "
        "(or tool_calls instead)"
    ),
}
# The value each format's key holds; a format without an entry fails at import.
_FORMAT_VALUES: dict[str, dict[str, Any]] = {
    "dataframe_split": {
        "type": "object",
        "required": ["data"],
        "properties": {
            **{key: {} for key in sorted(DATAFRAME_SPLIT_KEYS)},
            "columns": {
                "type": "array",
                "items": {"type": "string", "description": "a column name (text)"},
                "description": "a list of column names",
            },
            "data": {
                "type": "array",
                "items": {"type": "array", "description": "a list of values"},
                "description": "a list of rows",
            },
        },
        "additionalProperties": False,
        "description": 'an object with "data": a list of rows',
    },
    "dataframe_records": {
        "type": "array",
        "minItems": 1,
        "items": {"type": "object", "description": "an object: one row's values by column name"},
        "description": "a non-empty list of objects (one per row)",
    },
    "instances": {"type": "array", "minItems": 1, "description": "a non-empty list"},
    "inputs": {"not": {"type": "null"}, "description": "a JSON value other than null"},
    "messages": {
        "type": "array",
        "minItems": 1,
        "items": _MESSAGE,
        "description": "a non-empty list of {role, content} objects",
    },
    "prompt": _TEXT_OR_LIST,
    "input": _TEXT_OR_LIST,
}


# Both run only at import, before mutmut can switch a mutant on; the test named checks the result.
# pragma: no mutate start - import time (openapi/test_document.py: the inputs schema)
def _parameters(names: frozenset[str], typed: dict[str, Any]) -> dict[str, Any]:
    """`names` as properties: any value, unless `typed` says more."""
    return {name: typed.get(name, {}) for name in sorted(names)}


_TABULAR = _parameters(
    TABULAR_PARAMETERS, {"params": {"type": "object", "description": "an object"}}
)
_LLM = _parameters(
    LLM_PARAMETERS,
    {
        "max_tokens": {
            "type": ["integer", "null"],
            "minimum": 1,
            "description": "a positive integer",
        },
        "stream": {
            "enum": [False, None],
            "description": "false or null (or left out): streaming is not supported",
        },
        **{
            name: {"type": ["number", "null"], "minimum": 0, "description": "a number, 0 or more"}
            for name in NON_NEGATIVE_PARAMETERS
        },
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

# Per format, the body that carries it: `INPUTS_SCHEMA` is one of these.
BODIES: dict[str, dict[str, Any]] = {
    **{key: _body(key, _TABULAR) for key in TABULAR_FORMATS},
    **{key: _body(key, _LLM) for key in LLM_FORMATS},
}
INPUTS_SCHEMA: dict[str, Any] = {"oneOf": list(BODIES.values())}
