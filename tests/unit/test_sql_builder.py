"""Pure SQL building for table queries: quoting, parameter typing, filters, ORDER BY, statements."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from server.errors import AppError, ErrorCode
from server.models.unity_catalog import QueryFilter, QueryOrder
from server.services.sql_builder import (
    Column,
    ParameterSet,
    count_sql,
    filter_sql,
    find_column,
    order_sql,
    qualified_name,
    quote_identifier,
    select_sql,
    typed_value,
    where_sql,
)

COLUMNS = (
    Column("id", "LONG", "bigint", 0),
    Column("name", "STRING", "string", 1),
    Column("amount", "DECIMAL", "decimal(10,2)", 2),
    Column("tags", "MAP", "map<string,string>", 3),
    Column("weird`col", "INT", "int", 4),
)


FILTER: TypeAdapter[QueryFilter] = TypeAdapter(QueryFilter)


def _filter(column: str, op: str, value: Any = None) -> QueryFilter:
    return FILTER.validate_python({"column": column, "op": op, "value": value})


@pytest.mark.parametrize(
    ("name", "quoted"),
    [
        pytest.param("orders", "`orders`", id="plain"),
        pytest.param("données-été", "`données-été`", id="unicode"),
        pytest.param("a`b", "`a``b`", id="backquote-doubled"),
        pytest.param(
            "x`; DROP TABLE t; --", "`x``; DROP TABLE t; --`", id="injection-stays-inside"
        ),
    ],
)
def test_quote_identifier_backquotes_and_doubles_backquotes(name: str, quoted: str) -> None:
    assert quote_identifier(name) == quoted


def test_qualified_name_quotes_every_part() -> None:
    assert qualified_name("main", "ventes 2024", "clients €") == "`main`.`ventes 2024`.`clients €`"


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        pytest.param(Column("c", "INT", "int", 0), 5, ("BIGINT", "5"), id="int-as-bigint"),
        pytest.param(Column("c", "BYTE", "tinyint", 0), 1000, ("BIGINT", "1000"), id="wide"),
        pytest.param(Column("c", "DOUBLE", "double", 0), 2, ("DOUBLE", "2.0"), id="double"),
        pytest.param(
            Column("c", "DECIMAL", "decimal(10,2)", 0), "12.50", ("DECIMAL(4,2)", "12.50"), id="dec"
        ),
        pytest.param(
            Column("c", "DECIMAL", "decimal(10,2)", 0), 1e3, ("DECIMAL(5,1)", "1000.0"), id="dec-f"
        ),
        pytest.param(Column("c", "DECIMAL", "decimal(4,0)", 0), 0, ("DECIMAL(1,0)", "0"), id="0"),
        pytest.param(Column("c", "BOOLEAN", "boolean", 0), False, ("BOOLEAN", "false"), id="bool"),
        pytest.param(Column("c", "DATE", "date", 0), "2024-07-01", ("DATE", "2024-07-01"), id="d"),
        pytest.param(
            Column("c", "TIMESTAMP", "timestamp", 0),
            "2024-01-01T10:00:00Z",
            ("TIMESTAMP", "2024-01-01T10:00:00+00:00"),
            id="ts",
        ),
        pytest.param(Column("c", "STRING", "string", 0), "O'Brien", ("STRING", "O'Brien"), id="s"),
    ],
)
def test_typed_value_derives_the_parameter_type_from_the_column(
    column: Column, value: Any, expected: tuple[str, str]
) -> None:
    assert typed_value(column, value) == expected


@pytest.mark.parametrize(
    ("type_name", "value"),
    [
        pytest.param("INT", True, id="bool-is-not-int"),
        pytest.param("INT", 1.5, id="float-for-int"),
        pytest.param("LONG", 2**63, id="int-overflow"),
        pytest.param("DOUBLE", "1", id="string-for-double"),
        pytest.param("DOUBLE", float("nan"), id="nan"),
        pytest.param("DECIMAL", "abc", id="not-a-decimal"),
        pytest.param("DECIMAL", "Infinity", id="infinite-decimal"),
        pytest.param("DECIMAL", "1" * 39, id="too-many-digits"),
        pytest.param("DECIMAL", True, id="bool-for-decimal"),
        pytest.param("BOOLEAN", "true", id="string-for-bool"),
        pytest.param("STRING", 5, id="int-for-string"),
        pytest.param("DATE", "July 1st", id="bad-date"),
        pytest.param("TIMESTAMP", "noon", id="bad-timestamp"),
    ],
)
def test_typed_value_refuses_values_that_do_not_fit_the_column(type_name: str, value: Any) -> None:
    with pytest.raises(ValueError, match=r"expects|out of|digits"):
        typed_value(Column("c", type_name, type_name.lower(), 0), value)


def test_filter_values_become_numbered_markers_never_literals() -> None:
    params = ParameterSet()
    sql = where_sql(
        [_filter("name", "=", "x' OR '1'='1"), _filter("id", "in", [1, 2]), _filter("id", "!=", 3)],
        COLUMNS,
        params,
    )
    assert sql == " WHERE `name` = :p0 AND `id` IN (:p1, :p2) AND `id` <> :p3"
    assert [(p.name, p.type, p.value) for p in params.items] == [
        ("p0", "STRING", "x' OR '1'='1"),
        ("p1", "BIGINT", "1"),
        ("p2", "BIGINT", "2"),
        ("p3", "BIGINT", "3"),
    ]


@pytest.mark.parametrize(
    ("flt", "sql"),
    [
        pytest.param(_filter("tags", "is_null"), "`tags` IS NULL", id="is-null"),
        pytest.param(_filter("name", "not_null"), "`name` IS NOT NULL", id="not-null"),
        pytest.param(_filter("name", "like", "A%"), "`name` LIKE :p0", id="like"),
        pytest.param(_filter("weird`col", ">=", 1), "`weird``col` >= :p0", id="quoted-column"),
        pytest.param(_filter("NAME", "<", "m"), "`name` < :p0", id="case-insensitive-column"),
    ],
)
def test_filter_sql_renders_each_operator(flt: QueryFilter, sql: str) -> None:
    assert filter_sql(flt, COLUMNS, ParameterSet()) == sql


def test_filter_on_an_unknown_column_is_an_invalid_query_naming_it() -> None:
    with pytest.raises(AppError) as caught:
        filter_sql(_filter("nope", "=", 1), COLUMNS, ParameterSet())
    assert caught.value.code is ErrorCode.INVALID_QUERY
    assert caught.value.details == {"column": "nope"}


def test_ambiguous_case_insensitive_column_is_refused() -> None:
    columns = (Column("ab", "INT", "int", 0), Column("AB", "INT", "int", 1))
    with pytest.raises(AppError):
        find_column(columns, "Ab")
    assert find_column(columns, "AB").position == 1


def test_comparing_a_map_column_is_an_invalid_query() -> None:
    with pytest.raises(AppError, match="is_null or not_null") as caught:
        filter_sql(_filter("tags", "=", "x"), COLUMNS, ParameterSet())
    assert caught.value.code is ErrorCode.INVALID_QUERY


def test_a_value_of_the_wrong_type_is_an_invalid_query() -> None:
    with pytest.raises(AppError, match="expects an integer") as caught:
        filter_sql(_filter("id", "in", [1, "two"]), COLUMNS, ParameterSet())
    assert caught.value.details == {"column": "id"}


@pytest.mark.parametrize(
    "body",
    [
        pytest.param({"column": "a", "op": "is_null", "value": 1}, id="null-op-with-value"),
        pytest.param({"column": "a", "op": "in", "value": []}, id="empty-in"),
        pytest.param({"column": "a", "op": "in", "value": list(range(101))}, id="in-too-long"),
        pytest.param({"column": "a", "op": "in", "value": 1}, id="in-scalar"),
        pytest.param({"column": "a", "op": "=", "value": [1]}, id="list-for-scalar"),
        pytest.param({"column": "a", "op": "="}, id="missing-value"),
        pytest.param({"column": "a", "op": "like", "value": 1}, id="like-number"),
        pytest.param({"column": "a", "op": "~", "value": 1}, id="unknown-op"),
    ],
)
def test_filter_model_refuses_values_that_do_not_fit_the_operator(body: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        FILTER.validate_python(body)


def test_order_puts_requested_keys_first_then_every_sortable_column() -> None:
    order = order_sql([QueryOrder(column="amount", direction="desc")], COLUMNS)
    assert order == " ORDER BY `amount` DESC, `id` ASC, `name` ASC, `weird``col` ASC"


def test_order_by_a_map_column_is_refused() -> None:
    with pytest.raises(AppError, match="cannot be sorted"):
        order_sql([QueryOrder(column="tags")], COLUMNS)


def test_order_by_a_repeated_key_keeps_the_first() -> None:
    keys = [QueryOrder(column="id", direction="desc"), QueryOrder(column="id")]
    assert order_sql(keys, COLUMNS[:1]) == " ORDER BY `id` DESC"


def test_order_of_only_unsortable_columns_is_empty() -> None:
    assert order_sql([], COLUMNS[3:4]) == ""


def test_select_and_count_bind_the_table_only_through_identifier() -> None:
    select = select_sql(COLUMNS[:2], " WHERE `id` = :p0", " ORDER BY `id` ASC", limit=10, offset=20)
    assert select == (
        "SELECT `id`, `name` FROM IDENTIFIER(:table_name) WHERE `id` = :p0"
        " ORDER BY `id` ASC LIMIT 10 OFFSET 20"
    )
    assert count_sql("") == "SELECT COUNT(*) AS total_row_count FROM IDENTIFIER(:table_name)"
