"""Databricks error envelope and the exceptions the fake's services raise to produce it."""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from typing import Any

from starlette.responses import JSONResponse

REQUEST_INFO_TYPE = "type.googleapis.com/google.rpc.RequestInfo"
ERROR_INFO_TYPE = "type.googleapis.com/google.rpc.ErrorInfo"
# The fake's own values for what a real ErrorInfo carries (CONTRACT.md, "Errors"): the reason is
# the error code, the domain one name for the whole fake, the metadata the HTTP status.
ERROR_INFO_DOMAIN = "fake-workspace.databricks.com"


class ApiError(Exception):
    """Rendered as ``{"error_code", "message", "details": [ErrorInfo, RequestInfo]}`` with
    ``status``."""

    def __init__(
        self,
        status: int,
        error_code: str,
        message: str,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(f"{status} {error_code}: {message}")
        self.status = status
        self.error_code = error_code
        self.message = message
        self.headers = dict(headers or {})


def bad_request(message: str) -> ApiError:
    return ApiError(400, "BAD_REQUEST", message)


def invalid_parameter(message: str) -> ApiError:
    return ApiError(400, "INVALID_PARAMETER_VALUE", message)


def not_found(error_code: str, message: str) -> ApiError:
    return ApiError(404, error_code, message)


def permission_denied(message: str) -> ApiError:
    return ApiError(403, "PERMISSION_DENIED", message)


def unauthenticated(message: str = "Invalid access token.") -> ApiError:
    return ApiError(401, "UNAUTHENTICATED", message)


class OAuthError(Exception):
    """An RFC 6749 token-endpoint error: ``{"error", "error_description"}``."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(f"{status} {error}: {description}")
        self.status = status
        self.error = error
        self.description = description


def new_request_id() -> str:
    return str(uuid.uuid4())


def envelope(error_code: str, message: str, request_id: str, status: int) -> dict[str, Any]:
    """The body of an error answer: an ErrorInfo detail, then the RequestInfo, as recorded."""
    error_info = {
        "@type": ERROR_INFO_TYPE,
        "reason": error_code,
        "domain": ERROR_INFO_DOMAIN,
        "metadata": {"http_status": str(status)},
    }
    request_info = {"@type": REQUEST_INFO_TYPE, "request_id": request_id, "serving_data": ""}
    return {"error_code": error_code, "message": message, "details": [error_info, request_info]}


def error_response(error: ApiError, request_id: str) -> JSONResponse:
    return JSONResponse(
        envelope(error.error_code, error.message, request_id, error.status),
        status_code=error.status,
        headers=error.headers,
    )


def oauth_error_response(error: OAuthError) -> JSONResponse:
    return JSONResponse(
        {"error": error.error, "error_description": error.description},
        status_code=error.status,
    )
