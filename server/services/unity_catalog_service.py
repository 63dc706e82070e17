"""Unity Catalog browsing and table queries, always as the caller (OBO).

Rows are ordered by the requested sort keys, then by every sortable column in position order, so
pages are stable. `total_row_count` comes from a separate `SELECT COUNT(*)` with the same WHERE
clause, skipped when the page itself proves the total (a short, non-empty page, or an empty first
page). SQL text comes from `sql_builder`, execution from `statement_runner`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, TypeVar
from urllib.parse import quote

from databricks.sdk import WorkspaceClient

from server.clock import Clock
from server.config import Settings
from server.errors import AppError, ErrorCode
from server.models.common import DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT, Page, page_of
from server.models.unity_catalog import (
    CatalogOut,
    QueryFilter,
    QueryOrder,
    QueryResult,
    SchemaOut,
    TableOut,
)
from server.services.catalog_mapping import (
    catalog_out,
    columns_of,
    schema_out,
    table_out,
)
from server.services.sql_builder import (
    ParameterSet,
    count_sql,
    order_sql,
    select_sql,
    table_parameter,
    where_sql,
)
from server.services.sql_values import convert_rows
from server.services.statement_runner import StatementRunner
from server.services.user_defaults import (
    PREF_CATALOG,
    PREF_QUERY_LIMIT,
    PREF_SCHEMA,
    UserDefaults,
)
from server.services.user_service import CurrentUser
from server.workspace import WorkspaceGateway

T = TypeVar("T")


class UnityCatalogService:
    """Lists securables and pages through tables on behalf of the caller; nothing is cached."""

    def __init__(self, settings: Settings, gateway: WorkspaceGateway, clock: Clock) -> None:
        self.settings = settings
        self.gateway = gateway
        self.clock = clock
        self.statements = StatementRunner(settings, gateway, clock)

    async def _call(
        self,
        user: CurrentUser,
        operation: Callable[[WorkspaceClient], T],
        *,
        subject: str,
        not_found: ErrorCode = ErrorCode.NOT_FOUND,
    ) -> T:
        """A Unity Catalog call as the caller; a 403 on any securable is a catalog permission."""
        return await self.gateway.call(
            user.token,
            operation,
            not_found=not_found,
            permission_denied=ErrorCode.CATALOG_PERMISSION_DENIED,
            subject=subject,
        )

    # listings ---------------------------------------------------------------------------------

    async def list_catalogs(
        self, user: CurrentUser, *, limit: int, offset: int
    ) -> Page[CatalogOut]:
        infos = await self._call(user, lambda w: list(w.catalogs.list()), subject="catalog list")
        items = sorted((catalog_out(i) for i in infos), key=lambda c: c.name)
        return page_of(items, limit=limit, offset=offset)

    async def list_schemas(
        self, user: CurrentUser, catalog: str, *, limit: int, offset: int
    ) -> Page[SchemaOut]:
        infos = await self._call(
            user,
            lambda w: list(w.schemas.list(catalog_name=catalog)),
            not_found=ErrorCode.CATALOG_NOT_FOUND,
            subject="catalog",
        )
        items = sorted((schema_out(i) for i in infos), key=lambda s: s.name)
        return page_of(items, limit=limit, offset=offset)

    async def list_table_names(
        self, user: CurrentUser, catalog: str, schema: str, *, limit: int, offset: int
    ) -> Page[str]:
        infos = await self._call(
            user,
            lambda w: list(
                w.tables.list(catalog_name=catalog, schema_name=schema, omit_columns=True)
            ),
            not_found=ErrorCode.SCHEMA_NOT_FOUND,
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
        defaults: UserDefaults,
        limit: int,
        offset: int,
    ) -> Page[TableOut]:
        catalog, schema = await self._location(defaults, catalog, schema)
        infos = await self._call(
            user,
            lambda w: list(w.tables.list(catalog_name=catalog, schema_name=schema)),
            not_found=ErrorCode.SCHEMA_NOT_FOUND,
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
        defaults: UserDefaults,
        filters: Sequence[QueryFilter] = (),
        order_by: Sequence[QueryOrder] = (),
    ) -> QueryResult:
        warehouse_id = self._warehouse_id()
        catalog, schema = await self._location(defaults, catalog, schema)
        if limit is None:
            limit = await self._default_limit(defaults)
        info = await self._call(
            user,
            lambda w: w.tables.get(quote(f"{catalog}.{schema}.{table}", safe=".")),
            not_found=ErrorCode.TABLE_NOT_FOUND,
            subject="table",
        )
        columns = columns_of(info)
        params = ParameterSet()
        where = where_sql(filters, columns, params)
        order = order_sql(order_by, columns)
        bound = [table_parameter(catalog, schema, table), *params.items]

        started = self.clock.monotonic()
        # The page and its COUNT answer one request: they share one query budget.
        deadline = self.statements.new_deadline()
        page = await self.statements.run(
            user.token,
            warehouse_id,
            select_sql(columns, where, order, limit=limit, offset=offset),
            bound,
            deadline=deadline,
        )
        rows = convert_rows(page.columns, page.data)
        if (rows and len(rows) < limit) or (not rows and offset == 0):
            total = offset + len(rows)
        else:
            counted = await self.statements.run(
                user.token, warehouse_id, count_sql(where), bound, deadline=deadline
            )
            total = int(counted.data[0][0] or 0) if counted.data else 0
        elapsed_ms = round((self.clock.monotonic() - started) * 1000)

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

    def _warehouse_id(self) -> str:
        if not self.settings.databricks_warehouse_id:
            raise AppError(
                ErrorCode.DATABRICKS_UNAVAILABLE,
                "Table queries need a SQL warehouse: set DATABRICKS_WAREHOUSE_ID "
                "(or add a SQL warehouse resource to the app).",
            )
        return self.settings.databricks_warehouse_id

    # defaults from preferences ------------------------------------------------------------------

    async def _location(
        self, defaults: UserDefaults, catalog: str | None, schema: str | None
    ) -> tuple[str, str]:
        """Explicit catalog/schema, else the caller's preferences, else the settings."""
        if catalog is None:
            catalog = _valid_name(await defaults.get(PREF_CATALOG))
        if schema is None:
            schema = _valid_name(await defaults.get(PREF_SCHEMA))
        return catalog or self.settings.default_catalog, schema or self.settings.default_schema

    @staticmethod
    async def _default_limit(defaults: UserDefaults) -> int:
        value = await defaults.get(PREF_QUERY_LIMIT)
        if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= MAX_PAGE_LIMIT:
            return value
        return DEFAULT_PAGE_LIMIT


def _valid_name(value: Any) -> str | None:
    if isinstance(value, str) and value.strip() and re.fullmatch(r"[^./\x00-\x1f\x7f]+", value):
        return value
    return None
