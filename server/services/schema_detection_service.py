"""What a serving endpoint expects as input: the standard schema of its LLM task, or the request
schema of its OpenAPI document, plus an example body built from that schema."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from cachetools import TTLCache
from databricks.sdk import WorkspaceClient
from databricks.sdk.service.serving import ServingEndpointDetailed

from server.clock import Clock
from server.config import Settings
from server.errors import AppError, ErrorCode
from server.models.schema_detection_result import (
    DetectedType,
    SchemaDetectionResult,
    SchemaSource,
)
from server.services.schema_examples import example_from_schema, extract_request_schema
from server.workspace import WorkspaceGateway

logger = logging.getLogger(__name__)

_CACHE_SIZE = 512
OPENAPI_MAX_BYTES = 8 * 1024 * 1024

UNKNOWN_SCHEMA_MESSAGE = (
    "This endpoint publishes no input schema. Log the model with a signature "
    "(mlflow.models.infer_signature) so that serving publishes one, or send a body in a standard "
    'format: {"dataframe_split": {"columns": [...], "data": [[...]]}}, '
    '{"dataframe_records": [{...}]}, {"instances": [...]} or {"inputs": ...}.'
)
NO_EXAMPLE_MESSAGE = (
    "No example could be built from this schema; send a body that follows input_schema."
)

_TEXT_OR_TEXTS: dict[str, Any] = {
    "anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]
}
# What chat and completions endpoints both take next to their messages or prompt.
_GENERATION_PARAMETERS: dict[str, Any] = {
    "max_tokens": {"type": "integer", "minimum": 1},
    "temperature": {"type": "number", "minimum": 0, "maximum": 2},
    "top_p": {"type": "number", "minimum": 0, "maximum": 1},
    "n": {"type": "integer", "minimum": 1},
    "stop": _TEXT_OR_TEXTS,
}
_CHAT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["messages"],
    "properties": {
        "messages": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["role", "content"],
                "properties": {
                    "role": {"type": "string", "enum": ["system", "user", "assistant", "tool"]},
                    "content": {"type": "string"},
                },
            },
        },
        **_GENERATION_PARAMETERS,
    },
}
_COMPLETIONS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["prompt"],
    "properties": {
        "prompt": _TEXT_OR_TEXTS,
        **_GENERATION_PARAMETERS,
    },
}
_EMBEDDINGS_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["input"],
    "properties": {"input": _TEXT_OR_TEXTS},
}

# task → (type, schema, example)
_TASKS: dict[str, tuple[DetectedType, dict[str, Any], dict[str, Any]]] = {
    "llm/v1/chat": (
        DetectedType.CHAT,
        _CHAT_SCHEMA,
        {"messages": [{"role": "user", "content": "Hello! What can you do?"}], "max_tokens": 128},
    ),
    "llm/v1/completions": (
        DetectedType.COMPLETIONS,
        _COMPLETIONS_SCHEMA,
        {"prompt": "Write one sentence about data.", "max_tokens": 64},
    ),
    "llm/v1/embeddings": (
        DetectedType.EMBEDDINGS,
        _EMBEDDINGS_SCHEMA,
        {"input": ["The quick brown fox jumps over the lazy dog."]},
    ),
}


def task_schema(task: str | None) -> tuple[DetectedType, dict[str, Any], dict[str, Any]] | None:
    """The standard (type, request schema, example) of an LLM task, or None for other tasks."""
    found = _TASKS.get(task or "")
    if found is None:
        return None
    detected, schema, example = found
    return detected, json.loads(json.dumps(schema)), json.loads(json.dumps(example))


# --- Service ---------------------------------------------------------------------------------


def _unknown(name: str, task: str | None, message: str) -> SchemaDetectionResult:
    return SchemaDetectionResult(
        endpoint_name=name,
        detected_type=DetectedType.UNKNOWN,
        task=task,
        source=SchemaSource.NONE,
        message=message,
    )


def detect_from_openapi(name: str, task: str | None, raw: bytes | None) -> SchemaDetectionResult:
    """Detection from the raw OpenAPI document of a custom endpoint (None: none published)."""
    if not raw:
        return _unknown(name, task, UNKNOWN_SCHEMA_MESSAGE)
    try:
        document = json.loads(raw)
    except ValueError:
        logger.warning("serving endpoint OpenAPI document is not JSON", extra={"endpoint": name})
        return _unknown(name, task, UNKNOWN_SCHEMA_MESSAGE)
    schema = extract_request_schema(document)
    if schema is None:
        return _unknown(name, task, UNKNOWN_SCHEMA_MESSAGE)
    example = example_from_schema(schema)
    return SchemaDetectionResult(
        endpoint_name=name,
        detected_type=DetectedType.CUSTOM,
        task=task,
        source=SchemaSource.OPENAPI,
        input_schema=schema,
        example=example,
        message=None if example is not None else NO_EXAMPLE_MESSAGE,
    )


def _read_open_api(name: str) -> Callable[[WorkspaceClient], bytes | None]:
    def operation(client: WorkspaceClient) -> bytes | None:
        contents = client.serving_endpoints.get_open_api(quote(name, safe="")).contents
        if contents is None:
            return None
        try:
            raw = contents.read(OPENAPI_MAX_BYTES + 1)
        finally:
            contents.close()
        return raw if len(raw) <= OPENAPI_MAX_BYTES else None

    return operation


CacheKey = tuple[str, int | None, int | None]


class SchemaDetectionService:
    """Detects an endpoint's input schema; results are cached per endpoint config version.

    The caller's right to read the endpoint is checked by fetching it on every request (the
    caller passes the endpoint it fetched); only the detection itself is cached.
    """

    def __init__(self, settings: Settings, gateway: WorkspaceGateway, clock: Clock) -> None:
        self.settings = settings
        self.gateway = gateway
        self._cache: TTLCache[CacheKey, SchemaDetectionResult] | None = (
            TTLCache(
                maxsize=_CACHE_SIZE, ttl=settings.schema_cache_ttl_seconds, timer=clock.monotonic
            )
            if settings.schema_cache_ttl_seconds > 0
            else None
        )

    async def detect(self, token: str, endpoint: ServingEndpointDetailed) -> SchemaDetectionResult:
        name = endpoint.name or ""
        version = endpoint.config.config_version if endpoint.config else None
        key: CacheKey = (name, version, endpoint.last_updated_timestamp)
        cached = self._cache.get(key) if self._cache is not None else None
        if cached is not None:
            return cached
        result = await self._detect(token, name, endpoint.task)
        if self._cache is not None:
            self._cache[key] = result
        return result

    async def _detect(self, token: str, name: str, task: str | None) -> SchemaDetectionResult:
        standard = task_schema(task)
        if standard is not None:
            detected, schema, example = standard
            return SchemaDetectionResult(
                endpoint_name=name,
                detected_type=detected,
                task=task,
                source=SchemaSource.TASK,
                input_schema=schema,
                example=example,
            )
        try:
            raw = await self.gateway.call(
                token,
                _read_open_api(name),
                not_found=ErrorCode.ENDPOINT_NOT_FOUND,
                subject="serving endpoint",
            )
        except AppError as exc:
            # No OpenAPI document (404) or one the workspace refuses to build (400): unknown.
            if exc.code not in (ErrorCode.ENDPOINT_NOT_FOUND, ErrorCode.INVALID_REQUEST):
                raise
            raw = None
        return detect_from_openapi(name, task, raw)
