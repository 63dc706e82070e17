"""Model Serving on behalf of the caller: endpoints, schema detection, invocation (checks in
`model_inputs`, retries in `model_invoker`) and one inference-log row per invocation attempt."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from urllib.parse import quote

import httpx
from databricks.sdk import WorkspaceClient
from databricks.sdk.service.serving import (
    EndpointStateReady,
    ServingEndpoint,
    ServingEndpointDetailed,
)
from sqlalchemy.ext.asyncio import AsyncSession

from server.clock import Clock
from server.config import Settings
from server.db.database import Database
from server.db.pages import read_page
from server.errors import AppError, ErrorCode
from server.models.base import utc_now
from server.models.common import Page, page_of
from server.models.model_inference import InferenceLogOut, InferenceStatus, ModelInference
from server.models.model_serving import (
    InvokeRequest,
    InvokeResponse,
    ServingEndpointDetailOut,
    ServingEndpointOut,
)
from server.models.schema_detection_result import SchemaDetectionResult
from server.services.model_inputs import check_endpoint_name, encode_inputs
from server.services.model_invoker import ModelInvoker
from server.services.schema_detection_service import SchemaDetectionService
from server.services.serving_mapping import endpoint_detail_out, endpoint_out, invoke_response
from server.services.user_service import CurrentUser
from server.workspace import WorkspaceGateway

logger = logging.getLogger(__name__)

# Past INFERENCE_LOG_WRITE_TIMEOUT_SECONDS (enforced by the database), how much longer an
# invocation waits for its log row before answering without it.
LOG_WRITE_GRACE_SECONDS = 1.0

_ERROR_MESSAGE_MAX_CHARS = 2000


def _get_endpoint(name: str) -> Callable[[WorkspaceClient], ServingEndpointDetailed]:
    return lambda client: client.serving_endpoints.get(quote(name, safe=""))


def _list_endpoints(client: WorkspaceClient) -> list[ServingEndpoint]:
    return list(client.serving_endpoints.list())


def _log_out(row: ModelInference) -> InferenceLogOut:
    return InferenceLogOut.model_validate(row, from_attributes=True)


class ModelServingService:
    """Everything runs as the caller: SDK calls through the gateway, invocations with their
    token; nothing here logs or returns a token."""

    def __init__(
        self,
        settings: Settings,
        gateway: WorkspaceGateway,
        http_client: httpx.AsyncClient,
        schema_detection: SchemaDetectionService,
        clock: Clock,
    ) -> None:
        self.settings = settings
        self.gateway = gateway
        self.http_client = http_client
        self.schema_detection = schema_detection
        self.clock = clock
        self.invoker = ModelInvoker(settings, gateway, http_client, clock)

    # Endpoints

    async def list_endpoints(
        self, user: CurrentUser, *, limit: int, offset: int
    ) -> Page[ServingEndpointOut]:
        endpoints = await self.gateway.call(
            user.token, _list_endpoints, subject="serving endpoints"
        )
        items = sorted((endpoint_out(e) for e in endpoints if e.name), key=lambda e: e.name)
        return page_of(items, limit=limit, offset=offset)

    async def _fetch(self, token: str, name: str) -> ServingEndpointDetailed:
        return await self.gateway.call(
            token,
            _get_endpoint(check_endpoint_name(name)),
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
        name = check_endpoint_name(request.endpoint_name)
        body = encode_inputs(request.inputs, self.settings.model_max_input_bytes)
        request_id = uuid.uuid4().hex
        started = self.clock.monotonic()

        async def record(status: InferenceStatus, error: str | None = None) -> float:
            latency_ms = round((self.clock.monotonic() - started) * 1000, 3)
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
            response = await self.invoker.post(user.token, name, body, request.timeout_seconds)
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

    async def _write_log(self, database: Database | None, row: ModelInference) -> None:
        """Best effort: a log that cannot be written never fails or long delays the answer.

        In a transaction of its own, not a request-long one: the row of a failed invocation must
        be kept although the request then fails (which rolls a request's transaction back), its
        statement timeout is its own, a failed or cancelled write must leave nothing else broken,
        and no connection is held while the model answers.
        """
        if database is None:
            return
        limit = self.settings.inference_log_write_timeout_seconds
        try:
            # The server-side limit ends a write stuck behind a lock; the client-side one (a
            # little later) covers waits outside a statement, such as for a pool connection.
            async with (
                self.clock.timeout(limit + LOG_WRITE_GRACE_SECONDS),
                database.session(statement_timeout_seconds=limit) as session,
            ):
                session.add(row)
        except Exception as exc:  # incl. TimeoutError: the answer matters more than the log
            code = exc.code if isinstance(exc, AppError) else type(exc).__name__
            logger.warning(
                "inference log not written",
                extra={"request_id": row.request_id, "error_code": str(code)},
            )

    # Inference log

    async def list_logs(
        self,
        session: AsyncSession,
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
        return await read_page(
            session,
            ModelInference,
            filters,
            order_by=[ModelInference.created_at.desc(), ModelInference.id.desc()],
            limit=limit,
            offset=offset,
            shape=_log_out,
        )
