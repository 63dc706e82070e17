"""What schema detection tells about an endpoint's input, with a payload ready to send."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class DetectedType(StrEnum):
    CHAT = "CHAT"
    COMPLETIONS = "COMPLETIONS"
    EMBEDDINGS = "EMBEDDINGS"
    CUSTOM = "CUSTOM"
    UNKNOWN = "UNKNOWN"


class SchemaSource(StrEnum):
    TASK = "task"
    OPENAPI = "openapi"
    NONE = "none"


class SchemaDetectionResult(BaseModel):
    """The request schema of an endpoint, and an example `inputs` for POST /invoke."""

    endpoint_name: str
    detected_type: DetectedType
    task: str | None = None
    source: SchemaSource
    input_schema: dict[str, Any] | None = Field(
        default=None, description="JSON Schema of the request body the endpoint accepts"
    )
    example: dict[str, Any] | None = Field(
        default=None, description="A request body that fits the schema; send it as `inputs`"
    )
    message: str | None = Field(default=None, description="What to do when nothing is known")
