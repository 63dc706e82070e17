"""Unity Catalog: catalogs, schemas and tables the caller can see, and pages of table rows."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from server.deps import CurrentUserDep, OptionalDatabaseDep, UnityCatalogServiceDep
from server.models.common import (
    DEFAULT_PAGE_LIMIT,
    LimitParam,
    OffsetParam,
    OptionalLimitParam,
    Page,
)
from server.models.unity_catalog import (
    NAME_MAX_LENGTH,
    NAME_PATTERN,
    CatalogOut,
    QueryRequest,
    QueryResult,
    SchemaOut,
    TableOut,
)
from server.routers.responses import AUTHENTICATED, errors
from server.services.user_defaults import UserDefaults

router = APIRouter(prefix="/api/unity-catalog", tags=["unity-catalog"], responses=AUTHENTICATED)


ServiceDep = UnityCatalogServiceDep


async def get_defaults(user: CurrentUserDep, database: OptionalDatabaseDep) -> UserDefaults:
    # Reads nothing yet: only a request that leaves out its catalog, schema or limit does.
    return UserDefaults(database, user.user_name)


DefaultsDep = Annotated[UserDefaults, Depends(get_defaults)]


def _name_query(description: str) -> Any:
    # pragma: no mutate block - runs only at import, before mutmut forks the processes that
    # run its mutants, so no mutant here is ever executed; the name rules it sets are
    # checked through the API (400 for a bad name) and the OpenAPI document.
    return Query(
        min_length=1, max_length=NAME_MAX_LENGTH, pattern=NAME_PATTERN, description=description
    )


CatalogParam = Annotated[str, _name_query("Catalog name")]
SchemaParam = Annotated[str, _name_query("Schema name")]
TableParam = Annotated[str, _name_query("Table name")]
OptionalCatalogParam = Annotated[
    str | None, _name_query("Catalog; default: preference default_catalog, then the app setting")
]
OptionalSchemaParam = Annotated[
    str | None, _name_query("Schema; default: preference default_schema, then the app setting")
]

QUERY_ERRORS = errors(403, 404, 502)


@router.get("/catalogs", response_model=Page[CatalogOut], responses=errors(403))
async def list_catalogs(
    user: CurrentUserDep,
    service: ServiceDep,
    limit: LimitParam = DEFAULT_PAGE_LIMIT,
    offset: OffsetParam = 0,
) -> Page[CatalogOut]:
    """Catalogs the caller can see, ordered by name."""
    return await service.list_catalogs(user, limit=limit, offset=offset)


@router.get("/schemas", response_model=Page[SchemaOut], responses=errors(403, 404))
async def list_schemas(
    user: CurrentUserDep,
    service: ServiceDep,
    catalog: CatalogParam,
    limit: LimitParam = DEFAULT_PAGE_LIMIT,
    offset: OffsetParam = 0,
) -> Page[SchemaOut]:
    """Schemas of a catalog the caller can see, ordered by name."""
    return await service.list_schemas(user, catalog, limit=limit, offset=offset)


@router.get("/table-names", response_model=Page[str], responses=errors(403, 404))
async def list_table_names(
    user: CurrentUserDep,
    service: ServiceDep,
    catalog: CatalogParam,
    schema: SchemaParam,
    limit: LimitParam = DEFAULT_PAGE_LIMIT,
    offset: OffsetParam = 0,
) -> Page[str]:
    """Names of the tables of a schema the caller can see, sorted."""
    return await service.list_table_names(user, catalog, schema, limit=limit, offset=offset)


@router.get("/tables", response_model=Page[TableOut], responses=errors(403, 404))
async def list_tables(
    user: CurrentUserDep,
    service: ServiceDep,
    defaults: DefaultsDep,
    catalog: OptionalCatalogParam = None,
    schema: OptionalSchemaParam = None,
    limit: LimitParam = DEFAULT_PAGE_LIMIT,
    offset: OffsetParam = 0,
) -> Page[TableOut]:
    """Tables of a schema with their columns, ordered by name."""
    return await service.list_tables(
        user, catalog, schema, defaults=defaults, limit=limit, offset=offset
    )


@router.get("/query", response_model=QueryResult, responses=QUERY_ERRORS)
async def read_table_rows(
    user: CurrentUserDep,
    service: ServiceDep,
    defaults: DefaultsDep,
    table: TableParam,
    catalog: OptionalCatalogParam = None,
    schema: OptionalSchemaParam = None,
    limit: OptionalLimitParam = None,
    offset: OffsetParam = 0,
) -> QueryResult:
    """A page of a table's rows in a stable order."""
    return await service.query_table(
        user,
        catalog=catalog,
        schema=schema,
        table=table,
        limit=limit,
        offset=offset,
        defaults=defaults,
    )


@router.post("/query", response_model=QueryResult, responses={**QUERY_ERRORS, **errors(413)})
async def query_table_rows(
    user: CurrentUserDep, service: ServiceDep, defaults: DefaultsDep, body: QueryRequest
) -> QueryResult:
    """A page of a table's rows matching filters, in the requested then a stable order."""
    return await service.query_table(
        user,
        catalog=body.catalog,
        schema=body.schema_name,
        table=body.table,
        limit=body.limit,
        offset=body.offset,
        defaults=defaults,
        filters=body.filters,
        order_by=body.order_by,
    )
