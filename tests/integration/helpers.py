"""Assertions shared by the integration tests."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import httpx

ISO_WITH_OFFSET = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
TIMESTAMP_FIELDS = ("created_at", "updated_at", "timestamp")


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
