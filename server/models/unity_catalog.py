"""Unity Catalog API schemas: catalogs, schemas, tables, columns, and table queries."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from server.json_text import check_utf8
from server.models.common import MAX_OFFSET, MAX_PAGE_LIMIT

NAME_MAX_LENGTH = 255
# Unity Catalog names never contain a period, a slash or control characters; refusing them here
# keeps a name from smuggling a second identifier part into a full name or a URL path.
NAME_PATTERN = r"^[^./\x00-\x1f\x7f]+$"
MAX_FILTERS = 50
MAX_ORDER_BY = 20
MAX_IN_VALUES = 100

Name = Annotated[
    str,
    Field(min_length=1, max_length=NAME_MAX_LENGTH, pattern=NAME_PATTERN, strict=True),
    AfterValidator(check_utf8),
]
# A lone surrogate has no UTF-8 form: refused here, not after a warehouse round trip.
Text = Annotated[str, AfterValidator(check_utf8)]
Scalar = Text | int | float | bool

ComparisonOp = Literal["=", "!=", "<", "<=", ">", ">="]
NullOp = Literal["is_null", "not_null"]


class CatalogOut(BaseModel):
    """A catalog the caller can see."""

    name: str
    catalog_type: str | None = Field(
        default=None, description="MANAGED_CATALOG, DELTASHARING_CATALOG, SYSTEM_CATALOG..."
    )
    owner: str | None = None
    comment: str | None = None
    created_at: datetime | None = Field(default=None, description="ISO 8601, UTC")
    updated_at: datetime | None = Field(default=None, description="ISO 8601, UTC")


class SchemaOut(BaseModel):
    """A schema of a catalog."""

    name: str
    catalog_name: str
    full_name: str
    owner: str | None = None
    comment: str | None = None
    created_at: datetime | None = Field(default=None, description="ISO 8601, UTC")
    updated_at: datetime | None = Field(default=None, description="ISO 8601, UTC")


class ColumnOut(BaseModel):
    """A column of a table as Unity Catalog describes it."""

    name: str
    type_name: str | None = Field(default=None, description="INT, LONG, DECIMAL, STRING...")
    type_text: str | None = Field(default=None, description="The SQL type, e.g. decimal(10,2)")
    position: int | None = None
    nullable: bool | None = None
    comment: str | None = None


class TableOut(BaseModel):
    """A table with its columns."""

    model_config = ConfigDict(populate_by_name=True)

    catalog: str
    schema_name: str = Field(alias="schema")
    name: str
    full_name: str
    table_type: str | None = None
    data_source_format: str | None = None
    columns: list[ColumnOut] = Field(default_factory=list)
    owner: str | None = None
    comment: str | None = None
    updated_at: datetime | None = Field(default=None, description="ISO 8601, UTC")


class _Filter(BaseModel):
    """One condition on a column; conditions are joined with AND."""

    model_config = ConfigDict(extra="forbid")

    column: Text = Field(min_length=1, max_length=NAME_MAX_LENGTH)


class ComparisonFilter(_Filter):
    """`column <op> value`: one scalar (NULL is is_null's)."""

    op: ComparisonOp
    value: Scalar


class LikeFilter(_Filter):
    """`column LIKE value`: a string pattern."""

    op: Literal["like"]
    value: Text


class InFilter(_Filter):
    """`column IN (values)`."""

    op: Literal["in"]
    value: list[Scalar] = Field(min_length=1, max_length=MAX_IN_VALUES)


class NullFilter(_Filter):
    """`column IS [NOT] NULL`: no value (or null)."""

    op: NullOp
    value: None = None


# One shape per operator, told apart by `op`: the OpenAPI document then says which value each
# operator takes (a oneOf with a discriminator), exactly what the server accepts.
QueryFilter = Annotated[
    ComparisonFilter | LikeFilter | InFilter | NullFilter, Field(discriminator="op")
]


class QueryOrder(BaseModel):
    """A sort key; rows are then ordered by every column so pages are stable."""

    model_config = ConfigDict(extra="forbid")

    column: str = Field(min_length=1, max_length=NAME_MAX_LENGTH)
    direction: Literal["asc", "desc"] = "asc"


class QueryRequest(BaseModel):
    """Body of POST /api/unity-catalog/query."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    catalog: Name | None = Field(default=None, description="Default: preference, then settings")
    schema_name: Name | None = Field(
        default=None, alias="schema", description="Default: preference, then settings"
    )
    table: Name
    # strict: JSON true/false and 2.0 are not integers (lax mode would read them as 1/0/2).
    limit: int | None = Field(
        default=None,
        strict=True,
        ge=1,
        le=MAX_PAGE_LIMIT,
        description=(
            "Rows per page, 1-1000, a whole number written without a fraction (2, not 2.0); "
            "default: preference default_query_limit, then 100"
        ),
    )
    offset: int = Field(
        default=0,
        strict=True,
        ge=0,
        le=MAX_OFFSET,
        description="Rows to skip, a whole number written without a fraction (2, not 2.0)",
    )
    # What the table decides, and so no schema of this API can: 400 INVALID_QUERY otherwise.
    filters: list[QueryFilter] = Field(
        default_factory=list,
        max_length=MAX_FILTERS,
        description=(
            "Each on a column of the table, with a value its type takes (a number for a numeric "
            "column; is_null / not_null only for complex types); otherwise 400 INVALID_QUERY"
        ),
    )
    order_by: list[QueryOrder] = Field(
        default_factory=list,
        max_length=MAX_ORDER_BY,
        description="Each on a sortable column of the table; otherwise 400 INVALID_QUERY",
    )


class QueryColumn(BaseModel):
    """A column of a query result."""

    name: str
    type_name: str | None = None
    type_text: str | None = None


class QueryResult(BaseModel):
    """A page of rows of a table.

    Values are JSON-typed by column type: integers, floats, booleans and strings. DECIMAL values
    are exact decimal strings (e.g. "12.50"), DATE "YYYY-MM-DD", TIMESTAMP ISO 8601 in UTC
    ("...Z"), TIMESTAMP_NTZ as given (it has no zone), ARRAY/MAP/STRUCT decoded JSON, NaN and
    Infinity strings, NULL null.
    """

    model_config = ConfigDict(populate_by_name=True)

    catalog: str
    schema_name: str = Field(alias="schema")
    table: str
    columns: list[QueryColumn]
    rows: list[dict[str, Any]]
    row_count: int = Field(description="Rows in this page")
    total_row_count: int = Field(description="Rows matching the filters, all pages")
    limit: int
    offset: int
    execution_time_ms: int = Field(description="Time spent running the statements")
