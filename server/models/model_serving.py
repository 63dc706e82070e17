"""Model Serving API models: endpoints as we describe them, and the invoke request/answer."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from server.models.model_input_schema import INPUTS_SCHEMA

ENDPOINT_NAME_MAX_LENGTH = 255
INVOKE_TIMEOUT_DEFAULT_SECONDS = 30
INVOKE_TIMEOUT_MAX_SECONDS = 300


class EndpointStateOut(BaseModel):
    """Whether the endpoint can be queried, and whether a config update is under way."""

    ready: str | None = Field(default=None, description="READY or NOT_READY")
    config_update: str | None = Field(
        default=None, description="NOT_UPDATING, IN_PROGRESS, UPDATE_FAILED or UPDATE_CANCELED"
    )


class ServedEntityOut(BaseModel):
    """One model (or foundation / external model) served by the endpoint."""

    name: str | None = None
    entity_name: str | None = None
    entity_version: str | None = None
    foundation_model: str | None = Field(default=None, description="Foundation model name")
    external_model: str | None = Field(default=None, description="External model name")


class EndpointTagOut(BaseModel):
    key: str
    value: str | None = None


class ServingEndpointOut(BaseModel):
    """A serving endpoint as listed."""

    name: str
    id: str | None = None
    description: str | None = None
    state: EndpointStateOut
    task: str | None = None
    served_entities: list[ServedEntityOut]
    tags: list[EndpointTagOut] = Field(default_factory=list)
    creator: str | None = None
    created_at: datetime | None = Field(default=None, description="ISO 8601, UTC")
    updated_at: datetime | None = Field(default=None, description="ISO 8601, UTC")


class ServingEndpointDetailOut(ServingEndpointOut):
    """A serving endpoint with what only the single-endpoint call tells."""

    config_version: int | None = None
    permission_level: str | None = Field(
        default=None, description="The caller's permission on the endpoint, e.g. CAN_QUERY"
    )


class InvokeRequest(BaseModel):
    """What to send to which endpoint; `inputs` is the model's request body."""

    endpoint_name: str = Field(min_length=1, max_length=ENDPOINT_NAME_MAX_LENGTH)
    # Checked against this schema by `services.model_inputs.input_problem` (INVALID_INPUT, with
    # its reason), not by pydantic.
    inputs: Any = Field(
        json_schema_extra=INPUTS_SCHEMA,
        description=(
            "The model input: an object with exactly one of dataframe_split, dataframe_records, "
            "instances or inputs (plus optional params) for custom models; messages (chat), "
            "prompt (completions) or input (embeddings) plus generation parameters for LLMs. "
            "Beyond this schema (JSON Schema cannot state it): every dataframe_split row has "
            "exactly one value per column when columns are given, and the model decides which "
            "inputs it takes; either refusal is 400 INVALID_INPUT."
        ),
        examples=[
            {"dataframe_split": {"columns": ["x", "y"], "data": [[1.0, 2.0]]}},
            {"messages": [{"role": "user", "content": "Hello"}], "max_tokens": 64},
        ],
    )
    # strict: JSON true is not one second, nor 1.0 an integer.
    timeout_seconds: int = Field(
        default=INVOKE_TIMEOUT_DEFAULT_SECONDS,
        strict=True,
        ge=1,
        le=INVOKE_TIMEOUT_MAX_SECONDS,
        description="Seconds, a whole number written without a fraction (30, not 30.0)",
    )


class ChatMessageOut(BaseModel):
    role: str
    content: Any = Field(description="Usually text; some models answer with a list of parts")


class InvokeResponse(BaseModel):
    """The model's answer, raw in `output`, with the usual parts lifted out."""

    request_id: str = Field(description="Our id of this invocation; also in the inference log")
    endpoint_name: str
    status: Literal["SUCCESS"] = "SUCCESS"
    predictions: Any | None = Field(
        default=None, description="`predictions` of a custom model's answer, when present"
    )
    message: ChatMessageOut | None = Field(
        default=None, description="The first choice's message of a chat answer, when present"
    )
    output: Any = Field(description="The model's JSON answer, unchanged")
    served_model_name: str | None = None
    execution_time_ms: float
