"""Assertions and expected API values shared by the integration tests."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import httpx

from fake_workspace.reference import ORDERS, TableDef, fraud_score, order_row, render_value

ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
TIMESTAMP_FIELDS = ("created_at", "updated_at", "timestamp")
# The tables of main.sales only bob may read (the seed grants him SELECT): alice never sees them.
HIDDEN_FROM_ALICE = {"margins_2023", "margins_2024"}


def assert_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """The response is the error envelope with this status and code; returns its body."""
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code, error
    assert error["message"]
    assert error["correlation_id"] == response.headers["x-request-id"]
    if status == 503:
        assert int(response.headers["retry-after"]) >= 1
        assert error["retry_after"] >= 1
    return dict(error)


def timestamps_in(value: Any) -> list[str]:
    """Every timestamp-named field anywhere in a JSON document."""
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key in TIMESTAMP_FIELDS and isinstance(item, str):
                found.append(item)
            else:
                found.extend(timestamps_in(item))
    elif isinstance(value, list):
        for item in value:
            found.extend(timestamps_in(item))
    return found


def assert_utc_timestamps(document: Any) -> None:
    """Every timestamp is ISO 8601 with an explicit UTC offset."""
    for stamp in timestamps_in(document):
        assert ISO_WITH_OFFSET.match(stamp), stamp
        assert datetime.fromisoformat(stamp).utcoffset() is not None
        assert datetime.fromisoformat(stamp).utcoffset().total_seconds() == 0, stamp


def api_value(value: Any, type_name: str, scale: int | None) -> Any:
    """How the API renders one seeded value (DECIMAL as an exact string, TIMESTAMP in UTC, Z)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return render_value(value, type_name, scale)
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    assert isinstance(value, date)
    return value.isoformat()


def expected_rows(table: TableDef, rows: Any = None) -> list[dict[str, Any]]:
    """Seeded rows (all of `table`'s by default) as the query endpoint renders them."""
    return [
        {
            c.name: api_value(v, c.type_name, c.scale)
            for c, v in zip(table.columns, row, strict=True)
        }
        for row in (table.rows if rows is None else rows)
    ]


def api_order(i: int) -> dict[str, Any]:
    """Order `i` (1-based) of `main.sales.orders` as the query endpoint renders it."""
    return expected_rows(ORDERS, [order_row(i)])[0]


def iso(epoch_ms: int) -> str:
    """A Databricks timestamp (epoch milliseconds) as the API renders it: ISO 8601 in UTC, Z."""
    return datetime.fromtimestamp(epoch_ms / 1000, tz=UTC).isoformat().replace("+00:00", "Z")


def expected_scores(first: int, count: int) -> list[float]:
    """fraud_score of orders first..first+count-1, computed from the seed, not from the app."""
    rows = [order_row(i) for i in range(first, first + count)]
    return [fraud_score(float(r[2]), r[4] or 0.0, r[8].hour) for r in rows]
