"""Statement result cells (`data_array` strings) converted to typed JSON values."""

from __future__ import annotations

from typing import Any

import pytest

from server.services.sql_values import convert_value


@pytest.mark.parametrize(
    ("type_name", "raw", "value"),
    [
        pytest.param("LONG", "42", 42, id="long"),
        pytest.param("DOUBLE", "0.25", 0.25, id="double"),
        pytest.param("DOUBLE", "NaN", "NaN", id="nan-kept-as-text"),
        pytest.param("BOOLEAN", "true", True, id="bool"),
        pytest.param("DECIMAL", "12.50", "12.50", id="decimal-exact-string"),
        pytest.param("DATE", "2024-01-01", "2024-01-01", id="date"),
        pytest.param("TIMESTAMP", "2024-01-01T01:37:00.000Z", "2024-01-01T01:37:00Z", id="ts-z"),
        pytest.param("TIMESTAMP", "2024-01-01 01:37:00+02:00", "2023-12-31T23:37:00Z", id="tz"),
        pytest.param("TIMESTAMP", "2024-01-01 01:37:00", "2024-01-01T01:37:00Z", id="naive"),
        pytest.param("ARRAY", "[1,2]", [1, 2], id="array"),
        pytest.param("INT", "oops", "oops", id="garbage-kept"),
        pytest.param("INT", None, None, id="null"),
        pytest.param(None, "x", "x", id="no-type"),
    ],
)
def test_convert_value_types_each_cell(type_name: str | None, raw: str | None, value: Any) -> None:
    assert convert_value(type_name, raw) == value
