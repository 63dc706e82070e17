"""Invokes a serving endpoint as the caller: retries 429/503 (never timeouts), maps failures."""

from __future__ import annotations

import logging
import math
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import httpx
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt
from tenacity.wait import wait_base, wait_exponential

from server.clock import Clock
from server.config import Settings
from server.errors import DEFAULT_RETRY_AFTER_SECONDS, AppError, ErrorCode
from server.services.model_inputs import endpoint_not_found
from server.workspace import WorkspaceGateway

logger = logging.getLogger(__name__)

_MODEL_MESSAGE_MAX_CHARS = 1000
_BACKOFF_MULTIPLIER_SECONDS = 0.5
_HTTP_BACKSTOP_SECONDS = 30.0


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header (delta seconds or HTTP date), else None."""
    if value is None or not value.strip():
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        try:
            moment = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        seconds = (moment - now).total_seconds()
    return max(seconds, 0.0) if math.isfinite(seconds) else None


class ModelBusy(Exception):
    """A 429/503 answer from the model: worth another try after `retry_after` seconds."""

    def __init__(self, status: int, retry_after: float | None) -> None:
        super().__init__(f"model answered {status}")
        self.status = status
        self.retry_after = retry_after


class RetryAfterWait(wait_base):
    """Wait what the model's Retry-After asks (capped), else back off exponentially."""

    def __init__(self, max_wait_seconds: float) -> None:
        self.max_wait_seconds = max_wait_seconds
        self.backoff = wait_exponential(
            multiplier=_BACKOFF_MULTIPLIER_SECONDS, max=max_wait_seconds
        )

    def __call__(self, retry_state: RetryCallState) -> float:
        outcome = retry_state.outcome
        error = outcome.exception() if outcome is not None else None
        if isinstance(error, ModelBusy) and error.retry_after is not None:
            return min(error.retry_after, self.max_wait_seconds)
        return float(self.backoff(retry_state))


def model_error_message(response: httpx.Response) -> tuple[str, str | None]:
    """The model's error message and error code, from its JSON envelope or its text."""
    try:
        payload = response.json()
    except ValueError:
        payload = None  # pragma: no mutate - any non-dict (e.g. "") takes the same path below
    # Overwritten whenever the body is a JSON object; otherwise any non-text (or empty) value
    # here falls back to the body text alike.
    message: Any = None  # pragma: no mutate - "" instead of None is the same fallback
    code: Any = None
    if isinstance(payload, dict):
        code = payload.get("error_code")
        message = payload.get("message")
        error = payload.get("error")
        if message is None and isinstance(error, dict):
            message = error.get("message")
        elif message is None and isinstance(error, str):
            message = error
    if not isinstance(message, str) or not message:
        message = response.text.strip() or f"HTTP {response.status_code}"
    return message[:_MODEL_MESSAGE_MAX_CHARS], code if isinstance(code, str) else None


def model_failure(response: httpx.Response) -> AppError:
    """The error for a non-2xx, non-retryable answer of the model."""
    status = response.status_code
    message, code = model_error_message(response)
    details = {"model_status": status, "model_error_code": code}
    if status == 404:
        return endpoint_not_found()
    if status == 401:
        return AppError(ErrorCode.AUTH_INVALID, "Databricks rejected the access token.")
    if status == 403:
        return AppError(
            ErrorCode.PERMISSION_DENIED, "You do not have permission to query this endpoint."
        )
    if status in (408, 504):
        return AppError(ErrorCode.MODEL_TIMEOUT, "The model did not answer in time.")
    if status < 500:
        return AppError(
            ErrorCode.INVALID_INPUT, f"The model refused the input: {message}", details=details
        )
    return AppError(ErrorCode.MODEL_ERROR, f"The model failed: {message}", details=details)


class ModelInvoker:
    """Sends invocations with the caller's token over the shared HTTP client."""

    def __init__(
        self,
        settings: Settings,
        gateway: WorkspaceGateway,
        http_client: httpx.AsyncClient,
        clock: Clock,
    ) -> None:
        self.settings = settings
        self.gateway = gateway
        self.http_client = http_client
        self.clock = clock

    async def post(
        self, token: str, name: str, body: bytes, timeout_seconds: float
    ) -> httpx.Response:
        """The model's 2xx answer, after up to `model_retry_attempts` tries; else an AppError."""
        url = f"{self.gateway.host}/serving-endpoints/{quote(name, safe='')}/invocations"
        headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Accept": "application/json",
        }
        attempts = self.settings.model_retry_attempts
        retrying = AsyncRetrying(
            stop=stop_after_attempt(attempts),
            wait=RetryAfterWait(self.settings.model_retry_max_wait_seconds),
            retry=retry_if_exception_type(ModelBusy),
            sleep=self.clock.sleep,
            reraise=True,
        )
        try:
            return await retrying(self._post_once, url, headers, body, timeout_seconds)
        except ModelBusy as busy:
            wait = busy.retry_after
            retry_after = math.ceil(wait) if wait is not None else DEFAULT_RETRY_AFTER_SECONDS
            raise AppError(
                ErrorCode.MODEL_UNAVAILABLE,
                f"The model is busy (HTTP {busy.status}) after {attempts} attempts; "
                f"try again in {retry_after} s.",
                retry_after=max(retry_after, 1),
            ) from None

    async def _post_once(
        self, url: str, headers: dict[str, str], body: bytes, timeout_seconds: float
    ) -> httpx.Response:
        try:
            # The caller's budget is kept on the app's clock; httpx's own timeout (a little
            # later) is only a backstop for a clock that is never advanced.
            async with self.clock.timeout(timeout_seconds):
                response = await self.http_client.post(
                    url,
                    content=body,
                    headers=headers,
                    timeout=timeout_seconds + _HTTP_BACKSTOP_SECONDS,
                )
        except (TimeoutError, httpx.TimeoutException) as exc:
            # Never retried: the model may have run, and a second call would be billed again.
            raise AppError(
                ErrorCode.MODEL_TIMEOUT,
                f"The model did not answer within {timeout_seconds:g} s.",
                details={"timeout_seconds": timeout_seconds},
            ) from exc
        except httpx.TransportError as exc:
            logger.warning("serving endpoint unreachable: %s", type(exc).__name__)
            raise AppError(
                ErrorCode.MODEL_UNAVAILABLE, "The serving endpoint could not be reached."
            ) from exc
        if response.status_code in (429, 503):
            raise ModelBusy(
                response.status_code,
                parse_retry_after(response.headers.get("Retry-After"), self.clock.now()),
            )
        if response.is_success:
            return response
        raise model_failure(response)
