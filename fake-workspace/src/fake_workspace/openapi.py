"""The OpenAPI 3.1 document a custom-model endpoint publishes at ``/openapi``."""

from __future__ import annotations

from typing import Any

from fake_workspace.reference.specs import EndpointDef, InputColumn

_JSON_TYPES: dict[str, dict[str, str]] = {
    "double": {"type": "number", "format": "double"},
    "float": {"type": "number", "format": "float"},
    "integer": {"type": "integer", "format": "int32"},
    "long": {"type": "integer", "format": "int64"},
    "string": {"type": "string"},
    "boolean": {"type": "boolean"},
}


def _split_schema(columns: tuple[InputColumn, ...]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "dataframe_split": {
                "type": "object",
                "properties": {
                    "columns": {
                        "type": "array",
                        "description": "required fields: " + ", ".join(c.name for c in columns),
                        "items": {"type": "string", "enum": [c.name for c in columns]},
                    },
                    "data": {
                        "type": "array",
                        "items": {
                            "type": "array",
                            "prefixItems": [_JSON_TYPES[c.type] for c in columns],
                        },
                    },
                },
                "required": ["columns", "data"],
            },
            "params": {"type": "object"},
        },
        "required": ["dataframe_split"],
    }


def _records_schema(columns: tuple[InputColumn, ...]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "dataframe_records": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {c.name: _JSON_TYPES[c.type] for c in columns},
                    "required": [c.name for c in columns],
                },
            },
            "params": {"type": "object"},
        },
        "required": ["dataframe_records"],
    }


def _operation(endpoint: EndpointDef, columns: tuple[InputColumn, ...]) -> dict[str, Any]:
    return {
        "post": {
            "requestBody": {
                "content": {
                    "application/json": {
                        "schema": {"oneOf": [_split_schema(columns), _records_schema(columns)]}
                    }
                }
            },
            "responses": {
                "200": {
                    "description": "Successful operation",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "properties": {
                                    "predictions": {
                                        "type": "array",
                                        "items": {"type": "number", "format": "double"},
                                    }
                                },
                            }
                        }
                    },
                }
            },
        }
    }


def openapi_document(endpoint: EndpointDef, base_url: str) -> dict[str, Any]:
    columns = endpoint.input_schema or ()
    return {
        "openapi": "3.1.0",
        "info": {"title": endpoint.name, "version": endpoint.entity_version},
        "servers": [{"url": f"{base_url}/serving-endpoints/{endpoint.name}"}],
        "paths": {
            "/invocations": _operation(endpoint, columns),
            f"/served-models/{endpoint.served_entity_name}/invocations": _operation(
                endpoint, columns
            ),
        },
    }
