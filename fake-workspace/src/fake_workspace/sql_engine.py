"""Runs statements for real: seeded tables live in an in-memory SQLite database.

One connection, guarded by a lock. Values are stored so that SQLite comparisons behave
like Databricks (decimals as REAL, booleans as 0/1, dates and timestamps as ISO text) and
are rendered back as ``JSON_ARRAY`` strings with the column types of the result.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from fake_workspace.errors import ApiError
from fake_workspace.identity import Principal
from fake_workspace.reference.render import format_timestamp, render_value
from fake_workspace.reference.specs import TableDef
from fake_workspace.sql_errors import FakeLimitation, insufficient_permissions, table_not_found
from fake_workspace.sql_params import StatementParameter, bind_value
from fake_workspace.sql_translate import (
    ColumnType,
    ResolvedTable,
    ResultColumn,
    TableResolver,
    translate,
)
from fake_workspace.unity_catalog import UnityCatalog

DEFAULT_CATALOG = "main"
DEFAULT_SCHEMA = "default"

_AFFINITY = {
    "BYTE": "INTEGER",
    "SHORT": "INTEGER",
    "INT": "INTEGER",
    "LONG": "INTEGER",
    "BOOLEAN": "INTEGER",
    "FLOAT": "REAL",
    "DOUBLE": "REAL",
    "DECIMAL": "REAL",
}


@dataclass(frozen=True)
class QueryResult:
    columns: tuple[ResultColumn, ...]
    rows: tuple[tuple[str | None, ...], ...]


def _stored(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, datetime):
        return format_timestamp(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _inferred_type(values: Iterable[Any]) -> ColumnType:
    sample = next((v for v in values if v is not None), None)
    if isinstance(sample, bool | int):
        return ColumnType("LONG", "bigint")
    if isinstance(sample, float):
        return ColumnType("DOUBLE", "double")
    return ColumnType("STRING", "string")


class TableStore:
    """The SQLite copy of every seeded table (loaded once; read-only afterwards)."""

    def __init__(self, tables: Iterable[TableDef]) -> None:
        self._lock = threading.Lock()
        self._conn = sqlite3.connect(":memory:", check_same_thread=False)
        self._conn.execute("PRAGMA case_sensitive_like = ON")
        self._internal: dict[str, str] = {}
        for index, table in enumerate(tables):
            self._load(f"uc_table_{index:03d}", table)

    def _load(self, internal: str, table: TableDef) -> None:
        columns = ", ".join(
            f"{_quote(c.name)} {_AFFINITY.get(c.type_name, 'TEXT')}" for c in table.columns
        )
        marks = ", ".join("?" for _ in table.columns)
        with self._conn:
            self._conn.execute(f"CREATE TABLE {_quote(internal)} ({columns})")
            self._conn.executemany(
                f"INSERT INTO {_quote(internal)} VALUES ({marks})",
                [tuple(_stored(v) for v in row) for row in table.rows],
            )
        self._internal[table.full_name] = internal

    def internal_name(self, full_name: str) -> str:
        return self._internal[full_name]

    def fetch(self, sql: str, bindings: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        with self._lock:
            try:
                return self._conn.execute(sql, dict(bindings)).fetchall()
            except sqlite3.Error as error:
                raise FakeLimitation(f"SQLite could not run {sql!r}: {error}") from None

    def close(self) -> None:
        with self._lock:
            self._conn.close()


class SqlEngine:
    """Access-checked execution of one statement on behalf of a principal."""

    def __init__(self, database: TableStore, unity_catalog: UnityCatalog) -> None:
        self._db = database
        self._uc = unity_catalog

    def _resolver(self, who: Principal, catalog: str, schema: str) -> TableResolver:
        def resolve(parts: tuple[str, ...]) -> ResolvedTable:
            prefix = (catalog, schema)[: 3 - len(parts)]
            names = tuple(p.lower() for p in (*prefix, *parts))
            try:
                table = self._uc.table(who, ".".join(names))
            except ApiError as error:
                if error.error_code == "PERMISSION_DENIED":
                    raise insufficient_permissions(error.message) from None
                raise table_not_found(names) from None
            return ResolvedTable(self._db.internal_name(table.full_name), table)

        return resolve

    def run(
        self,
        who: Principal,
        statement: str,
        params: Mapping[str, StatementParameter],
        *,
        catalog: str | None = None,
        schema: str | None = None,
    ) -> QueryResult:
        """Execute ``statement``; raises :class:`~fake_workspace.sql_errors.SqlError` on failure."""
        values = {name: p.value for name, p in params.items()}
        resolver = self._resolver(who, catalog or DEFAULT_CATALOG, schema or DEFAULT_SCHEMA)
        translation = translate(
            statement, resolver, values, {name: p.type for name, p in params.items()}
        )
        bindings = {name: bind_value(params[name]) for name in translation.placeholders}
        raw_rows = self._db.fetch(translation.sql, bindings)
        columns = tuple(
            ResultColumn(name, kind or _inferred_type(row[i] for row in raw_rows))
            for i, (name, kind) in enumerate(translation.columns)
        )
        rows = tuple(
            tuple(
                render_value(value, col.type.type_name, col.type.scale)
                for value, col in zip(row, columns, strict=True)
            )
            for row in raw_rows
        )
        return QueryResult(columns, rows)
