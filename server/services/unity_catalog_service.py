"""Unity Catalog browsing and table queries, always as the caller (OBO).

Queries run through the SQL Statement Execution API. The table is bound only as
`IDENTIFIER(:table_name)` and every filter value travels as a typed named parameter; the only
names written into SQL text are column names taken from the table's Unity Catalog metadata,
backquote-escaped. LIMIT and OFFSET are validated integers written as integer literals.

Rows are ordered by the requested sort keys, then by every sortable column in position order, so
pages are stable. `total_row_count` comes from a separate `SELECT COUNT(*)` with the same WHERE
clause, skipped when the page itself proves the total (a short, non-empty page, or an empty first
page).
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar
from urllib.parse import quote

from databricks.sdk import WorkspaceClient
from databricks.sdk.service.catalog import CatalogInfo, SchemaInfo, TableInfo
from databricks.sdk.service.sql import (
    Disposition,
    ExecuteStatementRequestOnWaitTimeout,
    Format,
    ResultData,
    StatementParameterListItem,
    StatementResponse,
    StatementState,
    StatementStatus,
)

from server.config import Settings
from server.db.database import Database
from server.errors import AppError, ErrorCode
from server.models.common import DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT, Page
from server.models.data_source import (
    CatalogOut,
    ColumnOut,
    QueryColumn,
    QueryFilter,
    QueryOrder,
    QueryResult,
    SchemaOut,
    TableOut,
)
from server.services.lakebase_service import LakebaseService
from server.services.user_service import CurrentUser
from server.workspace import WorkspaceGateway

logger = logging.getLogger(__name__)

T = TypeVar("T")

PREF_CATALOG = "default_catalog"
PREF_SCHEMA = "default_schema"
PREF_QUERY_LIMIT = "default_query_limit"

TABLE_PARAMETER = "table_name"
MIN_WAIT_SECONDS = 5
MAX_WAIT_SECONDS = 50

INTEGER_TYPES = frozenset({"BYTE", "SHORT", "INT", "LONG"})
FLOAT_TYPES = frozenset({"FLOAT", "DOUBLE"})
STRING_TYPES = frozenset({"STRING", "CHAR"})
# Types that can be neither compared with a scalar nor relied on to sort.
UNSORTABLE_TYPES = frozenset(
    {"ARRAY", "MAP", "STRUCT", "VARIANT", "GEOGRAPHY", "GEOMETRY", "USER_DEFINED_TYPE"}
)
FILTERABLE_TYPES = (
    INTEGER_TYPES
    | FLOAT_TYPES
    | STRING_TYPES
    | {
        "DECIMAL",
        "BOOLEAN",
        "DATE",
        "TIMESTAMP",
        "TIMESTAMP_NTZ",
    }
)
JSON_TYPES = frozenset({"ARRAY", "MAP", "STRUCT"})
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
MAX_DECIMAL_PRECISION = 38

COMPARISON_SQL = {"=": "=", "!=": "<>", "<": "<", "<=": "<=", ">": ">", ">=": ">="}

# Analysis errors name their class in brackets at the start of the message, e.g.
# "[TABLE_OR_VIEW_NOT_FOUND] The table or view ... cannot be found." The statement API's
# error_code enum has no PERMISSION_DENIED, so the class is the only precise signal for these.
_ERROR_CLASS = re.compile(r"^\s*\[([A-Z0-9_]+)(?:\.[A-Z0-9_]+)*\]")
NOT_FOUND_CLASSES = frozenset(
    {"TABLE_OR_VIEW_NOT_FOUND", "SCHEMA_NOT_FOUND", "CATALOG_NOT_FOUND", "TABLE_NOT_FOUND"}
)
PERMISSION_CLASSES = frozenset({"INSUFFICIENT_PERMISSIONS", "PERMISSION_DENIED"})
UNAVAILABLE_STATEMENT_CODES = frozenset(
    {
        "TEMPORARILY_UNAVAILABLE",
        "WORKSPACE_TEMPORARILY_UNAVAILABLE",
        "SERVICE_UNDER_MAINTENANCE",
        "RESOURCE_EXHAUSTED",
    }
)
RUNNING_STATES = frozenset({StatementState.PENDING, StatementState.RUNNING})


# --- pure helpers (unit-tested) -------------------------------------------------------------


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


def epoch_ms_to_datetime(value: int | None) -> datetime | None:
    """Unity Catalog timestamps (epoch milliseconds) as aware UTC datetimes."""
    if value is None:
        return None
    return datetime.fromtimestamp(value / 1000, tz=UTC)


def wait_timeout_for(settings: Settings) -> str:
    """`wait_timeout` for execute_statement: "0s" or 5-50 s, and never past the query budget or
    the HTTP read timeout (a read timeout would make the SDK send the POST again)."""
    wait = settings.sql_wait_timeout_seconds
    ceiling = min(settings.query_timeout_seconds, settings.databricks_http_timeout_seconds - 1)
    wait = min(wait, math.floor(ceiling), MAX_WAIT_SECONDS)
    if wait < MIN_WAIT_SECONDS:
        # Below 5 s the API only accepts 0 (return at once, then poll).
        return "0s"
    return f"{wait}s"


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
    precision = max(len(digits) + max(exponent, 0), scale, 1)
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
    if flt.op == "is_null":
        return f"{ident} IS NULL"
    if flt.op == "not_null":
        return f"{ident} IS NOT NULL"
    if column.type_name not in FILTERABLE_TYPES:
        raise invalid_query(
            f"Column '{column.name}' of type {column.type_text} can only be filtered with "
            "is_null or not_null.",
            column=column.name,
        )
    try:
        if flt.op == "like":
            assert isinstance(flt.value, str)
            return f"{ident} LIKE {params.add('STRING', flt.value)}"
        if flt.op == "in":
            assert isinstance(flt.value, list)
            markers = [params.add(*typed_value(column, item)) for item in flt.value]
            return f"{ident} IN ({', '.join(markers)})"
        return f"{ident} {COMPARISON_SQL[flt.op]} {params.add(*typed_value(column, flt.value))}"
    except ValueError as exc:
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


def convert_value(type_name: str | None, raw: str | None) -> Any:
    """A JSON value for one `data_array` cell (always a string or null on the wire)."""
    if raw is None:
        return None
    kind = (type_name or "STRING").upper()
    try:
        if kind in INTEGER_TYPES:
            return int(raw)
        if kind in FLOAT_TYPES:
            number = float(raw)
            # JSON has no NaN/Infinity: keep the text.
            return number if math.isfinite(number) else raw
        if kind == "BOOLEAN":
            return raw.strip().lower() == "true"
        if kind == "TIMESTAMP":
            parsed = datetime.fromisoformat(raw)
            if parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=UTC)
            # The same rendering as every other timestamp of the API: "...Z".
            return parsed.astimezone(UTC).isoformat().replace("+00:00", "Z")
        if kind in JSON_TYPES:
            return json.loads(raw)
    except ValueError:
        logger.warning("unexpected %s value in a statement result; kept as text", kind)
    # DECIMAL stays an exact decimal string; DATE, STRING and the rest are text already.
    return raw


def statement_error(status: StatementStatus | None) -> AppError:
    """Map a FAILED / CANCELED / CLOSED statement to our codes."""
    state = status.state if status else None
    error = status.error if status else None
    code = error.error_code.value if error and error.error_code else None
    message = (error.message if error else None) or ""
    match = _ERROR_CLASS.match(message)
    error_class = match.group(1) if match else None
    details = {
        "statement_state": state.value if state else None,
        "databricks_error_code": code,
        "error_class": error_class,
        "message": message or None,
    }
    if state is not StatementState.FAILED:
        return AppError(
            ErrorCode.QUERY_FAILED, "The query was cancelled or closed.", details=details
        )
    if code == "NOT_FOUND" or error_class in NOT_FOUND_CLASSES:
        return AppError(ErrorCode.TABLE_NOT_FOUND, "The table was not found.", details=details)
    if error_class in PERMISSION_CLASSES:
        return AppError(
            ErrorCode.CATALOG_PERMISSION_DENIED,
            "You do not have permission to query this table.",
            details=details,
        )
    if code in UNAVAILABLE_STATEMENT_CODES:
        return AppError(
            ErrorCode.DATABRICKS_UNAVAILABLE, "The SQL warehouse is busy; try again shortly."
        )
    if code == "BAD_REQUEST":
        return AppError(ErrorCode.INVALID_QUERY, "Databricks refused the query.", details=details)
    return AppError(ErrorCode.QUERY_FAILED, "The query failed in Databricks.", details=details)


def _name(value: Any) -> str | None:
    """An SDK enum's wire value, or the string itself."""
    if value is None:
        return None
    return str(getattr(value, "value", value))


def columns_of(info: TableInfo) -> list[Column]:
    return [
        Column(
            name=c.name or "",
            type_name=_name(c.type_name) or "STRING",
            type_text=c.type_text or (_name(c.type_name) or "string").lower(),
            position=c.position if c.position is not None else index,
        )
        for index, c in enumerate(info.columns or [])
        if c.name
    ]


def catalog_out(info: CatalogInfo) -> CatalogOut:
    return CatalogOut(
        name=info.name or "",
        catalog_type=_name(info.catalog_type),
        owner=info.owner,
        comment=info.comment,
        created_at=epoch_ms_to_datetime(info.created_at),
        updated_at=epoch_ms_to_datetime(info.updated_at),
    )


def schema_out(info: SchemaInfo) -> SchemaOut:
    return SchemaOut(
        name=info.name or "",
        catalog_name=info.catalog_name or "",
        full_name=info.full_name or f"{info.catalog_name}.{info.name}",
        owner=info.owner,
        comment=info.comment,
        created_at=epoch_ms_to_datetime(info.created_at),
        updated_at=epoch_ms_to_datetime(info.updated_at),
    )


def table_out(info: TableInfo) -> TableOut:
    return TableOut(
        catalog=info.catalog_name or "",
        schema_name=info.schema_name or "",
        name=info.name or "",
        full_name=info.full_name or f"{info.catalog_name}.{info.schema_name}.{info.name}",
        table_type=_name(info.table_type),
        data_source_format=_name(info.data_source_format),
        columns=[
            ColumnOut(
                name=c.name or "",
                type_name=_name(c.type_name),
                type_text=c.type_text,
                position=c.position,
                nullable=c.nullable,
                comment=c.comment,
            )
            for c in info.columns or []
        ],
        owner=info.owner,
        comment=info.comment,
        updated_at=epoch_ms_to_datetime(info.updated_at),
    )


def page_of(items: list[Any], *, limit: int, offset: int) -> Page[Any]:
    return Page(items=items[offset : offset + limit], total=len(items), limit=limit, offset=offset)


# --- the service ----------------------------------------------------------------------------


@dataclass(frozen=True)
class StatementResult:
    columns: list[QueryColumn]
    data: list[list[str | None]]


class UnityCatalogService:
    """Lists securables and pages through tables on behalf of the caller; nothing is cached."""

    def __init__(self, settings: Settings, gateway: WorkspaceGateway) -> None:
        self.settings = settings
        self.gateway = gateway

    # listings ---------------------------------------------------------------------------------

    async def list_catalogs(
        self, user: CurrentUser, *, limit: int, offset: int
    ) -> Page[CatalogOut]:
        infos = await self.gateway.call(
            user.token,
            lambda w: list(w.catalogs.list()),
            permission_denied=ErrorCode.CATALOG_PERMISSION_DENIED,
            subject="catalog list",
        )
        items = sorted((catalog_out(i) for i in infos), key=lambda c: c.name)
        return page_of(items, limit=limit, offset=offset)

    async def list_schemas(
        self, user: CurrentUser, catalog: str, *, limit: int, offset: int
    ) -> Page[SchemaOut]:
        infos = await self.gateway.call(
            user.token,
            lambda w: list(w.schemas.list(catalog_name=catalog)),
            not_found=ErrorCode.CATALOG_NOT_FOUND,
            permission_denied=ErrorCode.CATALOG_PERMISSION_DENIED,
            subject="catalog",
        )
        items = sorted((schema_out(i) for i in infos), key=lambda s: s.name)
        return page_of(items, limit=limit, offset=offset)

    async def list_table_names(
        self, user: CurrentUser, catalog: str, schema: str, *, limit: int, offset: int
    ) -> Page[str]:
        infos = await self.gateway.call(
            user.token,
            lambda w: list(
                w.tables.list(catalog_name=catalog, schema_name=schema, omit_columns=True)
            ),
            not_found=ErrorCode.SCHEMA_NOT_FOUND,
            permission_denied=ErrorCode.CATALOG_PERMISSION_DENIED,
            subject="schema",
        )
        names = sorted(i.name for i in infos if i.name)
        return page_of(names, limit=limit, offset=offset)

    async def list_tables(
        self,
        user: CurrentUser,
        catalog: str | None,
        schema: str | None,
        *,
        database: Database | None,
        limit: int,
        offset: int,
    ) -> Page[TableOut]:
        catalog, schema = await self._location(user, database, catalog, schema)
        infos = await self.gateway.call(
            user.token,
            lambda w: list(w.tables.list(catalog_name=catalog, schema_name=schema)),
            not_found=ErrorCode.SCHEMA_NOT_FOUND,
            permission_denied=ErrorCode.CATALOG_PERMISSION_DENIED,
            subject="schema",
        )
        items = sorted((table_out(i) for i in infos), key=lambda t: t.name)
        return page_of(items, limit=limit, offset=offset)

    # queries ----------------------------------------------------------------------------------

    async def query_table(
        self,
        user: CurrentUser,
        *,
        catalog: str | None,
        schema: str | None,
        table: str,
        limit: int | None,
        offset: int,
        database: Database | None,
        filters: Sequence[QueryFilter] = (),
        order_by: Sequence[QueryOrder] = (),
    ) -> QueryResult:
        warehouse_id = self._warehouse_id()
        catalog, schema = await self._location(user, database, catalog, schema)
        if limit is None:
            limit = await self._default_limit(user, database)
        info = await self.gateway.call(
            user.token,
            lambda w: w.tables.get(quote(f"{catalog}.{schema}.{table}", safe=".")),
            not_found=ErrorCode.TABLE_NOT_FOUND,
            permission_denied=ErrorCode.CATALOG_PERMISSION_DENIED,
            subject="table",
        )
        columns = columns_of(info)
        params = ParameterSet()
        where = where_sql(filters, columns, params)
        order = order_sql(order_by, columns)
        table_param = StatementParameterListItem(
            name=TABLE_PARAMETER, value=qualified_name(catalog, schema, table), type="STRING"
        )
        bound = [table_param, *params.items]

        started = time.monotonic()
        page = await self._run(
            user, warehouse_id, select_sql(columns, where, order, limit=limit, offset=offset), bound
        )
        rows = [
            {
                col.name: convert_value(col.type_name, cell)
                for col, cell in zip(page.columns, raw, strict=False)
            }
            for raw in page.data
        ]
        if (rows and len(rows) < limit) or (not rows and offset == 0):
            total = offset + len(rows)
        else:
            counted = await self._run(user, warehouse_id, count_sql(where), bound)
            total = int(counted.data[0][0] or 0) if counted.data else 0
        elapsed_ms = round((time.monotonic() - started) * 1000)

        return QueryResult(
            catalog=catalog,
            schema_name=schema,
            table=table,
            columns=page.columns,
            rows=rows,
            row_count=len(rows),
            total_row_count=total,
            limit=limit,
            offset=offset,
            execution_time_ms=elapsed_ms,
        )

    # statement execution ------------------------------------------------------------------------

    def _warehouse_id(self) -> str:
        if not self.settings.databricks_warehouse_id:
            raise AppError(
                ErrorCode.DATABRICKS_UNAVAILABLE,
                "Table queries need a SQL warehouse: set DATABRICKS_WAREHOUSE_ID "
                "(or add a SQL warehouse resource to the app).",
            )
        return self.settings.databricks_warehouse_id

    async def _run(
        self,
        user: CurrentUser,
        warehouse_id: str,
        statement: str,
        parameters: list[StatementParameterListItem],
    ) -> StatementResult:
        """Execute, poll until done within the query budget (else cancel → 503), read chunks."""
        deadline = time.monotonic() + self.settings.query_timeout_seconds
        response = await self.gateway.call(
            user.token,
            lambda w: w.statement_execution.execute_statement(
                statement=statement,
                warehouse_id=warehouse_id,
                parameters=parameters,
                wait_timeout=wait_timeout_for(self.settings),
                on_wait_timeout=ExecuteStatementRequestOnWaitTimeout.CONTINUE,
                disposition=Disposition.INLINE,
                format=Format.JSON_ARRAY,
            ),
            # A 404/403 here is about the warehouse (table problems come back as FAILED).
            not_found=ErrorCode.DATABRICKS_UNAVAILABLE,
            permission_denied=ErrorCode.PERMISSION_DENIED,
            subject="SQL warehouse",
        )
        statement_id = response.statement_id or ""
        while response.status is None or response.status.state in RUNNING_STATES:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                await self._cancel(user, statement_id)
                raise AppError(
                    ErrorCode.QUERY_TIMEOUT,
                    f"The query did not finish within {self.settings.query_timeout_seconds:g} s "
                    "and was cancelled; try a smaller page or narrower filters.",
                    details={"statement_id": statement_id},
                )
            await asyncio.sleep(min(self.settings.query_poll_interval_seconds, remaining))
            response = await self._call(
                user, lambda w: w.statement_execution.get_statement(statement_id)
            )
        if response.status.state is not StatementState.SUCCEEDED:
            raise statement_error(response.status)
        return await self._collect(user, response)

    async def _collect(self, user: CurrentUser, response: StatementResponse) -> StatementResult:
        manifest_columns = (
            response.manifest.schema.columns
            if response.manifest and response.manifest.schema
            else None
        ) or []
        columns = [
            QueryColumn(name=c.name or "", type_name=_name(c.type_name), type_text=c.type_text)
            for c in sorted(manifest_columns, key=lambda c: c.position or 0)
        ]
        result = response.result
        data: list[list[str | None]] = (
            [list(row) for row in result.data_array or []] if result else []
        )
        next_index = result.next_chunk_index if result else None
        statement_id = response.statement_id or ""
        while next_index is not None:
            chunk = await self._call(user, _chunk_reader(statement_id, next_index))
            data.extend(list(row) for row in chunk.data_array or [])
            next_index = chunk.next_chunk_index
        return StatementResult(columns=columns, data=data)

    async def _call(self, user: CurrentUser, operation: Callable[[WorkspaceClient], T]) -> T:
        """Calls on a running statement: a 404 means it expired or was closed."""
        return await self.gateway.call(
            user.token, operation, not_found=ErrorCode.QUERY_FAILED, subject="statement"
        )

    async def _cancel(self, user: CurrentUser, statement_id: str) -> None:
        try:
            await self._call(user, lambda w: w.statement_execution.cancel_execution(statement_id))
        except AppError as exc:
            logger.warning("could not cancel statement %s: %s", statement_id, exc.code)

    # defaults from preferences ------------------------------------------------------------------

    async def _location(
        self, user: CurrentUser, database: Database | None, catalog: str | None, schema: str | None
    ) -> tuple[str, str]:
        """Explicit catalog/schema, else the caller's preferences, else the settings."""
        if catalog is None:
            catalog = _valid_name(await self._preference(user, database, PREF_CATALOG))
        if schema is None:
            schema = _valid_name(await self._preference(user, database, PREF_SCHEMA))
        return catalog or self.settings.default_catalog, schema or self.settings.default_schema

    async def _default_limit(self, user: CurrentUser, database: Database | None) -> int:
        value = await self._preference(user, database, PREF_QUERY_LIMIT)
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_PAGE_LIMIT:
            return value
        return DEFAULT_PAGE_LIMIT

    @staticmethod
    async def _preference(user: CurrentUser, database: Database | None, key: str) -> Any:
        if database is None:
            return None
        try:
            return await LakebaseService(database).get_value(user.user_name, key)
        except AppError as exc:
            # Preferences only refine defaults: an unavailable database must not block browsing.
            logger.warning("preference %s unavailable: %s", key, exc.code)
            return None


def _chunk_reader(statement_id: str, index: int) -> Callable[[WorkspaceClient], ResultData]:
    return lambda w: w.statement_execution.get_statement_result_chunk_n(statement_id, index)


def _valid_name(value: Any) -> str | None:
    if isinstance(value, str) and value.strip() and re.fullmatch(r"[^./\x00-\x1f\x7f]+", value):
        return value
    return None
