"""Statement result cells (`data_array` strings) converted to typed JSON values."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from typing import Any

import pytest

from server.models.unity_catalog import QueryColumn
from server.services.sql_values import convert_rows, convert_value


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


# -- Statement cells as the API answers them where the suite's usual data never goes: timestamps
# on a server whose local zone is not UTC, a malformed cell, a short row.
@pytest.fixture
def server_in_new_york(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The process's local zone is New York (UTC-5 in January) for the test, then restored."""
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.mark.usefixtures("server_in_new_york")
@pytest.mark.parametrize(
    ("raw", "answer"),
    [
        pytest.param("2024-01-02T03:04:05", "2024-01-02T03:04:05Z", id="naive-is-utc"),
        pytest.param("2024-01-02T03:04:05+01:00", "2024-01-02T02:04:05Z", id="offset-to-utc"),
    ],
)
def test_timestamps_are_utc_whatever_the_servers_zone(raw: str, answer: str) -> None:
    assert convert_value("TIMESTAMP", raw) == answer


def test_a_cell_that_does_not_parse_is_kept_as_text_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="server.services.sql_values"):
        assert convert_value("LONG", "12abc") == "12abc"

    assert [r.getMessage() for r in caplog.records] == [
        "unexpected LONG value in a statement result; kept as text"
    ]


def test_a_cell_without_a_type_is_kept_as_text() -> None:
    assert convert_value(None, "007") == "007"


def test_a_row_shorter_than_its_columns_keeps_the_cells_it_has() -> None:
    columns = [
        QueryColumn(name="id", type_name="LONG", type_text="bigint", position=0),
        QueryColumn(name="name", type_name="STRING", type_text="string", position=1),
    ]

    assert convert_rows(columns, [["1"], ["2", "b"]]) == [{"id": 1}, {"id": 2, "name": "b"}]
