"""A query whose statement fails in the warehouse, through the API: the whole error envelope a
client reads (code, our message, and the warehouse's state, code, class, message and SQLSTATE
in `details`), for each way the failure is classified."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from databricks.sdk.service.sql import (
    ServiceError,
    ServiceErrorCode,
    StatementState,
    StatementStatus,
)

from fake_workspace import FakeWorkspace
from fake_workspace.reference import ALICE, PRODUCTS
from server.errors import ErrorCode
from server.services.statement_runner import statement_error
from tests.harness import auth
from tests.integration.api import query_url
from tests.integration.expectations import assert_error

pytestmark = pytest.mark.fake_only

QUERY = query_url(PRODUCTS)


def details(code: str, message: str, error_class: str | None, sql_state: str) -> dict[str, Any]:
    return {
        "statement_state": "FAILED",
        "databricks_error_code": code,
        "error_class": error_class,
        "message": message,
        "sql_state": sql_state,
    }


@pytest.mark.parametrize(
    ("code", "message", "sql_state", "status", "ours", "our_message", "error_class"),
    [
        pytest.param(
            "BAD_REQUEST",
            "[TABLE_OR_VIEW_NOT_FOUND] The table or view cannot be found.",
            "42P01",
            404,
            "TABLE_NOT_FOUND",
            "The table was not found.",
            "TABLE_OR_VIEW_NOT_FOUND",
            id="not-found-by-sqlstate",
        ),
        pytest.param(
            "NOT_FOUND",
            "Gone.",
            "00000",
            404,
            "TABLE_NOT_FOUND",
            "The table was not found.",
            None,
            id="not-found-by-code",
        ),
        pytest.param(
            "BAD_REQUEST",
            "[SCHEMA_NOT_FOUND.WITH_SUGGESTION] No such schema.",
            "00000",
            404,
            "TABLE_NOT_FOUND",
            "The table was not found.",
            "SCHEMA_NOT_FOUND",
            id="not-found-by-class",
        ),
        pytest.param(
            "BAD_REQUEST",
            "no privilege",
            "42501",
            403,
            "CATALOG_PERMISSION_DENIED",
            "You do not have permission to query this table.",
            None,
            id="denied-by-sqlstate",
        ),
        pytest.param(
            "BAD_REQUEST",
            "[INSUFFICIENT_PERMISSIONS] Insufficient privileges: no SELECT",
            "42501",
            403,
            "CATALOG_PERMISSION_DENIED",
            "You do not have permission to query this table.",
            "INSUFFICIENT_PERMISSIONS",
            id="denied-by-sqlstate-with-class",
        ),
        pytest.param(
            "BAD_REQUEST",
            "  [PERMISSION_DENIED] No.",
            "00000",
            403,
            "CATALOG_PERMISSION_DENIED",
            "You do not have permission to query this table.",
            "PERMISSION_DENIED",
            id="denied-by-class",
        ),
        pytest.param(
            "BAD_REQUEST",
            "[DIVIDE_BY_ZERO] Division by zero.",
            "22012",
            400,
            "INVALID_QUERY",
            "Databricks refused the query.",
            "DIVIDE_BY_ZERO",
            id="refused",
        ),
        pytest.param(
            "INTERNAL_ERROR",
            "[X] Boom.",
            "XX000",
            502,
            "QUERY_FAILED",
            "The query failed in Databricks.",
            "X",
            id="failed",
        ),
    ],
)
async def test_a_failed_statement_answers_the_whole_envelope(
    client: httpx.AsyncClient,
    fake: FakeWorkspace,
    code: str,
    message: str,
    sql_state: str,
    status: int,
    ours: str,
    our_message: str,
    error_class: str | None,
) -> None:
    fake.sql.fail_next(error_code=code, message=message, sql_state=sql_state)

    response = await client.get(QUERY, headers=auth(ALICE.token))

    error = assert_error(response, status, ours)
    assert error["message"] == our_message
    assert error["details"] == details(code, message, error_class, sql_state)


async def test_failed_statement_is_mapped_by_its_sql_state(
    client: httpx.AsyncClient, fake: FakeWorkspace
) -> None:
    fake.sql.fail_next(message="Access to this object was refused.", sql_state="42501")
    response = await client.get(
        "/api/unity-catalog/query",
        params={"catalog": "main", "schema": "sales", "table": "orders"},
        headers=auth(ALICE.token),
    )
    error = assert_error(response, 403, "CATALOG_PERMISSION_DENIED")
    assert error["details"]["sql_state"] == "42501"


@pytest.mark.parametrize(
    "code", ["TEMPORARILY_UNAVAILABLE", "WORKSPACE_TEMPORARILY_UNAVAILABLE", "RESOURCE_EXHAUSTED"]
)
async def test_a_busy_warehouse_is_503_asking_to_retry(
    client: httpx.AsyncClient, fake: FakeWorkspace, code: str
) -> None:
    fake.sql.fail_next(error_code=code, message="[BUSY] later", sql_state="00000")

    response = await client.get(QUERY, headers=auth(ALICE.token))

    error = assert_error(response, 503, "DATABRICKS_UNAVAILABLE")
    assert error["message"] == "The SQL warehouse is busy; try again shortly."


# The fake never ends a statement CANCELED or CLOSED on its own (only on the app's cancel, which
# the app reports as a timeout), so these states are mapped directly.
@pytest.mark.parametrize("state", [StatementState.CANCELED, StatementState.CLOSED])
def test_a_cancelled_or_closed_statement_says_so_with_its_state(state: StatementState) -> None:
    error = statement_error(
        StatementStatus(
            state=state,
            error=ServiceError(error_code=ServiceErrorCode.ABORTED, message="[STOPPED] by user"),
        )
    )

    assert error.code is ErrorCode.QUERY_FAILED
    assert error.message == "The query was cancelled or closed."
    assert error.details == {
        "statement_state": state.value,
        "databricks_error_code": "ABORTED",
        "error_class": "STOPPED",
        "message": "[STOPPED] by user",
    }


def test_a_statement_without_status_is_a_failure_with_empty_details() -> None:
    error = statement_error(None)

    assert error.message == "The query was cancelled or closed."
    assert error.details == {
        "statement_state": None,
        "databricks_error_code": None,
        "error_class": None,
        "message": None,
    }
