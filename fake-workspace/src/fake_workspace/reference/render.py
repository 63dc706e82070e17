"""How values appear in a ``JSON_ARRAY`` statement result (strings or null, like Databricks).

The fake renders its SQL results with these functions, and tests use them to build the
``data_array`` they expect from seeded rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from fake_workspace.reference.specs import ColumnDef, Row

_INTEGRAL = frozenset({"BYTE", "SHORT", "INT", "LONG"})


def format_timestamp(value: datetime) -> str:
    """``2024-01-01T01:37:00.000Z``: UTC, millisecond precision."""
    value = value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def render_value(value: Any, type_name: str, scale: int | None = None) -> str | None:
    """Render one value of a result column of UC/SQL type ``type_name``."""
    if value is None:
        return None
    if type_name == "BOOLEAN":
        return "true" if value else "false"
    if type_name == "DECIMAL":
        quantum = Decimal(1).scaleb(-(scale or 0))
        return str(Decimal(str(value)).quantize(quantum))
    if type_name in _INTEGRAL:
        return str(int(value))
    if type_name in {"DOUBLE", "FLOAT"}:
        return repr(float(value))
    if type_name == "TIMESTAMP" and isinstance(value, datetime):
        return format_timestamp(value)
    if type_name == "DATE" and isinstance(value, date):
        return value.isoformat()
    return str(value)


def render_row(row: Row, columns: Sequence[ColumnDef]) -> list[str | None]:
    return [render_value(v, c.type_name, c.scale) for v, c in zip(row, columns, strict=True)]


def expected_data_array(
    rows: Iterable[Row], columns: Sequence[ColumnDef]
) -> list[list[str | None]]:
    """The ``data_array`` a ``SELECT *`` over ``rows`` returns."""
    return [render_row(row, columns) for row in rows]
