"""The OpenAPI document, corrected to say what the server does: validation errors are 400 in the
error envelope (FastAPI would list 422), and rules the services enforce themselves (the
preference key's alphabet, the shapes of model `inputs`) appear as JSON Schema keywords, so that
generated clients and fuzzers agree with the server."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from server.models.user_preference import PREFERENCE_KEY_MAX_LENGTH
from server.services.model_inputs import COMMON_FIELDS, LLM_PARAMETERS

ENVELOPE_REF = {"$ref": "#/components/schemas/ErrorEnvelope"}
_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")
_METHODS = frozenset({"get", "put", "post", "delete", "patch", "head", "options"})

# Python's \w is exactly Unicode letters and digits (categories L*, N*) plus "_", the key rule.
PREFERENCE_KEY_SCHEMA: dict[str, Any] = {
    "type": "string",
    "minLength": 1,
    "maxLength": PREFERENCE_KEY_MAX_LENGTH,
    "pattern": r"^[\w.:-]+$",
}


def _object(key: str, value_schema: dict[str, Any], others: dict[str, Any]) -> dict[str, Any]:
    """An `inputs` body holding `key` and nothing but the fields allowed next to it."""
    return {
        "type": "object",
        "required": [key],
        "properties": {key: value_schema, **others},
        "additionalProperties": False,
    }


def inputs_schema() -> dict[str, Any]:
    """The bodies `services.model_inputs.input_problem` accepts, as far as JSON Schema can say
    (not: that every dataframe_split row has one value per column)."""
    common: dict[str, Any] = {name: {} for name in sorted(COMMON_FIELDS)}
    tabular = {**common, "params": {"type": "object"}}
    llm: dict[str, Any] = {name: {} for name in sorted(LLM_PARAMETERS)}
    llm.update(
        {
            "max_tokens": {"type": ["integer", "null"], "minimum": 1},
            "temperature": {"type": ["number", "null"], "minimum": 0},
            "top_p": {"type": ["number", "null"], "minimum": 0},
            "stream": {"enum": [False, None]},
        }
    )
    text_or_list = {"anyOf": [{"type": "string"}, {"type": "array", "minItems": 1}]}
    message = {
        "type": "object",
        "required": ["role"],
        "properties": {"role": {"type": "string"}},
        "anyOf": [
            {"required": ["tool_calls"]},
            {"required": ["content"], "properties": {"content": {"type": ["string", "array"]}}},
        ],
    }
    split = {
        "type": "object",
        "required": ["data"],
        "properties": {
            "columns": {"type": "array", "items": {"type": "string"}},
            "data": {"type": "array", "items": {"type": "array"}},
            "index": {},
        },
        "additionalProperties": False,
    }
    return {
        "oneOf": [
            _object("dataframe_split", split, tabular),
            _object(
                "dataframe_records",
                {"type": "array", "minItems": 1, "items": {"type": "object"}},
                tabular,
            ),
            _object("instances", {"type": "array", "minItems": 1}, tabular),
            _object("inputs", {"not": {"type": "null"}}, tabular),
            _object("messages", {"type": "array", "minItems": 1, "items": message}, llm),
            _object("prompt", text_or_list, llm),
            _object("input", text_or_list, llm),
        ]
    }


def _correct_operation(operation: dict[str, Any]) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    responses.pop("422", None)
    if operation.get("parameters") or operation.get("requestBody"):
        responses.setdefault(
            "400",
            {
                "description": "Invalid request",
                "content": {"application/json": {"schema": ENVELOPE_REF}},
            },
        )
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "path" and parameter.get("name") == "key":
            parameter["schema"] = {**parameter.get("schema", {}), **PREFERENCE_KEY_SCHEMA}


def corrected_openapi(document: dict[str, Any]) -> dict[str, Any]:
    """`document` (FastAPI's) with the corrections above, in place."""
    for path_item in document.get("paths", {}).values():
        for method, operation in path_item.items():
            if method in _METHODS:
                _correct_operation(operation)
    schemas: dict[str, Any] = document.get("components", {}).get("schemas", {})
    for name in _VALIDATION_SCHEMAS:
        schemas.pop(name, None)
    if "PreferenceIn" in schemas:
        key = schemas["PreferenceIn"]["properties"]["key"]
        key.update(PREFERENCE_KEY_SCHEMA)
    if "InvokeRequest" in schemas:
        inputs = schemas["InvokeRequest"]["properties"]["inputs"]
        inputs.update(inputs_schema())
    return document


def install_openapi(app: FastAPI) -> None:
    """Serve the corrected document at /openapi.json (built once, on first request)."""

    def build() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = corrected_openapi(
                get_openapi(
                    title=app.title,
                    version=app.version,
                    description=app.description,
                    routes=app.routes,
                )
            )
        return app.openapi_schema

    setattr(app, "openapi", build)  # noqa: B010 - the documented way to replace the generator
