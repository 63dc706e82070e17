"""SQL failures: a statement that fails still answers HTTP 200 with ``status.state = FAILED``."""

from __future__ import annotations

import re
from typing import Any, Literal, get_args

# The statement API's ``status.error.error_code`` values (the SDK's ``ServiceErrorCode``).
StatementErrorCode = Literal[
    "ABORTED",
    "ALREADY_EXISTS",
    "BAD_REQUEST",
    "CANCELLED",
    "DEADLINE_EXCEEDED",
    "INTERNAL_ERROR",
    "IO_ERROR",
    "NOT_FOUND",
    "RESOURCE_EXHAUSTED",
    "SERVICE_UNDER_MAINTENANCE",
    "TEMPORARILY_UNAVAILABLE",
    "UNAUTHENTICATED",
    "UNKNOWN",
    "WORKSPACE_TEMPORARILY_UNAVAILABLE",
]
STATEMENT_ERROR_CODES = frozenset(get_args(StatementErrorCode))
_ERROR_CLASS = re.compile(r"^\s*\[([A-Z0-9_.]+)\]")


class SqlError(Exception):
    """An analysis or runtime error of one statement, rendered into ``status.error``.

    ``message`` follows Databricks: ``[ERROR_CLASS] text SQLSTATE: xxxxx``.
    """

    def __init__(
        self, error_class: str, text: str, sql_state: str, *, error_code: str = "BAD_REQUEST"
    ) -> None:
        super().__init__(f"[{error_class}] {text}")
        self.error_class = error_class
        self.text = text
        self.sql_state = sql_state
        self.error_code = error_code

    @property
    def message(self) -> str:
        return f"[{self.error_class}] {self.text} SQLSTATE: {self.sql_state}"

    def status(self) -> dict[str, Any]:
        return {
            "state": "FAILED",
            "error": {"error_code": self.error_code, "message": self.message},
            "sql_state": self.sql_state,
        }


class InjectedSqlError(SqlError):
    """A failure queued by ``fake.sql.fail_next``: ``message`` is sent exactly as given."""

    def __init__(self, error_code: StatementErrorCode, message: str, sql_state: str) -> None:
        if error_code not in STATEMENT_ERROR_CODES:
            raise ValueError(
                f"{error_code!r} is not a statement error code; use one of "
                f"{', '.join(sorted(STATEMENT_ERROR_CODES))}."
            )
        found = _ERROR_CLASS.match(message)
        super().__init__(found.group(1) if found else "", message, sql_state, error_code=error_code)
        self.args = (message,)
        self._message = message

    @property
    def message(self) -> str:
        return self._message


class FakeLimitation(SqlError):
    """Valid Databricks SQL the fake cannot run: the statement fails AND the test fails."""

    def __init__(self, text: str) -> None:
        super().__init__("FAKE_WORKSPACE_LIMITATION", text, "0A000", error_code="INTERNAL_ERROR")


def parse_error(near: str) -> SqlError:
    return SqlError("PARSE_SYNTAX_ERROR", f"Syntax error at or near '{near}'.", "42601")


def table_not_found(parts: tuple[str, ...]) -> SqlError:
    quoted = ".".join(f"`{p}`" for p in parts)
    return SqlError(
        "TABLE_OR_VIEW_NOT_FOUND",
        f"The table or view {quoted} cannot be found. Verify the spelling and correctness of "
        "the schema and catalog.",
        "42P01",
    )


def insufficient_permissions(detail: str) -> SqlError:
    return SqlError("INSUFFICIENT_PERMISSIONS", f"Insufficient privileges: {detail}", "42501")


def unbound_parameter(name: str) -> SqlError:
    return SqlError(
        "UNBOUND_SQL_PARAMETER",
        f"Found the unbound parameter: {name}. Please, fix `args` and provide a mapping of the "
        "parameter to either a SQL literal or collection constructor functions.",
        "42P02",
    )
