"""Model Serving on behalf of the caller: endpoints, input checks, invocation with retries on
429/503 (never on timeouts), and one inference-log row per invocation attempt."""

from __future__ import annotations

import json
import logging
import math
import time
import unicodedata
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import httpx
from databricks.sdk import WorkspaceClient
from databricks.sdk.service.serving import (
    EndpointStateReady,
    ExternalModel,
    FoundationModel,
    ServedEntityOutput,
    ServedEntitySpec,
    ServingEndpoint,
    ServingEndpointDetailed,
)
from sqlalchemy import func, select
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt
from tenacity.wait import wait_base, wait_exponential

from server.config import Settings
from server.db.database import Database
from server.errors import DEFAULT_RETRY_AFTER_SECONDS, AppError, ErrorCode
from server.models.base import utc_now
from server.models.common import Page
from server.models.model_inference import InferenceLogOut, InferenceStatus, ModelInference
from server.models.schema_detection_result import SchemaDetectionResult
from server.models.serving import (
    ENDPOINT_NAME_MAX_LENGTH,
    ChatMessageOut,
    EndpointStateOut,
    EndpointTagOut,
    InvokeRequest,
    InvokeResponse,
    ServedEntityOut,
    ServingEndpointDetailOut,
    ServingEndpointOut,
)
from server.services.schema_detection_service import SchemaDetectionService
from server.services.user_service import CurrentUser
from server.workspace import WorkspaceGateway

logger = logging.getLogger(__name__)

TABULAR_FORMATS = ("dataframe_split", "dataframe_records", "instances", "inputs")
LLM_FORMATS = ("messages", "prompt", "input")
# Accepted next to any format: serving uses them for inference tables.
COMMON_FIELDS = frozenset({"client_request_id", "usage_context"})
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
_MODEL_MESSAGE_MAX_CHARS = 1000
_ERROR_MESSAGE_MAX_CHARS = 2000
_BACKOFF_MULTIPLIER_SECONDS = 0.5


# --- Pure checks ---------------------------------------------------------------------------


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


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _dataframe_split_problem(split: Any) -> str | None:
    if not isinstance(split, dict) or not isinstance(split.get("data"), list):
        return 'dataframe_split must be an object with "data": a list of rows.'
    unknown = set(split) - {"columns", "data", "index"}
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
    extra = set(inputs) - {key, "params"} - COMMON_FIELDS
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
    if inputs.get("stream"):
        return "Streaming (stream: true) is not supported; leave stream out."
    max_tokens = inputs.get("max_tokens")
    if max_tokens is not None and not (_is_int(max_tokens) and max_tokens >= 1):
        return "max_tokens must be a positive integer."
    for name in ("temperature", "top_p"):
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
    try:
        text = json.dumps(inputs, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except ValueError as exc:
        raise AppError(
            ErrorCode.INVALID_INPUT,
            "inputs must be plain JSON (NaN and Infinity are not JSON).",
            details=[{"field": "inputs"}],
        ) from exc
    body = text.encode("utf-8")
    if len(body) > max_bytes:
        raise AppError(
            ErrorCode.INVALID_INPUT,
            f"inputs is {len(body)} bytes once encoded as JSON; the limit is {max_bytes} bytes.",
            details=[{"field": "inputs", "size_bytes": len(body), "limit_bytes": max_bytes}],
        )
    return body


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta seconds or HTTP date), else None."""
    if value is None or not value.strip():
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = (moment - (now or datetime.now(UTC))).total_seconds()
    return max(seconds, 0.0) if math.isfinite(seconds) else None


# --- Endpoint rendering ----------------------------------------------------------------------


def _from_epoch_ms(value: int | None) -> datetime | None:
    return datetime.fromtimestamp(value / 1000, tz=UTC) if value is not None else None


def _model_name(model: FoundationModel | ExternalModel | None) -> str | None:
    return model.name if model is not None else None


def _entity_out(entity: ServedEntitySpec | ServedEntityOutput) -> ServedEntityOut:
    return ServedEntityOut(
        name=entity.name,
        entity_name=entity.entity_name,
        entity_version=entity.entity_version,
        foundation_model=_model_name(entity.foundation_model),
        external_model=_model_name(entity.external_model),
    )


def _endpoint_fields(endpoint: ServingEndpoint | ServingEndpointDetailed) -> dict[str, Any]:
    state = endpoint.state
    entities = endpoint.config.served_entities if endpoint.config else None
    return {
        "name": endpoint.name or "",
        "id": endpoint.id,
        "description": endpoint.description,
        "state": EndpointStateOut(
            ready=state.ready.value if state and state.ready else None,
            config_update=state.config_update.value if state and state.config_update else None,
        ),
        "task": endpoint.task,
        "served_entities": [_entity_out(e) for e in entities or []],
        "tags": [EndpointTagOut(key=t.key, value=t.value) for t in endpoint.tags or []],
        "creator": endpoint.creator,
        "created_at": _from_epoch_ms(endpoint.creation_timestamp),
        "updated_at": _from_epoch_ms(endpoint.last_updated_timestamp),
    }


def endpoint_out(endpoint: ServingEndpoint) -> ServingEndpointOut:
    return ServingEndpointOut(**_endpoint_fields(endpoint))


def endpoint_detail_out(endpoint: ServingEndpointDetailed) -> ServingEndpointDetailOut:
    return ServingEndpointDetailOut(
        **_endpoint_fields(endpoint),
        config_version=endpoint.config.config_version if endpoint.config else None,
        permission_level=endpoint.permission_level.value if endpoint.permission_level else None,
    )


# --- Invocation ------------------------------------------------------------------------------


class ModelBusy(Exception):
    """A 429/503 answer from the model: worth another try after `retry_after` seconds."""

    def __init__(self, status: int, retry_after: float | None) -> None:
        super().__init__(f"model answered {status}")
        self.status = status
        self.retry_after = retry_after


class RetryAfterWait(wait_base):
    """Wait what the model's Retry-After asks (capped), else back off exponentially."""

    def __init__(self, max_wait_seconds: float) -> None:
        self.max_wait_seconds = max_wait_seconds
        self.backoff = wait_exponential(
            multiplier=_BACKOFF_MULTIPLIER_SECONDS, max=max_wait_seconds
        )

    def __call__(self, retry_state: RetryCallState) -> float:
        outcome = retry_state.outcome
        error = outcome.exception() if outcome is not None else None
        if isinstance(error, ModelBusy) and error.retry_after is not None:
            return min(error.retry_after, self.max_wait_seconds)
        return float(self.backoff(retry_state))


def model_error_message(response: httpx.Response) -> tuple[str, str | None]:
    """The model's error message and error code, from its JSON envelope or its text."""
    try:
        payload = response.json()
    except ValueError:
        payload = None
    message: Any = None
    code: Any = None
    if isinstance(payload, dict):
        code = payload.get("error_code")
        message = payload.get("message")
        error = payload.get("error")
        if message is None and isinstance(error, dict):
            message = error.get("message")
        elif message is None and isinstance(error, str):
            message = error
    if not isinstance(message, str) or not message:
        message = response.text.strip() or f"HTTP {response.status_code}"
    return message[:_MODEL_MESSAGE_MAX_CHARS], code if isinstance(code, str) else None


def model_failure(response: httpx.Response) -> AppError:
    """The error for a non-2xx, non-retryable answer of the model."""
    status = response.status_code
    message, code = model_error_message(response)
    details = {"model_status": status, "model_error_code": code}
    if status == 404:
        return AppError(ErrorCode.ENDPOINT_NOT_FOUND, "The serving endpoint was not found.")
    if status == 401:
        return AppError(ErrorCode.AUTH_INVALID, "Databricks rejected the access token.")
    if status == 403:
        return AppError(
            ErrorCode.PERMISSION_DENIED, "You do not have permission to query this endpoint."
        )
    if status in (408, 504):
        return AppError(ErrorCode.MODEL_TIMEOUT, "The model did not answer in time.")
    if status < 500:
        return AppError(
            ErrorCode.INVALID_INPUT, f"The model refused the input: {message}", details=details
        )
    return AppError(ErrorCode.MODEL_ERROR, f"The model failed: {message}", details=details)


def invoke_response(
    request_id: str, name: str, response: httpx.Response, elapsed_ms: float
) -> InvokeResponse:
    try:
        output = response.json()
    except ValueError as exc:
        raise AppError(ErrorCode.MODEL_ERROR, "The model's answer is not JSON.") from exc
    predictions = output.get("predictions") if isinstance(output, dict) else None
    message: ChatMessageOut | None = None
    choices = output.get("choices") if isinstance(output, dict) else None
    if isinstance(choices, list) and choices and isinstance(choices[0], dict):
        first = choices[0].get("message")
        if isinstance(first, dict) and isinstance(first.get("role"), str):
            message = ChatMessageOut(role=first["role"], content=first.get("content"))
    return InvokeResponse(
        request_id=request_id,
        endpoint_name=name,
        predictions=predictions,
        message=message,
        output=output,
        served_model_name=response.headers.get("served-model-name"),
        execution_time_ms=elapsed_ms,
    )


def _get_endpoint(name: str) -> Callable[[WorkspaceClient], ServingEndpointDetailed]:
    return lambda client: client.serving_endpoints.get(quote(name, safe=""))


def _list_endpoints(client: WorkspaceClient) -> list[ServingEndpoint]:
    return list(client.serving_endpoints.list())


class ModelServingService:
    """Everything runs as the caller: SDK calls through the gateway, invocations with their
    token; nothing here logs or returns a token."""

    def __init__(
        self,
        settings: Settings,
        gateway: WorkspaceGateway,
        http_client: httpx.AsyncClient,
        schema_detection: SchemaDetectionService,
    ) -> None:
        self.settings = settings
        self.gateway = gateway
        self.http_client = http_client
        self.schema_detection = schema_detection

    # Endpoints

    async def list_endpoints(
        self, user: CurrentUser, *, limit: int, offset: int
    ) -> Page[ServingEndpointOut]:
        endpoints = await self.gateway.call(
            user.token, _list_endpoints, subject="serving endpoints"
        )
        items = sorted((endpoint_out(e) for e in endpoints if e.name), key=lambda e: e.name)
        return Page(
            items=items[offset : offset + limit], total=len(items), limit=limit, offset=offset
        )

    async def _fetch(self, token: str, name: str) -> ServingEndpointDetailed:
        if endpoint_name_problem(name) is not None:
            raise AppError(ErrorCode.ENDPOINT_NOT_FOUND, "The serving endpoint was not found.")
        return await self.gateway.call(
            token,
            _get_endpoint(name),
            not_found=ErrorCode.ENDPOINT_NOT_FOUND,
            subject="serving endpoint",
        )

    async def get_endpoint(self, user: CurrentUser, name: str) -> ServingEndpointDetailOut:
        return endpoint_detail_out(await self._fetch(user.token, name))

    async def detect_schema(self, user: CurrentUser, name: str) -> SchemaDetectionResult:
        """Fetch the endpoint as the caller every time (their right to see it), then detect."""
        endpoint = await self._fetch(user.token, name)
        return await self.schema_detection.detect(user.token, endpoint)

    # Invocation

    async def invoke(
        self, user: CurrentUser, request: InvokeRequest, database: Database | None
    ) -> InvokeResponse:
        """Check the input, then invoke; every attempt past the checks is logged exactly once."""
        name = request.endpoint_name
        if endpoint_name_problem(name) is not None:
            raise AppError(ErrorCode.ENDPOINT_NOT_FOUND, "The serving endpoint was not found.")
        body = encode_inputs(request.inputs, self.settings.model_max_input_bytes)
        request_id = uuid.uuid4().hex
        started = time.perf_counter()

        async def record(status: InferenceStatus, error: str | None = None) -> float:
            latency_ms = round((time.perf_counter() - started) * 1000, 3)
            row = ModelInference(
                request_id=request_id,
                user_name=user.user_name,
                endpoint_name=name,
                status=status.value,
                latency_ms=latency_ms,
                input_bytes=len(body),
                error_message=error[:_ERROR_MESSAGE_MAX_CHARS] if error else None,
                created_at=utc_now(),
            )
            await self._write_log(database, row)
            return latency_ms

        try:
            endpoint = await self._fetch(user.token, name)
            if endpoint.state is not None and endpoint.state.ready is EndpointStateReady.NOT_READY:
                raise AppError(
                    ErrorCode.ENDPOINT_NOT_READY,
                    "The serving endpoint is not ready yet; try again once it is READY.",
                )
            response = await self._post(user.token, name, body, request.timeout_seconds)
            answer = invoke_response(request_id, name, response, 0.0)
        except AppError as exc:
            timed_out = exc.code is ErrorCode.MODEL_TIMEOUT
            await record(
                InferenceStatus.TIMEOUT if timed_out else InferenceStatus.ERROR, exc.message
            )
            raise
        except Exception:
            await record(InferenceStatus.ERROR, "unexpected error")
            raise
        answer.execution_time_ms = await record(InferenceStatus.SUCCESS)
        return answer

    async def _post(
        self, token: str, name: str, body: bytes, timeout_seconds: float
    ) -> httpx.Response:
        url = f"{self.gateway.host}/serving-endpoints/{quote(name, safe='')}/invocations"
        headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        attempts = self.settings.model_retry_attempts
        retrying = AsyncRetrying(
            stop=stop_after_attempt(attempts),
            wait=RetryAfterWait(self.settings.model_retry_max_wait_seconds),
            retry=retry_if_exception_type(ModelBusy),
            reraise=True,
        )
        try:
            return await retrying(self._post_once, url, headers, body, timeout_seconds)
        except ModelBusy as busy:
            wait = busy.retry_after
            retry_after = math.ceil(wait) if wait is not None else DEFAULT_RETRY_AFTER_SECONDS
            raise AppError(
                ErrorCode.MODEL_UNAVAILABLE,
                f"The model is busy (HTTP {busy.status}) after {attempts} attempts; "
                f"try again in {retry_after} s.",
                retry_after=max(retry_after, 1),
            ) from None

    async def _post_once(
        self, url: str, headers: dict[str, str], body: bytes, timeout_seconds: float
    ) -> httpx.Response:
        try:
            response = await self.http_client.post(
                url, content=body, headers=headers, timeout=timeout_seconds
            )
        except httpx.TimeoutException as exc:
            # Never retried: the model may have run, and a second call would be billed again.
            raise AppError(
                ErrorCode.MODEL_TIMEOUT,
                f"The model did not answer within {timeout_seconds:g} s.",
                details={"timeout_seconds": timeout_seconds},
            ) from exc
        except httpx.TransportError as exc:
            logger.warning("serving endpoint unreachable: %s", type(exc).__name__)
            raise AppError(
                ErrorCode.MODEL_UNAVAILABLE, "The serving endpoint could not be reached."
            ) from exc
        if response.status_code in (429, 503):
            raise ModelBusy(
                response.status_code, parse_retry_after(response.headers.get("Retry-After"))
            )
        if response.is_success:
            return response
        raise model_failure(response)

    @staticmethod
    async def _write_log(database: Database | None, row: ModelInference) -> None:
        """Best effort: a log that cannot be written never fails the invocation."""
        if database is None:
            return
        try:
            async with database.session() as session:
                session.add(row)
        except Exception as exc:
            code = exc.code if isinstance(exc, AppError) else type(exc).__name__
            logger.warning(
                "inference log not written",
                extra={"request_id": row.request_id, "error_code": str(code)},
            )

    # Inference log

    async def list_logs(
        self,
        database: Database,
        user: CurrentUser,
        *,
        limit: int,
        offset: int,
        endpoint_name: str | None = None,
    ) -> Page[InferenceLogOut]:
        """The caller's own invocations, newest first."""
        filters = [ModelInference.user_name == user.user_name]
        if endpoint_name is not None:
            filters.append(ModelInference.endpoint_name == endpoint_name)
        async with database.session() as session:
            total = await session.scalar(
                select(func.count()).select_from(ModelInference).where(*filters)
            )
            rows = await session.scalars(
                select(ModelInference)
                .where(*filters)
                .order_by(ModelInference.created_at.desc(), ModelInference.id.desc())
                .limit(limit)
                .offset(offset)
            )
            items = [InferenceLogOut.model_validate(row, from_attributes=True) for row in rows]
        return Page(items=items, total=total or 0, limit=limit, offset=offset)
