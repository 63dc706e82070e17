"""Model Serving endpoints, their input schema, invocation and the caller's inference log."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from pydantic import AfterValidator

from server.deps import CurrentUserDep, ModelServingServiceDep, OptionalDatabaseDep, SessionDep
from server.models.common import DEFAULT_PAGE_LIMIT, LimitParam, OffsetParam, Page
from server.models.model_inference import InferenceLogOut
from server.models.model_serving import (
    ENDPOINT_NAME_MAX_LENGTH,
    InvokeRequest,
    InvokeResponse,
    ServingEndpointDetailOut,
    ServingEndpointOut,
)
from server.models.schema_detection_result import SchemaDetectionResult
from server.models.text_patterns import ENDPOINT_NAME_PATTERN
from server.routers.responses import AUTHENTICATED, errors
from server.services.model_inputs import endpoint_name_problem

router = APIRouter(prefix="/api/model-serving", tags=["model-serving"], responses=AUTHENTICATED)


ServiceDep = ModelServingServiceDep
NamePath = Annotated[str, Path(description="Endpoint name (URL-encoded; may be Unicode)")]
# Endpoint names as `model_inputs.endpoint_name_problem` takes them (letters and digits of any
# script, - _ ., not "." or ".."): stated as JSON Schema, the letters and digits spelled out so
# that ECMA-262 reads the pattern as Python does (`text_patterns`), and checked by that rule
# itself, since pydantic's regex engine reads \w more narrowly (it refuses "²" and "¼").
ENDPOINT_NAME_SCHEMA = {"pattern": ENDPOINT_NAME_PATTERN}


def _endpoint_filter(name: str) -> str:
    problem = endpoint_name_problem(name)
    if problem is not None:
        raise ValueError(problem)
    return name


# The check sits on the string itself: an absent filter is never validated (FastAPI hands
# over its default), so the check never sees None.
EndpointFilter = Annotated[
    Annotated[str, AfterValidator(_endpoint_filter)] | None,
    Query(
        min_length=1,
        max_length=ENDPOINT_NAME_MAX_LENGTH,
        json_schema_extra=ENDPOINT_NAME_SCHEMA,
        description="Only this endpoint's invocations",
    ),
]


@router.get("/endpoints", response_model=Page[ServingEndpointOut], responses=errors(403, 502))
async def list_endpoints(
    user: CurrentUserDep,
    service: ServiceDep,
    limit: LimitParam = DEFAULT_PAGE_LIMIT,
    offset: OffsetParam = 0,
) -> Page[ServingEndpointOut]:
    """Serving endpoints the caller can see, ordered by name."""
    return await service.list_endpoints(user, limit=limit, offset=offset)


@router.get(
    "/endpoints/{name}",
    response_model=ServingEndpointDetailOut,
    responses=errors(403, 404, 502),
)
async def read_endpoint(
    user: CurrentUserDep, service: ServiceDep, name: NamePath
) -> ServingEndpointDetailOut:
    """One serving endpoint: state, task, served entities."""
    return await service.get_endpoint(user, name)


@router.get(
    "/endpoints/{name}/schema",
    response_model=SchemaDetectionResult,
    responses=errors(403, 404, 502),
)
async def read_endpoint_schema(
    user: CurrentUserDep, service: ServiceDep, name: NamePath
) -> SchemaDetectionResult:
    """The endpoint's input schema and an example body (UNKNOWN when none is published)."""
    return await service.detect_schema(user, name)


@router.post(
    "/invoke",
    response_model=InvokeResponse,
    responses=errors(403, 404, 409, 413, 502),
)
async def invoke_endpoint(
    user: CurrentUserDep,
    service: ServiceDep,
    database: OptionalDatabaseDep,
    body: InvokeRequest,
) -> InvokeResponse:
    """Send `inputs` to the endpoint as the caller; retried on 429/503, never on timeouts."""
    # Not the request's session: the log row is written in a transaction of its own (see
    # ModelServingService._write_log), and nothing else here touches the database.
    return await service.invoke(user, body, database)


@router.get("/logs", response_model=Page[InferenceLogOut])
async def list_inference_logs(
    user: CurrentUserDep,
    service: ServiceDep,
    session: SessionDep,
    limit: LimitParam = DEFAULT_PAGE_LIMIT,
    offset: OffsetParam = 0,
    endpoint_name: EndpointFilter = None,
) -> Page[InferenceLogOut]:
    """The caller's own invocations, newest first."""
    return await service.list_logs(
        session, user, limit=limit, offset=offset, endpoint_name=endpoint_name
    )
