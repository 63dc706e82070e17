"""Pure ASGI middleware: request context (correlation id, access log, last-resort envelope) and
a streaming request-body limit that refuses oversized bodies without reading them whole."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.clock import Clock, SystemClock
from server.errors import BodyTooLarge, ErrorCode, body_too_large, error_response
from server.observability import set_correlation_id, set_user_name

logger = logging.getLogger("server.access")

CORRELATION_HEADERS = (b"x-request-id", b"x-correlation-id")
_VALID_CORRELATION_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")


def _incoming_correlation_id(headers: list[tuple[bytes, bytes]]) -> str | None:
    by_name = dict(headers)
    for name in CORRELATION_HEADERS:
        raw = by_name.get(name)
        if raw is None:
            continue
        value = raw.decode("latin-1").strip()
        if _VALID_CORRELATION_ID.fullmatch(value):
            return value
    return None


class RequestContextMiddleware:
    """Gives each request a correlation id, logs one line for it, never lets a stack trace out."""

    def __init__(self, app: ASGIApp, clock: Clock | None = None) -> None:
        self.app = app
        self.clock = clock or SystemClock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        correlation_id = _incoming_correlation_id(scope["headers"]) or uuid.uuid4().hex
        set_correlation_id(correlation_id)
        set_user_name(None)
        started = self.clock.monotonic()
        status_holder = {"status": 500, "started": False}

        async def send_with_header(message: Message) -> None:
            if message["type"] == "http.response.start":
                status_holder["status"] = message["status"]
                status_holder["started"] = True
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", correlation_id.encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_header)
        except Exception:
            logger.exception("unhandled error")
            if not status_holder["started"]:
                response = error_response(
                    ErrorCode.INTERNAL_ERROR,
                    "An unexpected error occurred; quote the correlation id when reporting it.",
                    500,
                )
                await response(scope, receive, send_with_header)
        finally:
            duration_ms = round((self.clock.monotonic() - started) * 1000, 2)
            logger.info(
                "request",
                extra={
                    "method": scope["method"],
                    "path": scope["path"],
                    "status": status_holder["status"],
                    "duration_ms": duration_ms,
                },
            )
            set_user_name(None)
            set_correlation_id(None)


class BodySizeLimitMiddleware:
    """Refuse bodies over a limit with 413: at once by Content-Length, else while streaming
    (`BodyTooLarge`)."""

    def __init__(self, app: ASGIApp, *, default_limit: int, limits: Mapping[str, int]) -> None:
        self.app = app
        self.default_limit = default_limit
        self.limits = dict(limits)

    def _limit_for(self, path: str) -> int:
        return self.limits.get(path.rstrip("/") or "/", self.default_limit)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit_for(scope["path"])
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._refuse(scope, receive, send, limit)
            return

        received = 0

        async def limited_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        await self.app(scope, limited_receive, send)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        message, details = body_too_large(limit)
        response = error_response(ErrorCode.PAYLOAD_TOO_LARGE, message, 413, details=details)
        # Close the connection: the rest of the body is never read.
        response.headers["Connection"] = "close"
        await response(scope, receive, send)
