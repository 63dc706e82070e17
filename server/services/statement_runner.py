"""Runs one SQL statement as the caller: execute, poll, read chunks, cancel, map failures."""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from databricks.sdk import WorkspaceClient
from databricks.sdk.service.sql import (
    Disposition,
    ExecuteStatementRequestOnWaitTimeout,
    Format,
    ResultData,
    StatementParameterListItem,
    StatementResponse,
    StatementState,
    StatementStatus,
)

from server.clock import Clock
from server.config import Settings
from server.errors import AppError, ErrorCode
from server.models.unity_catalog import QueryColumn
from server.services.catalog_mapping import wire_name
from server.workspace import WorkspaceGateway

logger = logging.getLogger(__name__)

T = TypeVar("T")

MIN_WAIT_SECONDS = 5
MAX_WAIT_SECONDS = 50

# Analysis errors name their class in brackets at the start of the message, e.g.
# "[TABLE_OR_VIEW_NOT_FOUND] The table or view ... cannot be found." The statement API's
# error_code enum has no PERMISSION_DENIED, so the class is the only precise signal for these.
_ERROR_CLASS = re.compile(r"^\s*\[([A-Z0-9_]+)(?:\.[A-Z0-9_]+)*\]")
NOT_FOUND_CLASSES = frozenset(
    {"TABLE_OR_VIEW_NOT_FOUND", "SCHEMA_NOT_FOUND", "CATALOG_NOT_FOUND", "TABLE_NOT_FOUND"}
)
PERMISSION_CLASSES = frozenset({"INSUFFICIENT_PERMISSIONS", "PERMISSION_DENIED"})
# SQLSTATEs (status.sql_state, a structured field) come first: 42P01 undefined table,
# 3F000 invalid schema name, 42501 insufficient privilege.
NOT_FOUND_SQL_STATES = frozenset({"42P01", "3F000"})
PERMISSION_SQL_STATES = frozenset({"42501"})
UNAVAILABLE_STATEMENT_CODES = frozenset(
    {
        "TEMPORARILY_UNAVAILABLE",
        "WORKSPACE_TEMPORARILY_UNAVAILABLE",
        "SERVICE_UNDER_MAINTENANCE",
        "RESOURCE_EXHAUSTED",
    }
)
RUNNING_STATES = frozenset({StatementState.PENDING, StatementState.RUNNING})


@dataclass(frozen=True)
class StatementResult:
    columns: list[QueryColumn]
    data: list[list[str | None]]


def wait_timeout_for(settings: Settings, budget_seconds: float | None = None) -> str:
    """`wait_timeout` for execute_statement: "0s" or 5-50 s, and never past the query budget left
    or the HTTP read timeout (a read timeout would make the SDK send the POST again)."""
    wait = settings.sql_wait_timeout_seconds
    budget = settings.query_timeout_seconds if budget_seconds is None else budget_seconds
    ceiling = min(budget, settings.databricks_http_timeout_seconds - 1)
    wait = min(wait, math.floor(ceiling), MAX_WAIT_SECONDS)
    if wait < MIN_WAIT_SECONDS:
        # Below 5 s the API only accepts 0 (return at once, then poll).
        return "0s"
    return f"{wait}s"


def statement_error(status: StatementStatus | None) -> AppError:
    """Map a FAILED / CANCELED / CLOSED statement to our codes."""
    state = status.state if status else None
    error = status.error if status else None
    code = error.error_code.value if error and error.error_code else None
    message = (error.message if error else None) or ""
    match = _ERROR_CLASS.match(message)
    error_class = match.group(1) if match else None
    details = {
        "statement_state": state.value if state else None,
        "databricks_error_code": code,
        "error_class": error_class,
        "message": message or None,
    }
    if state is not StatementState.FAILED:
        return AppError(
            ErrorCode.QUERY_FAILED, "The query was cancelled or closed.", details=details
        )
    sql_state = status.sql_state if status else None
    details["sql_state"] = sql_state
    if sql_state in NOT_FOUND_SQL_STATES or code == "NOT_FOUND" or error_class in NOT_FOUND_CLASSES:
        return AppError(ErrorCode.TABLE_NOT_FOUND, "The table was not found.", details=details)
    if sql_state in PERMISSION_SQL_STATES or error_class in PERMISSION_CLASSES:
        return AppError(
            ErrorCode.CATALOG_PERMISSION_DENIED,
            "You do not have permission to query this table.",
            details=details,
        )
    if code in UNAVAILABLE_STATEMENT_CODES:
        return AppError(
            ErrorCode.DATABRICKS_UNAVAILABLE, "The SQL warehouse is busy; try again shortly."
        )
    if code == "BAD_REQUEST":
        return AppError(ErrorCode.INVALID_QUERY, "Databricks refused the query.", details=details)
    return AppError(ErrorCode.QUERY_FAILED, "The query failed in Databricks.", details=details)


def _chunk_reader(statement_id: str, index: int) -> Callable[[WorkspaceClient], ResultData]:
    return lambda w: w.statement_execution.get_statement_result_chunk_n(statement_id, index)


class StatementRunner:
    """Executes statements on a SQL warehouse with the caller's token; nothing is kept."""

    def __init__(self, settings: Settings, gateway: WorkspaceGateway, clock: Clock) -> None:
        self.settings = settings
        self.gateway = gateway
        self.clock = clock

    async def run(
        self,
        token: str,
        warehouse_id: str,
        statement: str,
        parameters: list[StatementParameterListItem],
        *,
        deadline: float | None = None,
    ) -> StatementResult:
        """Execute, poll until done within the query budget (else cancel → 503), read chunks.

        ``deadline`` (an instant on `self.clock.monotonic()`) lets the statements answering one
        request share one budget; by default the statement gets `query_timeout_seconds` alone.
        """
        if deadline is None:
            deadline = self.new_deadline()
        response = await self.gateway.call(
            token,
            lambda w: w.statement_execution.execute_statement(
                statement=statement,
                warehouse_id=warehouse_id,
                parameters=parameters,
                wait_timeout=wait_timeout_for(self.settings, deadline - self.clock.monotonic()),
                on_wait_timeout=ExecuteStatementRequestOnWaitTimeout.CONTINUE,
                disposition=Disposition.INLINE,
                format=Format.JSON_ARRAY,
            ),
            # A 404/403 here is about the warehouse (table problems come back as FAILED).
            not_found=ErrorCode.DATABRICKS_UNAVAILABLE,
            permission_denied=ErrorCode.PERMISSION_DENIED,
            subject="SQL warehouse",
        )
        statement_id = response.statement_id or ""
        while response.status is None or response.status.state in RUNNING_STATES:
            remaining = deadline - self.clock.monotonic()
            if remaining <= 0:
                await self._cancel(token, statement_id)
                raise AppError(
                    ErrorCode.QUERY_TIMEOUT,
                    f"The query did not finish within {self.settings.query_timeout_seconds:g} s "
                    "and was cancelled; try a smaller page or narrower filters.",
                    details={"statement_id": statement_id},
                )
            await self.clock.sleep(min(self.settings.query_poll_interval_seconds, remaining))
            response = await self._call(
                token, lambda w: w.statement_execution.get_statement(statement_id)
            )
        if response.status.state is not StatementState.SUCCEEDED:
            raise statement_error(response.status)
        return await self._collect(token, response)

    def new_deadline(self) -> float:
        """The instant the query budget (`query_timeout_seconds`) started now runs out."""
        return self.clock.monotonic() + self.settings.query_timeout_seconds

    async def _collect(self, token: str, response: StatementResponse) -> StatementResult:
        manifest_columns = (
            response.manifest.schema.columns
            if response.manifest and response.manifest.schema
            else None
        ) or []
        columns = [
            QueryColumn(name=c.name or "", type_name=wire_name(c.type_name), type_text=c.type_text)
            for c in sorted(manifest_columns, key=lambda c: c.position or 0)
        ]
        result = response.result
        data: list[list[str | None]] = (
            [list(row) for row in result.data_array or []] if result else []
        )
        next_index = result.next_chunk_index if result else None
        statement_id = response.statement_id or ""
        while next_index is not None:
            chunk = await self._call(token, _chunk_reader(statement_id, next_index))
            data.extend(list(row) for row in chunk.data_array or [])
            next_index = chunk.next_chunk_index
        return StatementResult(columns=columns, data=data)

    async def _call(self, token: str, operation: Callable[[WorkspaceClient], T]) -> T:
        """Calls on a running statement: a 404 means it expired or was closed."""
        return await self.gateway.call(
            token, operation, not_found=ErrorCode.QUERY_FAILED, subject="statement"
        )

    async def _cancel(self, token: str, statement_id: str) -> None:
        try:
            await self._call(token, lambda w: w.statement_execution.cancel_execution(statement_id))
        except AppError as exc:
            logger.warning("could not cancel statement %s: %s", statement_id, exc.code)
