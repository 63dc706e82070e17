"""The ASGI app: route matching, recording, faults, authentication, error capture.

Per request: record it → match a :class:`~fake_workspace.routes.Route` (unmatched: loud 404
``ENDPOINT_NOT_FOUND``, remembered for ``check_errors``) → apply queued faults → check the
bearer token → run the handler under the state lock. An exception escaping a handler is a
bug in the fake: it answers 500 and is re-raised in the test by ``check_errors``.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from fake_workspace.errors import (
    ApiError,
    OAuthError,
    error_response,
    new_request_id,
    oauth_error_response,
    unauthenticated,
)
from fake_workspace.faults import FaultPlan, Gate
from fake_workspace.fidelity.shapes import ShapeBook
from fake_workspace.handlers import HANDLERS, Ctx
from fake_workspace.identity import Principal
from fake_workspace.request_log import RecordedRequest
from fake_workspace.routes import Auth, RouteMatch, match_route
from fake_workspace.state import FakeState

_SLICE_SECONDS = 0.02


def _parse_json(body: bytes) -> Any:
    if not body.strip():
        return None
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None


async def _drop_connection(send: Send) -> None:
    """Close the client socket without any response (uvicorn's h11 cycle owns the transport)."""
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is None:
        raise RuntimeError("drop_connection needs uvicorn's h11 protocol (http='h11')")
    transport.close()
    for _ in range(3):  # let connection_lost() mark the cycle disconnected: no 500 is sent
        await asyncio.sleep(0)


def _authenticate(state: FakeState, headers: dict[str, str]) -> Principal:
    scheme, _, token = headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise unauthenticated("Credential was not sent or was of an unsupported type for this API.")
    principal = state.identity.authenticate(token.strip())
    if principal is None:
        raise unauthenticated("Invalid access token.")
    return principal


class FakeApp:
    def __init__(self, state: FakeState) -> None:
        self.state = state
        self.closing = threading.Event()
        self.shapes: ShapeBook | None = None
        """Set by ``FakeWorkspace.record_shapes``: every answer's shape, kept across resets."""
        self.answered: Callable[[RecordedRequest], None] | None = None
        """Set by ``FakeWorkspace.on_answer``: called with each request once answered."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        body = await request.body()
        match = match_route(scope["method"], scope["path"])
        record = RecordedRequest(
            method=scope["method"],
            path=scope["path"],
            query=dict(request.query_params.multi_items()),
            headers={k.lower(): v for k, v in request.headers.items()},
            body=body,
            json=_parse_json(body),
            timestamp=time.time(),
            route=match.route if match else None,
            path_params=dict(match.params) if match else {},
        )
        self.state.requests.append(record)
        response = await self._respond(request, match, record)
        record.answered_at = time.time()
        if response is None:
            await _drop_connection(send)
            if self.answered is not None:
                self.answered(record)
            return
        record.status = response.status_code
        record.response_body = bytes(response.body)
        if self.shapes is not None:
            self.shapes.add(record.method, record.path, record.status, record.response_body)
        await response(scope, receive, send)
        if self.answered is not None:
            self.answered(record)

    async def _respond(
        self, request: Request, match: RouteMatch | None, record: RecordedRequest
    ) -> Response | None:
        request_id = new_request_id()
        if match is None:
            message = f"No API found for '{record.method} {record.path}'."
            return error_response(ApiError(404, "ENDPOINT_NOT_FOUND", message), request_id)
        generation = self.state.generation
        plan = self.state.faults.take(match)
        record.fault = plan.description
        if plan.delay:
            await self._wait(plan.delay)
        for gate in plan.gates:
            await self._hold(gate)
        if plan.drop or self.state.generation != generation:
            return None
        if plan.failure is not None:
            return self._failure(plan, request_id)
        return self._dispatch(request, match, record, request_id)

    async def _wait(self, seconds: float) -> None:
        generation = self.state.generation
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0:
            if self.closing.is_set() or self.state.generation != generation:
                return
            # Real time by design: latency and hangs are what a slow network or workspace
            # costs the client; in slices, so a reset or shutdown ends the wait early.
            await asyncio.sleep(min(_SLICE_SECONDS, remaining))

    async def _hold(self, gate: Gate) -> None:
        """Wait until the gate opens, the fake is reset or it is shutting down."""
        generation = self.state.generation
        gate.arrive()
        try:
            while not gate.is_open:
                if self.closing.is_set() or self.state.generation != generation:
                    return
                await asyncio.sleep(_SLICE_SECONDS)  # polls the gate, which a test thread opens
        finally:
            gate.leave()

    @staticmethod
    def _failure(plan: FaultPlan, request_id: str) -> Response:
        failure = plan.failure
        assert failure is not None
        headers = {} if failure.retry_after is None else {"Retry-After": str(failure.retry_after)}
        error = ApiError(failure.status, failure.error_code, failure.message, headers=headers)
        return error_response(error, request_id)

    def _dispatch(
        self, request: Request, match: RouteMatch, record: RecordedRequest, request_id: str
    ) -> Response:
        try:
            caller = None
            if match.route.auth is Auth.BEARER:
                caller = _authenticate(self.state, record.headers)
                record.principal = caller.user_name
            ctx = Ctx(
                state=self.state,
                params=match.params,
                query=record.query,
                headers=record.headers,
                body=record.body,
                base_url=str(request.base_url).rstrip("/"),
                caller=caller,
            )
            with self.state.lock:
                return HANDLERS[match.route](ctx)
        except ApiError as error:
            return error_response(error, request_id)
        except OAuthError as error:
            return oauth_error_response(error)
        except Exception as error:
            self.state.capture(f"{record.method} {record.path}", error)
            record.error = f"{type(error).__name__}: {error}"
            message = f"The fake workspace failed: {type(error).__name__}: {error}"
            return error_response(ApiError(500, "INTERNAL_ERROR", message), request_id)
