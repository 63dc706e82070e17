"""The project's one error envelope, the codes it carries, and the handlers that render it."""

from __future__ import annotations

import logging
from enum import StrEnum
from http import HTTPMethod
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match, Mount

from server.observability import get_correlation_id

logger = logging.getLogger(__name__)

DEFAULT_RETRY_AFTER_SECONDS = 5


class ErrorCode(StrEnum):
    """Stable, documented error codes; clients switch on these, never on messages."""

    INVALID_REQUEST = "INVALID_REQUEST"
    INVALID_PREFERENCE = "INVALID_PREFERENCE"
    INVALID_QUERY = "INVALID_QUERY"
    INVALID_INPUT = "INVALID_INPUT"
    AUTH_MISSING = "AUTH_MISSING"
    AUTH_INVALID = "AUTH_INVALID"
    CATALOG_PERMISSION_DENIED = "CATALOG_PERMISSION_DENIED"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    NOT_FOUND = "NOT_FOUND"
    PREFERENCE_NOT_FOUND = "PREFERENCE_NOT_FOUND"
    CATALOG_NOT_FOUND = "CATALOG_NOT_FOUND"
    SCHEMA_NOT_FOUND = "SCHEMA_NOT_FOUND"
    TABLE_NOT_FOUND = "TABLE_NOT_FOUND"
    ENDPOINT_NOT_FOUND = "ENDPOINT_NOT_FOUND"
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
    ENDPOINT_NOT_READY = "ENDPOINT_NOT_READY"
    PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
    DATABASE_NOT_CONFIGURED = "DATABASE_NOT_CONFIGURED"
    DATABASE_UNAVAILABLE = "DATABASE_UNAVAILABLE"
    MODEL_TIMEOUT = "MODEL_TIMEOUT"
    MODEL_UNAVAILABLE = "MODEL_UNAVAILABLE"
    MODEL_ERROR = "MODEL_ERROR"
    DATABRICKS_UNAVAILABLE = "DATABRICKS_UNAVAILABLE"
    DATABRICKS_ERROR = "DATABRICKS_ERROR"
    QUERY_TIMEOUT = "QUERY_TIMEOUT"
    QUERY_FAILED = "QUERY_FAILED"
    INTERNAL_ERROR = "INTERNAL_ERROR"


STATUS_BY_CODE: dict[ErrorCode, int] = {
    ErrorCode.INVALID_REQUEST: 400,
    ErrorCode.INVALID_PREFERENCE: 400,
    ErrorCode.INVALID_QUERY: 400,
    ErrorCode.INVALID_INPUT: 400,
    ErrorCode.AUTH_MISSING: 401,
    ErrorCode.AUTH_INVALID: 401,
    ErrorCode.CATALOG_PERMISSION_DENIED: 403,
    ErrorCode.PERMISSION_DENIED: 403,
    ErrorCode.NOT_FOUND: 404,
    ErrorCode.PREFERENCE_NOT_FOUND: 404,
    ErrorCode.CATALOG_NOT_FOUND: 404,
    ErrorCode.SCHEMA_NOT_FOUND: 404,
    ErrorCode.TABLE_NOT_FOUND: 404,
    ErrorCode.ENDPOINT_NOT_FOUND: 404,
    ErrorCode.METHOD_NOT_ALLOWED: 405,
    ErrorCode.ENDPOINT_NOT_READY: 409,
    ErrorCode.PAYLOAD_TOO_LARGE: 413,
    ErrorCode.DATABASE_NOT_CONFIGURED: 503,
    ErrorCode.DATABASE_UNAVAILABLE: 503,
    ErrorCode.MODEL_TIMEOUT: 503,
    ErrorCode.MODEL_UNAVAILABLE: 503,
    ErrorCode.MODEL_ERROR: 502,
    ErrorCode.DATABRICKS_UNAVAILABLE: 503,
    ErrorCode.DATABRICKS_ERROR: 502,
    ErrorCode.QUERY_TIMEOUT: 503,
    ErrorCode.QUERY_FAILED: 502,
    ErrorCode.INTERNAL_ERROR: 500,
}


class AppError(Exception):
    """An error the client should see, rendered as the error envelope."""

    def __init__(
        self,
        code: ErrorCode,
        message: str,
        *,
        details: list[dict[str, Any]] | dict[str, Any] | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details
        self.status_code = STATUS_BY_CODE[code]
        self.retry_after = retry_after  # a 503 without one gets the default (`error_response`)


class ErrorBody(BaseModel):
    """The inside of the envelope."""

    code: str = Field(
        description=(
            "Stable: clients switch on it, never on the message. Renamed 2026-12-07: "
            "LAKEBASE_NOT_CONFIGURED is now DATABASE_NOT_CONFIGURED (503, any database)"
        )
    )
    message: str
    details: list[dict[str, Any]] | dict[str, Any] | None = None
    correlation_id: str | None = None
    retry_after: int | None = Field(default=None, description="Seconds to wait before retrying")


class ErrorEnvelope(BaseModel):
    """Every non-2xx answer of the API has this shape."""

    error: ErrorBody


def error_response(
    code: ErrorCode | str,
    message: str,
    status_code: int,
    *,
    details: list[dict[str, Any]] | dict[str, Any] | None = None,
    retry_after: int | None = None,
) -> JSONResponse:
    """Render the envelope; every 503 carries a Retry-After header."""
    if status_code == 503 and retry_after is None:
        retry_after = DEFAULT_RETRY_AFTER_SECONDS
    correlation_id = get_correlation_id()
    body = ErrorEnvelope(
        error=ErrorBody(
            code=str(code),
            message=message,
            details=details,
            correlation_id=correlation_id,
            retry_after=retry_after,
        )
    )
    headers: dict[str, str] = {}
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    return JSONResponse(body.model_dump(), status_code=status_code, headers=headers)


def _validation_details(exc: RequestValidationError) -> list[dict[str, Any]]:
    details: list[dict[str, Any]] = []
    for error in exc.errors():
        # FastAPI gives every error its loc (where first: body, query, path, header), msg, type.
        where, *field = [str(part) for part in error["loc"]]
        details.append(
            {
                "field": ".".join(field) or where,
                "location": where,
                "message": str(error["msg"]),
                "type": str(error["type"]),
            }
        )
    return details


async def _handle_app_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, AppError)
    if exc.status_code >= 500:
        logger.warning("request failed: %s", exc.message, extra={"error_code": str(exc.code)})
    return error_response(
        exc.code,
        exc.message,
        exc.status_code,
        details=exc.details,
        retry_after=exc.retry_after,
    )


async def _handle_validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return error_response(
        ErrorCode.INVALID_REQUEST,
        "The request is not valid; see details for each field.",
        400,
        details=_validation_details(exc),
    )


def body_too_large(limit: int) -> tuple[str, list[dict[str, Any]]]:
    """The message and details of a 413 for a request body over `limit` bytes, however found."""
    message = f"The request body is larger than the limit of {limit} bytes for this route."
    return message, [{"field": "body", "limit_bytes": limit}]


class BodyTooLarge(StarletteHTTPException):
    """A request body found over its limit while it streams in (`BodySizeLimitMiddleware`).

    An HTTPException, because FastAPI turns any other error raised while it reads the body into a
    400; this one reaches `_handle_http_exception` as a 413 PAYLOAD_TOO_LARGE, before the response
    starts.
    """

    def __init__(self, limit: int) -> None:
        message, self.details = body_too_large(limit)
        super().__init__(status_code=413, detail=message)


def allowed_methods(request: Request) -> set[str]:
    """Every method some route serves at the request's path.

    FastAPI makes a route per method, and Starlette's 405 names only the methods of the first
    route whose path matches; RFC 9110 (15.5.6) says `Allow` lists what the resource supports.
    Each method is tried on every route through `matches`, the one interface all routes share
    (FastAPI's included routers among them). Mounts are left out: they take any method, and the
    one mount here (the docs assets) sets a complete Allow itself.
    """
    routes = [route for route in request.app.router.routes if not isinstance(route, Mount)]
    return {
        method.value
        for method in HTTPMethod
        if any(
            route.matches({**request.scope, "method": method.value})[0] is Match.FULL
            for route in routes
        )
    }


async def _handle_http_exception(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = {
        404: ErrorCode.NOT_FOUND,
        405: ErrorCode.METHOD_NOT_ALLOWED,
        413: ErrorCode.PAYLOAD_TOO_LARGE,
    }.get(exc.status_code, ErrorCode.INVALID_REQUEST)
    # Routing (404, 405) and BodyTooLarge (413) are the only sources, and all say a sentence.
    details = exc.details if isinstance(exc, BodyTooLarge) else None
    response = error_response(code, str(exc.detail), exc.status_code, details=details)
    response.headers.update(exc.headers or {})  # e.g. Allow on a 405
    methods = allowed_methods(request) if exc.status_code == 405 else set()
    if methods:  # none: a 405 from a mount (the docs assets), whose Allow is already complete
        response.headers["Allow"] = ", ".join(sorted(methods))
    return response


def install_error_handlers(app: FastAPI) -> None:
    """Route every failure through the envelope.

    Any other exception is answered by `middleware.RequestContextMiddleware` (500
    INTERNAL_ERROR): it wraps every route and handler and re-raises nothing, so a handler for
    `Exception` (which Starlette runs in ServerErrorMiddleware, outside every user middleware)
    would never be reached.
    """
    app.add_exception_handler(AppError, _handle_app_error)
    app.add_exception_handler(RequestValidationError, _handle_validation_error)
    app.add_exception_handler(StarletteHTTPException, _handle_http_exception)
