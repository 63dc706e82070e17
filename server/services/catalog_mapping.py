"""Unity Catalog SDK objects (catalogs, schemas, tables, columns) as the API's models."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from databricks.sdk.service.catalog import CatalogInfo, SchemaInfo, TableInfo

from server.models.unity_catalog import CatalogOut, ColumnOut, SchemaOut, TableOut
from server.services.sql_builder import Column


def wire_name(value: Any) -> str | None:
    """An SDK enum's wire value, or the string itself."""
    if value is None:
        return None
    return str(getattr(value, "value", value))


def epoch_ms_to_datetime(value: int | None) -> datetime | None:
    """Unity Catalog timestamps (epoch milliseconds) as aware UTC datetimes."""
    if value is None:
        return None
    return datetime.fromtimestamp(value / 1000, tz=UTC)


def columns_of(info: TableInfo) -> list[Column]:
    """The table's named columns, as the SQL builder needs them."""
    return [
        Column(
            name=c.name or "",
            type_name=wire_name(c.type_name) or "STRING",
            type_text=c.type_text or (wire_name(c.type_name) or "string").lower(),
            position=c.position if c.position is not None else index,
        )
        for index, c in enumerate(info.columns or [])
        if c.name
    ]


def catalog_out(info: CatalogInfo) -> CatalogOut:
    return CatalogOut(
        name=info.name or "",
        catalog_type=wire_name(info.catalog_type),
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
        table_type=wire_name(info.table_type),
        data_source_format=wire_name(info.data_source_format),
        columns=[
            ColumnOut(
                name=c.name or "",
                type_name=wire_name(c.type_name),
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
