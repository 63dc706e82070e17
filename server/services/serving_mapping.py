"""Serving endpoints and model answers as the API's models (SDK objects and HTTP responses in)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from databricks.sdk.service.serving import (
    ExternalModel,
    FoundationModel,
    ServedEntityOutput,
    ServedEntitySpec,
    ServingEndpoint,
    ServingEndpointDetailed,
)

from server.errors import AppError, ErrorCode
from server.models.model_serving import (
    ChatMessageOut,
    EndpointStateOut,
    EndpointTagOut,
    InvokeResponse,
    ServedEntityOut,
    ServingEndpointDetailOut,
    ServingEndpointOut,
)


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


def invoke_response(
    request_id: str, name: str, response: httpx.Response, elapsed_ms: float
) -> InvokeResponse:
    """The model's JSON answer, with predictions or the first chat message pulled out."""
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
