"""Every way a Databricks call fails, as the client will read it: the error code, status,
message and details `map_databricks_error` gives each SDK failure - by Databricks' error code
first, then by the SDK's class for the HTTP status, never by message text."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from databricks.sdk import errors

from server.errors import ErrorCode
from server.workspace import map_databricks_error

BUSY = "Databricks is busy; try again shortly."
SLOW = "Databricks did not answer in time; try again shortly."
UNEXPECTED = "Databricks answered with an unexpected error."


def refused(code: str | None) -> tuple[ErrorCode, int, str, Any]:
    return (
        ErrorCode.INVALID_REQUEST,
        400,
        "Databricks refused the request for this table.",
        {"databricks_error_code": code},
    )


CASES: list[tuple[BaseException, tuple[ErrorCode, int, str, Any]]] = [
    (TimeoutError(), (ErrorCode.DATABRICKS_UNAVAILABLE, 503, SLOW, {"subject": "table"})),
    (
        requests.exceptions.ConnectionError(),
        (ErrorCode.DATABRICKS_UNAVAILABLE, 503, SLOW, {"subject": "table"}),
    ),
    (ValueError("odd"), (ErrorCode.DATABRICKS_ERROR, 502, "Databricks call failed.", None)),
    (
        errors.NotFound("x", error_code="CATALOG_DOES_NOT_EXIST"),
        (ErrorCode.CATALOG_NOT_FOUND, 404, "The catalog was not found.", None),
    ),
    (
        errors.BadRequest("x", error_code="SCHEMA_DOES_NOT_EXIST"),
        (ErrorCode.SCHEMA_NOT_FOUND, 404, "The schema was not found.", None),
    ),
    (
        errors.DatabricksError("x", error_code="TABLE_DOES_NOT_EXIST"),
        (ErrorCode.TABLE_NOT_FOUND, 404, "The table was not found.", None),
    ),
    (errors.NotFound("x"), (ErrorCode.NOT_FOUND, 404, "The table was not found.", None)),
    (
        errors.DatabricksError("x", error_code="RESOURCE_DOES_NOT_EXIST"),
        (ErrorCode.NOT_FOUND, 404, "The table was not found.", None),
    ),
    (
        errors.PermissionDenied("x", error_code="NOT_FOUND"),
        (ErrorCode.NOT_FOUND, 404, "The table was not found.", None),
    ),
    (
        errors.PermissionDenied("x"),
        (
            ErrorCode.PERMISSION_DENIED,
            403,
            "You do not have permission to access this table.",
            None,
        ),
    ),
    (
        errors.DatabricksError("x", error_code="PERMISSION_DENIED"),
        (
            ErrorCode.PERMISSION_DENIED,
            403,
            "You do not have permission to access this table.",
            None,
        ),
    ),
    (
        errors.Unauthenticated("x"),
        (ErrorCode.AUTH_INVALID, 401, "Databricks rejected the access token.", None),
    ),
    (
        errors.DatabricksError("x", error_code="UNAUTHENTICATED"),
        (ErrorCode.AUTH_INVALID, 401, "Databricks rejected the access token.", None),
    ),
    (errors.TooManyRequests("x"), (ErrorCode.DATABRICKS_UNAVAILABLE, 503, BUSY, None)),
    (errors.TemporarilyUnavailable("x"), (ErrorCode.DATABRICKS_UNAVAILABLE, 503, BUSY, None)),
    *(
        (
            errors.DatabricksError("x", error_code=code),
            (ErrorCode.DATABRICKS_UNAVAILABLE, 503, BUSY, None),
        )
        for code in ("TEMPORARILY_UNAVAILABLE", "REQUEST_LIMIT_EXCEEDED", "RESOURCE_EXHAUSTED")
    ),
    (errors.BadRequest("x"), refused(None)),
    *(
        (errors.DatabricksError("x", error_code=code), refused(code))
        for code in ("INVALID_PARAMETER_VALUE", "BAD_REQUEST", "INVALID_STATE")
    ),
    (
        errors.InternalError("x", error_code="INTERNAL_ERROR"),
        (ErrorCode.DATABRICKS_ERROR, 502, UNEXPECTED, {"databricks_error_code": "INTERNAL_ERROR"}),
    ),
    (
        errors.DatabricksError("x"),
        (ErrorCode.DATABRICKS_ERROR, 502, UNEXPECTED, {"databricks_error_code": None}),
    ),
]


@pytest.mark.parametrize(("failure", "expected"), CASES, ids=[repr(c[0]) for c in CASES])
def test_each_failure_is_the_error_the_client_reads(
    failure: BaseException, expected: tuple[ErrorCode, int, str, Any]
) -> None:
    error = map_databricks_error(failure, subject="table")

    assert (error.code, error.status_code, error.message, error.details) == expected


def test_the_caller_names_what_was_missing_or_forbidden_and_the_default_is_a_resource() -> None:
    missing = map_databricks_error(errors.NotFound("x"), not_found=ErrorCode.ENDPOINT_NOT_FOUND)
    forbidden = map_databricks_error(
        errors.PermissionDenied("x"), permission_denied=ErrorCode.CATALOG_PERMISSION_DENIED
    )
    slow = map_databricks_error(TimeoutError())

    assert (missing.code, missing.message) == (
        ErrorCode.ENDPOINT_NOT_FOUND,
        "The resource was not found.",
    )
    assert (forbidden.code, forbidden.status_code) == (ErrorCode.CATALOG_PERMISSION_DENIED, 403)
    assert slow.details == {"subject": "resource"}
