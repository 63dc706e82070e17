"""SQL Statement Execution routes: validation of the request, rendering of statements."""

from __future__ import annotations

import re
from typing import Any

from starlette.responses import JSONResponse, Response

from fake_workspace.errors import ApiError, invalid_parameter, not_found
from fake_workspace.handlers.context import Ctx
from fake_workspace.reference import WAREHOUSE_ID
from fake_workspace.sql_errors import FakeLimitation, SqlError
from fake_workspace.sql_params import parse_parameters
from fake_workspace.statements import Chunk, Statement, StatementState

_WAIT = re.compile(r"(\d+)s")


def _wait_seconds(raw: Any) -> int:
    found = _WAIT.fullmatch(raw) if isinstance(raw, str) else None
    seconds = int(found.group(1)) if found else -1
    if seconds != 0 and not 5 <= seconds <= 50:
        raise invalid_parameter(
            f"Invalid wait_timeout '{raw}': it must be 0s (asynchronous) or between 5s and 50s."
        )
    return seconds


def _optional_int(body: dict[str, Any], name: str) -> int | None:
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise invalid_parameter(f"{name} must be a non-negative integer.")
    return value


def _optional_name(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is not None and (not isinstance(value, str) or not value):
        raise invalid_parameter(f"{name} must be a non-empty string.")
    return value


MAX_QUERY_TAGS = 20


def _check_query_tags(raw: Any) -> None:
    """`query_tags`: at most 20 ``{"key", "value"?}`` objects, both strings (SDK ``QueryTag``)."""
    if raw is None:
        return
    if not isinstance(raw, list) or not all(isinstance(tag, dict) for tag in raw):
        raise invalid_parameter("query_tags must be a list of {key, value} objects.")
    if len(raw) > MAX_QUERY_TAGS:
        raise invalid_parameter(f"At most {MAX_QUERY_TAGS} query_tags may be set; got {len(raw)}.")
    for tag in raw:
        key, value = tag.get("key"), tag.get("value")
        if not isinstance(key, str) or not key or not (value is None or isinstance(value, str)):
            raise invalid_parameter(
                "Each query tag needs a string key and an optional string value."
            )


def _validate_result_options(body: dict[str, Any]) -> None:
    disposition = body.get("disposition", "INLINE")
    result_format = body.get("format", "JSON_ARRAY")
    if disposition == "EXTERNAL_LINKS":
        raise ApiError(
            501, "NOT_IMPLEMENTED", "The fake workspace supports disposition INLINE only."
        )
    if disposition != "INLINE":
        raise invalid_parameter(f"Invalid disposition '{disposition}'.")
    if result_format not in {"JSON_ARRAY", "ARROW_STREAM", "CSV"}:
        raise invalid_parameter(f"Invalid format '{result_format}'.")
    if result_format != "JSON_ARRAY":
        raise invalid_parameter(
            f"The format {result_format} is not supported with disposition INLINE; use JSON_ARRAY."
        )
    if body.get("on_wait_timeout", "CONTINUE") not in {"CONTINUE", "CANCEL"}:
        raise invalid_parameter("on_wait_timeout must be CONTINUE or CANCEL.")


def _chunk_json(stmt: Statement, chunk: Chunk) -> dict[str, Any]:
    body: dict[str, Any] = {
        "chunk_index": chunk.index,
        "row_offset": chunk.row_offset,
        "row_count": chunk.row_count,
        "data_array": [list(row) for row in stmt.chunk_rows(chunk)],
    }
    if chunk.index + 1 < len(stmt.chunks):
        body["next_chunk_index"] = chunk.index + 1
        body["next_chunk_internal_link"] = (
            f"/api/2.0/sql/statements/{stmt.statement_id}/result/chunks/{chunk.index + 1}"
        )
    return body


def _manifest(stmt: Statement) -> dict[str, Any]:
    assert stmt.result is not None
    columns = []
    for position, column in enumerate(stmt.result.columns):
        item: dict[str, Any] = {
            "name": column.name,
            "position": position,
            "type_name": column.type.type_name,
            # A warehouse spells a result column's SQL type in capitals ("BIGINT",
            # "DECIMAL(10,2)"), unlike Unity Catalog's lower-case type_text of the same column.
            "type_text": column.type.type_text.upper(),
        }
        if column.type.precision is not None:
            item.update(type_precision=column.type.precision, type_scale=column.type.scale)
        columns.append(item)
    chunks = stmt.chunks
    manifest: dict[str, Any] = {
        "format": "JSON_ARRAY",
        "schema": {"column_count": len(columns), "columns": columns},
        "total_chunk_count": len(chunks),
        "total_row_count": len(stmt.rows),
        "truncated": stmt.truncated,
    }
    if chunks:
        manifest["chunks"] = [
            {"chunk_index": c.index, "row_offset": c.row_offset, "row_count": c.row_count}
            for c in chunks
        ]
    return manifest


def statement_json(stmt: Statement) -> dict[str, Any]:
    """Active, canceled and closed statements carry only their state (no manifest)."""
    body: dict[str, Any] = {"statement_id": stmt.statement_id}
    if stmt.state is StatementState.FAILED and stmt.error is not None:
        body["status"] = stmt.error.status()
        return body
    body["status"] = {"state": str(stmt.state)}
    if stmt.state is StatementState.SUCCEEDED:
        body["manifest"] = _manifest(stmt)
        chunks = stmt.chunks
        # Without rows there is no chunk: the result is an empty object (recorded answers).
        body["result"] = _chunk_json(stmt, chunks[0]) if chunks else {}
    return body


def execute_statement(ctx: Ctx) -> Response:
    body = ctx.json_object()
    statement = body.get("statement")
    if not isinstance(statement, str) or not statement.strip():
        raise invalid_parameter("statement is required.")
    warehouse_id = body.get("warehouse_id")
    if not isinstance(warehouse_id, str) or not warehouse_id:
        raise invalid_parameter("warehouse_id is required.")
    if warehouse_id != WAREHOUSE_ID:
        raise not_found("RESOURCE_DOES_NOT_EXIST", f"Warehouse '{warehouse_id}' does not exist.")
    wait = _wait_seconds(body.get("wait_timeout", "10s"))
    _validate_result_options(body)
    row_limit = _optional_int(body, "row_limit")
    _optional_int(body, "byte_limit")
    params = parse_parameters(body.get("parameters"))
    _check_query_tags(body.get("query_tags"))
    catalog, schema = _optional_name(body, "catalog"), _optional_name(body, "schema")
    outcome: Any = ctx.state.statements.take_failure()
    if outcome is None:
        try:
            outcome = ctx.state.sql_engine.run(
                ctx.principal, statement, params, catalog=catalog, schema=schema
            )
        except SqlError as error:
            if isinstance(error, FakeLimitation):
                ctx.state.capture(f"SQL statement {statement!r}", error)
            outcome = error
    stmt = ctx.state.statements.submit(
        ctx.principal,
        statement,
        outcome,
        asynchronous=wait == 0,
        cancel_on_timeout=body.get("on_wait_timeout") == "CANCEL",
        row_limit=row_limit,
    )
    return JSONResponse(statement_json(stmt))


def get_statement(ctx: Ctx) -> Response:
    stmt = ctx.state.statements.poll(ctx.principal, ctx.params["statement_id"])
    return JSONResponse(statement_json(stmt))


def _chunk_index(raw: str) -> int:
    if not raw.isdigit():
        raise invalid_parameter(f"Invalid chunk index '{raw}'.")
    return int(raw)


def get_chunk(ctx: Ctx) -> Response:
    index = _chunk_index(ctx.params["chunk_index"])
    stmt, chunk = ctx.state.statements.chunk(ctx.principal, ctx.params["statement_id"], index)
    return JSONResponse(_chunk_json(stmt, chunk))


def cancel_statement(ctx: Ctx) -> Response:
    ctx.state.statements.cancel(ctx.principal, ctx.params["statement_id"])
    return JSONResponse({})
