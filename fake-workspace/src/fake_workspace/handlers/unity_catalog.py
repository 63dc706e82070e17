"""Unity Catalog routes: request parsing and ``CatalogInfo``/``SchemaInfo``/``TableInfo`` JSON."""

from __future__ import annotations

import json
import uuid
from typing import Any

from starlette.responses import JSONResponse, Response

from fake_workspace.errors import invalid_parameter
from fake_workspace.handlers.context import Ctx
from fake_workspace.paging import Page, parse_page_request
from fake_workspace.reference import METASTORE_ID
from fake_workspace.reference.specs import CatalogDef, ColumnDef, SchemaDef, TableDef

CREATED_AT_MS = 1_704_067_200_000  # 2024-01-01T00:00:00Z
UPDATED_AT_MS = 1_717_200_000_000
_SPARK_TYPES = {"bigint": "long", "int": "integer", "smallint": "short", "tinyint": "byte"}


def _id(kind: str, full_name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"fake-uc:{kind}:{full_name}"))


def _audit(owner: str) -> dict[str, Any]:
    return {
        "owner": owner,
        "created_at": CREATED_AT_MS,
        "created_by": owner,
        "updated_at": UPDATED_AT_MS,
        "updated_by": owner,
        "metastore_id": METASTORE_ID,
    }


def _drop_none(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if v is not None}


def catalog_json(catalog: CatalogDef) -> dict[str, Any]:
    body = {
        "name": catalog.name,
        "full_name": catalog.name,
        "catalog_type": catalog.catalog_type,
        "isolation_mode": catalog.isolation_mode,
        "securable_type": "CATALOG",
        "comment": catalog.comment,
        "browse_only": False,
        **_audit(catalog.owner),
    }
    if catalog.catalog_type == "DELTASHARING_CATALOG":
        body.update(provider_name="databricks", share_name=catalog.name)
    else:
        body["storage_root"] = f"s3://fake-metastore/{METASTORE_ID}/catalogs/{catalog.name}"
    return _drop_none(body)


def schema_json(schema: SchemaDef, catalog_type: str) -> dict[str, Any]:
    return _drop_none(
        {
            "name": schema.name,
            "catalog_name": schema.catalog,
            "full_name": schema.full_name,
            "schema_id": _id("schema", schema.full_name),
            "catalog_type": catalog_type,
            "comment": schema.comment,
            "browse_only": False,
            # A recorded real schema answer has it (fidelity recordings: workspace_objects.json).
            "enable_predictive_optimization": "INHERIT",
            **_audit(schema.owner),
        }
    )


def column_json(column: ColumnDef, position: int) -> dict[str, Any]:
    spark_type = _SPARK_TYPES.get(column.type_text, column.type_text)
    type_json = json.dumps(
        {"name": column.name, "type": spark_type, "nullable": column.nullable, "metadata": {}},
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return _drop_none(
        {
            "name": column.name,
            "type_text": column.type_text,
            "type_name": column.type_name,
            "type_json": type_json,
            "type_precision": column.precision or 0,
            "type_scale": column.scale or 0,
            "position": position,
            "nullable": column.nullable,
            "comment": column.comment,
        }
    )


def table_json(table: TableDef, catalog_type: str, ctx: Ctx) -> dict[str, Any]:
    shared = catalog_type == "DELTASHARING_CATALOG"
    table_id = _id("table", table.full_name)
    body: dict[str, Any] = {
        "name": table.name,
        "catalog_name": table.catalog,
        "schema_name": table.schema,
        "full_name": table.full_name,
        "table_type": "EXTERNAL" if shared else "MANAGED",
        "data_source_format": "DELTASHARING" if shared else "DELTA",
        "table_id": table_id,
        "storage_location": f"s3://fake-metastore/{METASTORE_ID}/tables/{table_id}",
        "comment": table.comment,
        "browse_only": False,
        **_audit(table.owner),
    }
    if not shared:
        # Real rows of managed Delta tables carry it (recordings/unity_catalog_tables.json in
        # the fidelity tests); what a Delta Sharing table sends there is not recorded.
        body["securable_kind"] = "TABLE_DELTA"
    if not ctx.flag("omit_columns"):
        body["columns"] = [column_json(c, i) for i, c in enumerate(table.columns)]
    if not ctx.flag("omit_properties"):
        body["properties"] = {"delta.minReaderVersion": "1", "delta.minWriterVersion": "2"}
    if ctx.flag("omit_username"):
        for key in ("owner", "created_by", "updated_by"):
            body.pop(key)
    return _drop_none(body)


def _page_body(key: str, page: Page[Any], items: list[dict[str, Any]]) -> dict[str, Any]:
    """Like proto3 JSON, an empty page omits the list entirely (only the token remains)."""
    body: dict[str, Any] = {key: items} if items else {}
    if page.next_page_token:
        body["next_page_token"] = page.next_page_token
    return body


def _catalog_type(ctx: Ctx, name: str) -> str:
    return ctx.state.unity_catalog.catalog(ctx.principal, name).catalog_type


def list_catalogs(ctx: Ctx) -> Response:
    page = ctx.state.unity_catalog.list_catalogs(ctx.principal, parse_page_request(ctx.query))
    return JSONResponse(_page_body("catalogs", page, [catalog_json(c) for c in page.items]))


def get_catalog(ctx: Ctx) -> Response:
    return JSONResponse(
        catalog_json(ctx.state.unity_catalog.catalog(ctx.principal, ctx.params["name"]))
    )


def _required(ctx: Ctx, name: str) -> str:
    value = ctx.query.get(name)
    if not value:
        raise invalid_parameter(f"Missing required field: {name}")
    return value


def list_schemas(ctx: Ctx) -> Response:
    catalog = _required(ctx, "catalog_name")
    request = parse_page_request(ctx.query)
    page = ctx.state.unity_catalog.list_schemas(ctx.principal, catalog, request)
    kind = _catalog_type(ctx, catalog)
    return JSONResponse(_page_body("schemas", page, [schema_json(s, kind) for s in page.items]))


def get_schema(ctx: Ctx) -> Response:
    schema = ctx.state.unity_catalog.schema(ctx.principal, ctx.params["full_name"])
    return JSONResponse(schema_json(schema, _catalog_type(ctx, schema.catalog)))


def list_tables(ctx: Ctx) -> Response:
    catalog, schema = _required(ctx, "catalog_name"), _required(ctx, "schema_name")
    request = parse_page_request(ctx.query)
    page = ctx.state.unity_catalog.list_tables(ctx.principal, catalog, schema, request)
    kind = _catalog_type(ctx, catalog)
    return JSONResponse(_page_body("tables", page, [table_json(t, kind, ctx) for t in page.items]))


def get_table(ctx: Ctx) -> Response:
    table = ctx.state.unity_catalog.table(ctx.principal, ctx.params["full_name"])
    return JSONResponse(table_json(table, _catalog_type(ctx, table.catalog), ctx))


def table_exists(ctx: Ctx) -> Response:
    exists = ctx.state.unity_catalog.table_exists(ctx.principal, ctx.params["full_name"])
    return JSONResponse({"table_exists": exists})
