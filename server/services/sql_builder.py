"""Pure SQL text for table queries: quoted identifiers, typed parameters, WHERE/ORDER BY, SELECT.

The table is bound only as `IDENTIFIER(:table_name)` and every filter value travels as a typed
named parameter; the only names written into SQL text are column names taken from the table's
Unity Catalog metadata, backquote-escaped. LIMIT and OFFSET are validated integers written as
integer literals.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from databricks.sdk.service.sql import StatementParameterListItem

from server.errors import AppError, ErrorCode
from server.models.unity_catalog import InFilter, LikeFilter, NullFilter, QueryFilter, QueryOrder
from server.services.sql_types import (
    FILTERABLE_TYPES,
    FLOAT_TYPES,
    INTEGER_TYPES,
    UNSORTABLE_TYPES,
)

TABLE_PARAMETER = "table_name"
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
MAX_DECIMAL_PRECISION = 38

COMPARISON_SQL = {"=": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


@dataclass(frozen=True)
class Column:
    """A column of a table, from Unity Catalog metadata."""

    name: str
    type_name: str
    type_text: str
    position: int


def quote_identifier(name: str) -> str:
    """A backquoted SQL identifier; backquotes inside are doubled."""
    return "`" + name.replace("`", "``") + "`"


def qualified_name(catalog: str, schema: str, table: str) -> str:
    """The value bound to IDENTIFIER(:table_name): every part backquoted."""
    return ".".join(quote_identifier(part) for part in (catalog, schema, table))


def table_parameter(catalog: str, schema: str, table: str) -> StatementParameterListItem:
    """The `:table_name` parameter that `IDENTIFIER(...)` resolves to the table."""
    return StatementParameterListItem(
        name=TABLE_PARAMETER, value=qualified_name(catalog, schema, table), type="STRING"
    )


def invalid_query(message: str, **details: Any) -> AppError:
    return AppError(ErrorCode.INVALID_QUERY, message, details=details or None)


def find_column(columns: Sequence[Column], name: str) -> Column:
    """The column called `name` (exact, else the one case-insensitive match), or 400."""
    for column in columns:
        if column.name == name:
            return column
    folded = [c for c in columns if c.name.casefold() == name.casefold()]
    if len(folded) == 1:
        return folded[0]
    raise invalid_query(f"The table has no column '{name}'.", column=name)


def _decimal_type(value: Decimal) -> str:
    """The narrowest DECIMAL(p,s) that holds `value` exactly, like a SQL literal's type."""
    _, digits, exponent = value.as_tuple()
    assert isinstance(exponent, int)
    scale = max(-exponent, 0)
    # A finite Decimal has at least one digit, so precision is at least 1.
    precision = max(len(digits) + max(exponent, 0), scale)
    if precision > MAX_DECIMAL_PRECISION:
        raise ValueError("more than 38 digits")
    return f"DECIMAL({precision},{scale})"


def typed_value(column: Column, value: Any) -> tuple[str, str]:
    """`(parameter type, parameter text)` for a filter value on `column`, or ValueError."""
    kind = column.type_name
    if kind in INTEGER_TYPES:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError("expects an integer")
        if not INT64_MIN <= value <= INT64_MAX:
            raise ValueError("is out of the 64-bit integer range")
        # BIGINT whatever the column's width: comparing a TINYINT with 1000 is valid SQL.
        return "BIGINT", str(value)
    if kind in FLOAT_TYPES:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError("expects a number")
        if not math.isfinite(value):
            raise ValueError("expects a finite number")
        return "DOUBLE", repr(float(value))
    if kind == "DECIMAL":
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise ValueError("expects a decimal number (a number or a string such as '12.50')")
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation as exc:
            raise ValueError("expects a decimal number") from exc
        if not number.is_finite():
            raise ValueError("expects a finite decimal number")
        return _decimal_type(number), format(number, "f")
    if kind == "BOOLEAN":
        if not isinstance(value, bool):
            raise ValueError("expects true or false")
        return "BOOLEAN", "true" if value else "false"
    if not isinstance(value, str):
        raise ValueError("expects a string")
    if kind == "DATE":
        try:
            return "DATE", date.fromisoformat(value).isoformat()
        except ValueError as exc:
            raise ValueError("expects a date (YYYY-MM-DD)") from exc
    if kind in ("TIMESTAMP", "TIMESTAMP_NTZ"):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError as exc:
            raise ValueError("expects an ISO 8601 timestamp") from exc
        return kind, parsed.isoformat()
    return "STRING", value


class ParameterSet:
    """Named parameters `:p0`, `:p1`... in the order they are added."""

    def __init__(self) -> None:
        self.items: list[StatementParameterListItem] = []

    def add(self, type_: str, value: str) -> str:
        name = f"p{len(self.items)}"
        self.items.append(StatementParameterListItem(name=name, value=value, type=type_))
        return f":{name}"


def filter_sql(flt: QueryFilter, columns: Sequence[Column], params: ParameterSet) -> str:
    """One filter as a SQL condition; the column is quoted from metadata, values are markers."""
    column = find_column(columns, flt.column)
    ident = quote_identifier(column.name)
    if isinstance(flt, NullFilter):
        return f"{ident} IS NULL" if flt.op == "is_null" else f"{ident} IS NOT NULL"
    if column.type_name not in FILTERABLE_TYPES:
        raise invalid_query(
            f"Column '{column.name}' of type {column.type_text} can only be filtered with "
            "is_null or not_null.",
            column=column.name,
        )
    try:
        if isinstance(flt, LikeFilter):
            return f"{ident} LIKE {params.add('STRING', flt.value)}"
        if isinstance(flt, InFilter):
            markers = [params.add(*typed_value(column, item)) for item in flt.value]
            return f"{ident} IN ({', '.join(markers)})"
        return f"{ident} {COMPARISON_SQL[flt.op]} {params.add(*typed_value(column, flt.value))}"
    except (ValueError, OverflowError) as exc:  # OverflowError: an int too large for a DOUBLE
        raise invalid_query(
            f"Filter on column '{column.name}' ({column.type_text}) {exc}.", column=column.name
        ) from exc


def where_sql(
    filters: Iterable[QueryFilter], columns: Sequence[Column], params: ParameterSet
) -> str:
    """` WHERE a AND b ...`, or an empty string without filters."""
    conditions = [filter_sql(flt, columns, params) for flt in filters]
    return f" WHERE {' AND '.join(conditions)}" if conditions else ""


def order_sql(order_by: Iterable[QueryOrder], columns: Sequence[Column]) -> str:
    """The requested keys, then every sortable column in position order: a stable total order."""
    keys: list[str] = []
    used: set[str] = set()
    for order in order_by:
        column = find_column(columns, order.column)
        if column.type_name in UNSORTABLE_TYPES:
            raise invalid_query(
                f"Column '{column.name}' of type {column.type_text} cannot be sorted.",
                column=column.name,
            )
        if column.name not in used:
            used.add(column.name)
            keys.append(f"{quote_identifier(column.name)} {order.direction.upper()}")
    for column in sorted(columns, key=lambda c: c.position):
        if column.name not in used and column.type_name not in UNSORTABLE_TYPES:
            keys.append(f"{quote_identifier(column.name)} ASC")
    return f" ORDER BY {', '.join(keys)}" if keys else ""


def select_sql(
    columns: Sequence[Column], where: str, order: str, *, limit: int, offset: int
) -> str:
    names = ", ".join(quote_identifier(c.name) for c in sorted(columns, key=lambda c: c.position))
    # limit and offset are validated ints, never text from the request.
    return (
        f"SELECT {names} FROM IDENTIFIER(:{TABLE_PARAMETER}){where}{order}"
        f" LIMIT {int(limit)} OFFSET {int(offset)}"
    )


def count_sql(where: str) -> str:
    return f"SELECT COUNT(*) AS total_row_count FROM IDENTIFIER(:{TABLE_PARAMETER}){where}"
