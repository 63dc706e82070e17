"""Result types come from the statement, as a workspace types them: typed parameters, CASTs,
literals and the declared columns of the seeded tables, never from how SQLite stored a value."""

from __future__ import annotations

from typing import Any

import pytest
from databricks.sdk.service.sql import StatementParameterListItem, StatementResponse

from fake_workspace.reference import ALICE, ORDERS, WAREHOUSE_ID, render_value
from tests.harness.http import SdkFactory

pytestmark = pytest.mark.fake_only


def run(sdk: SdkFactory, sql: str, *params: tuple[str, str | None, str]) -> StatementResponse:
    items = [StatementParameterListItem(name=n, value=v, type=t) for n, v, t in params]
    return sdk(ALICE).statement_execution.execute_statement(
        sql, WAREHOUSE_ID, parameters=items or None
    )


def typed_row(response: StatementResponse) -> list[tuple[str | None, str | None, Any]]:
    """(type_name, type_text, value) of each column of the one result row."""
    assert response.manifest
    assert response.manifest.schema
    assert response.manifest.schema.columns
    assert response.result
    assert response.result.data_array
    (row,) = response.result.data_array
    columns = response.manifest.schema.columns
    return [
        (c.type_name.value if c.type_name else None, c.type_text, value)
        for c, value in zip(columns, row, strict=True)
    ]


def test_typed_parameters_keep_their_types(sdk: SdkFactory) -> None:
    response = run(
        sdk,
        "SELECT :i, :dec, :b, :d, :ts, :s, :l",
        ("i", "1", "INT"),
        ("dec", "12.50", "DECIMAL(10,2)"),
        ("b", "true", "BOOLEAN"),
        ("d", "2024-03-01", "DATE"),
        ("ts", "2024-03-01T10:20:30Z", "TIMESTAMP"),
        ("s", "7", "STRING"),
        ("l", "9000000000", "BIGINT"),
    )

    assert typed_row(response) == [
        ("INT", "INT", "1"),
        ("DECIMAL", "DECIMAL(10,2)", "12.50"),
        ("BOOLEAN", "BOOLEAN", "true"),
        ("DATE", "DATE", "2024-03-01"),
        ("TIMESTAMP", "TIMESTAMP", "2024-03-01T10:20:30.000Z"),
        ("STRING", "STRING", "7"),
        ("LONG", "BIGINT", "9000000000"),
    ]


def test_an_untyped_parameter_is_a_string(sdk: SdkFactory) -> None:
    response = run(sdk, "SELECT :n", ("n", "42", ""))

    assert typed_row(response) == [("STRING", "STRING", "42")]


def test_expressions_over_typed_parameters_are_typed(sdk: SdkFactory) -> None:
    response = run(sdk, "SELECT :i + 1, NOT :b", ("i", "1", "INT"), ("b", "false", "BOOLEAN"))

    assert typed_row(response) == [("INT", "INT", "2"), ("BOOLEAN", "BOOLEAN", "true")]


def test_literals_are_typed_like_databricks(sdk: SdkFactory) -> None:
    response = run(sdk, "SELECT 1, 12.50, 1e3, 'x', TRUE, 2147483648")

    assert typed_row(response) == [
        ("INT", "INT", "1"),
        ("DECIMAL", "DECIMAL(4,2)", "12.50"),  # an exact literal is a DECIMAL, scale kept
        ("DOUBLE", "DOUBLE", "1000.0"),
        ("STRING", "STRING", "x"),
        ("BOOLEAN", "BOOLEAN", "true"),
        ("LONG", "BIGINT", "2147483648"),  # past INT: BIGINT
    ]


def test_casts_give_their_target_type(sdk: SdkFactory) -> None:
    response = run(
        sdk,
        "SELECT CAST('3' AS INT), CAST(1 AS DECIMAL(5,2)), CAST(1 AS BOOLEAN), "
        "CAST('2024-03-01' AS DATE), CAST('2024-03-01 10:20:30' AS TIMESTAMP), "
        "CAST(:ts AS TIMESTAMP)",
        ("ts", "2024-03-01T10:20:30Z", "STRING"),
    )

    assert typed_row(response) == [
        ("INT", "INT", "3"),
        ("DECIMAL", "DECIMAL(5,2)", "1.00"),
        ("BOOLEAN", "BOOLEAN", "true"),
        ("DATE", "DATE", "2024-03-01"),
        ("TIMESTAMP", "TIMESTAMP", "2024-03-01T10:20:30.000Z"),
        ("TIMESTAMP", "TIMESTAMP", "2024-03-01T10:20:30.000Z"),
    ]


def test_seeded_columns_keep_their_declared_types(sdk: SdkFactory) -> None:
    response = run(sdk, f"SELECT * FROM {ORDERS.full_name} ORDER BY order_id LIMIT 1")

    assert typed_row(response) == [
        (c.type_name, c.type_text.upper(), render_value(v, c.type_name, c.scale))
        for c, v in zip(ORDERS.columns, ORDERS.rows[0], strict=True)
    ]


def test_a_typed_parameter_compares_with_a_seeded_timestamp(sdk: SdkFactory) -> None:
    column = next(c.name for c in ORDERS.columns if c.type_name == "TIMESTAMP")
    first = min(row[ORDERS.column_names.index(column)] for row in ORDERS.rows)
    response = run(
        sdk,
        f"SELECT COUNT(*) FROM {ORDERS.full_name} WHERE {column} <= CAST(:t AS TIMESTAMP)",
        ("t", first.isoformat(), "STRING"),
    )

    assert typed_row(response) == [("LONG", "BIGINT", "1")]
