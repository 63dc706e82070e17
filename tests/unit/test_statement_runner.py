"""Statement runner helpers: the wait_timeout sent, and FAILED / CANCELED states mapped to codes."""

from __future__ import annotations

from typing import Any

import pytest
from databricks.sdk.service.sql import (
    ServiceError,
    ServiceErrorCode,
    StatementState,
    StatementStatus,
)

from server.config import Settings
from server.errors import ErrorCode
from server.services.statement_runner import statement_error, wait_timeout_for


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        pytest.param({}, "10s", id="default"),
        pytest.param({"sql_wait_timeout_seconds": 3}, "0s", id="below-5-becomes-0"),
        pytest.param({"sql_wait_timeout_seconds": 50}, "14s", id="below-http-timeout"),
        pytest.param({"query_timeout_seconds": 2}, "0s", id="small-budget"),
        pytest.param({"query_timeout_seconds": 7.5}, "7s", id="within-budget"),
    ],
)
def test_wait_timeout_stays_valid_and_within_budgets(
    overrides: dict[str, Any], expected: str
) -> None:
    settings = Settings(databricks_http_timeout_seconds=15, **overrides)
    assert wait_timeout_for(settings) == expected


@pytest.mark.parametrize(
    ("budget_left", "expected"),
    [
        pytest.param(12.0, "10s", id="ample-budget-keeps-the-setting"),
        pytest.param(6.7, "6s", id="wait-no-longer-than-what-is-left"),
        pytest.param(4.9, "0s", id="under-5-s-left-means-poll"),
        pytest.param(-1.0, "0s", id="already-spent"),
    ],
)
def test_wait_timeout_respects_the_budget_left(budget_left: float, expected: str) -> None:
    settings = Settings(databricks_http_timeout_seconds=15)
    assert wait_timeout_for(settings, budget_left) == expected


def _failed(code: ServiceErrorCode | None, message: str) -> StatementStatus:
    error = ServiceError(error_code=code, message=message)
    return StatementStatus(state=StatementState.FAILED, error=error)


@pytest.mark.parametrize(
    ("status", "code"),
    [
        pytest.param(
            _failed(ServiceErrorCode.BAD_REQUEST, "[TABLE_OR_VIEW_NOT_FOUND] The table x"),
            ErrorCode.TABLE_NOT_FOUND,
            id="table-class",
        ),
        pytest.param(
            _failed(ServiceErrorCode.NOT_FOUND, "gone"), ErrorCode.TABLE_NOT_FOUND, id="nf"
        ),
        pytest.param(
            _failed(ServiceErrorCode.BAD_REQUEST, "[INSUFFICIENT_PERMISSIONS] No SELECT"),
            ErrorCode.CATALOG_PERMISSION_DENIED,
            id="permission-class",
        ),
        pytest.param(
            _failed(ServiceErrorCode.BAD_REQUEST, "[UNRESOLVED_COLUMN.WITH_SUGGESTION] c"),
            ErrorCode.INVALID_QUERY,
            id="bad-request",
        ),
        pytest.param(
            _failed(ServiceErrorCode.TEMPORARILY_UNAVAILABLE, "busy"),
            ErrorCode.DATABRICKS_UNAVAILABLE,
            id="busy",
        ),
        pytest.param(_failed(None, "odd"), ErrorCode.QUERY_FAILED, id="unknown-code"),
        pytest.param(
            StatementStatus(state=StatementState.CANCELED), ErrorCode.QUERY_FAILED, id="canceled"
        ),
        pytest.param(None, ErrorCode.QUERY_FAILED, id="no-status"),
    ],
)
def test_statement_errors_map_by_code_then_error_class(
    status: StatementStatus | None, code: ErrorCode
) -> None:
    assert statement_error(status).code is code
