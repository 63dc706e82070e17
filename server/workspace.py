"""The one door to Databricks control-plane APIs: per-user (OBO) SDK clients, calls run off the
event loop, and SDK errors translated to our error codes by their `error_code`."""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from typing import TypeVar

import requests
from anyio import CapacityLimiter, to_thread
from cachetools import TTLCache
from databricks.sdk import WorkspaceClient
from databricks.sdk.core import Config
from databricks.sdk.errors.base import DatabricksError

from server.clock import Clock, SdkClock
from server.config import Settings
from server.errors import AppError, ErrorCode

logger = logging.getLogger(__name__)

T = TypeVar("T")

# A client is cheap to keep and costly to build (Config probes the host), so keep a bounded few.
_CLIENT_CACHE_SIZE = 256
_CLIENT_CACHE_TTL_SECONDS = 60.0  # a client holds the user's token: keep it no longer
# Evicted clients are not closed: another thread may still be using the one it got a moment
# ago; its connection pool is released when the last reference goes.

# Databricks' code -> ours, and what is missing (the message names it, not the call's subject).
NOT_FOUND_CODES: dict[str, tuple[ErrorCode, str]] = {
    "CATALOG_DOES_NOT_EXIST": (ErrorCode.CATALOG_NOT_FOUND, "catalog"),
    "SCHEMA_DOES_NOT_EXIST": (ErrorCode.SCHEMA_NOT_FOUND, "schema"),
    "TABLE_DOES_NOT_EXIST": (ErrorCode.TABLE_NOT_FOUND, "table"),
}
UNAVAILABLE_CODES = {"TEMPORARILY_UNAVAILABLE", "REQUEST_LIMIT_EXCEEDED", "RESOURCE_EXHAUSTED"}


def token_fingerprint(token: str) -> str:
    """A stable key for a token that does not keep the token itself."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def map_databricks_error(
    exc: BaseException,
    *,
    not_found: ErrorCode = ErrorCode.NOT_FOUND,
    permission_denied: ErrorCode = ErrorCode.PERMISSION_DENIED,
    subject: str = "resource",
) -> AppError:
    """Translate an SDK failure by its `error_code` (then HTTP status), never by message text."""
    if isinstance(exc, TimeoutError | requests.exceptions.RequestException):
        # The SDK raises TimeoutError once its retry budget is spent on 429/503/connection errors.
        return AppError(
            ErrorCode.DATABRICKS_UNAVAILABLE,
            "Databricks did not answer in time; try again shortly.",
            details={"subject": subject},
        )
    if not isinstance(exc, DatabricksError):
        return AppError(ErrorCode.DATABRICKS_ERROR, "Databricks call failed.")
    code = exc.error_code or ""
    status = _status_from_class(exc)  # the SDK raises a class per HTTP status, not the status
    if code in NOT_FOUND_CODES:
        error_code, missing = NOT_FOUND_CODES[code]
        return AppError(error_code, f"The {missing} was not found.")
    if code in ("RESOURCE_DOES_NOT_EXIST", "NOT_FOUND") or status == 404:
        return AppError(not_found, f"The {subject} was not found.")
    if code in ("PERMISSION_DENIED",) or status == 403:
        return AppError(permission_denied, f"You do not have permission to access this {subject}.")
    if code in ("UNAUTHENTICATED",) or status == 401:
        return AppError(ErrorCode.AUTH_INVALID, "Databricks rejected the access token.")
    if code in UNAVAILABLE_CODES or status in (429, 503):
        return AppError(ErrorCode.DATABRICKS_UNAVAILABLE, "Databricks is busy; try again shortly.")
    if code in ("INVALID_PARAMETER_VALUE", "BAD_REQUEST", "INVALID_STATE") or status == 400:
        return AppError(
            ErrorCode.INVALID_REQUEST,
            f"Databricks refused the request for this {subject}.",
            details={"databricks_error_code": code or None},
        )
    return AppError(
        ErrorCode.DATABRICKS_ERROR,
        "Databricks answered with an unexpected error.",
        details={"databricks_error_code": code or None},
    )


def _status_from_class(exc: DatabricksError) -> int | None:
    from databricks.sdk import errors

    for cls, status in (
        (errors.NotFound, 404),
        (errors.PermissionDenied, 403),
        (errors.Unauthenticated, 401),
        (errors.TooManyRequests, 429),
        (errors.TemporarilyUnavailable, 503),
        (errors.BadRequest, 400),
    ):
        if isinstance(exc, cls):
            return status
    return None


class WorkspaceGateway:
    """Builds and caches SDK clients; every user-facing call uses the caller's token."""

    def __init__(self, settings: Settings, clock: Clock) -> None:
        self.settings = settings
        self._clock = clock
        self._sdk_clock = SdkClock(clock)
        self._clients: TTLCache[str, WorkspaceClient] = TTLCache(
            maxsize=_CLIENT_CACHE_SIZE, ttl=_CLIENT_CACHE_TTL_SECONDS, timer=clock.monotonic
        )
        self._lock = threading.Lock()
        self._limiter = CapacityLimiter(settings.databricks_max_concurrent_calls)

    @property
    def host(self) -> str:
        if not self.settings.databricks_host:
            raise AppError(
                ErrorCode.DATABRICKS_UNAVAILABLE,
                "The app is not connected to a workspace (DATABRICKS_HOST is not set).",
            )
        return self.settings.databricks_host

    def _build(self, token: str) -> WorkspaceClient:
        config = Config(
            host=self.host,
            token=token,
            # Databricks Apps also set DATABRICKS_CLIENT_ID/SECRET; OBO must use the user's token.
            auth_type="pat",
            http_timeout_seconds=self.settings.databricks_http_timeout_seconds,
            retry_timeout_seconds=self.settings.databricks_retry_timeout_seconds,
            clock=self._sdk_clock,  # the SDK's retry back-off waits on the app's clock
        )
        return WorkspaceClient(config=config)

    def client_for(self, token: str) -> WorkspaceClient:
        key = token_fingerprint(token)
        with self._lock:
            client = self._clients.get(key)
        if client is None:
            try:
                client = self._build(token)
            except ValueError as exc:
                # Config raises ValueError when it cannot be completed (e.g. host unreachable).
                logger.warning("workspace client could not be configured: %s", type(exc).__name__)
                raise AppError(
                    ErrorCode.DATABRICKS_UNAVAILABLE, "The workspace could not be reached."
                ) from exc
            with self._lock:
                self._clients[key] = client
        return client

    async def call(
        self,
        token: str,
        operation: Callable[[WorkspaceClient], T],
        *,
        not_found: ErrorCode = ErrorCode.NOT_FOUND,
        permission_denied: ErrorCode = ErrorCode.PERMISSION_DENIED,
        subject: str = "resource",
    ) -> T:
        """Run `operation(client)` in a worker thread as the caller; map failures to AppError."""

        def run() -> T:
            return operation(self.client_for(token))

        try:
            return await to_thread.run_sync(run, limiter=self._limiter)
        except AppError:
            raise
        except (DatabricksError, TimeoutError, requests.exceptions.RequestException) as exc:
            raise map_databricks_error(
                exc, not_found=not_found, permission_denied=permission_denied, subject=subject
            ) from exc
