"""Lakebase routes: ``DatabaseInstance`` JSON and credential minting."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response

from tests.fakes.handlers.context import Ctx
from tests.fakes.reference.specs import DatabaseInstanceDef


def instance_json(instance: DatabaseInstanceDef) -> dict[str, Any]:
    stopped = instance.state == "STOPPED"
    return {
        "name": instance.name,
        "uid": instance.uid,
        "state": instance.state,
        "read_write_dns": instance.read_write_dns,
        "read_only_dns": instance.read_only_dns,
        "pg_version": instance.pg_version,
        "capacity": instance.capacity,
        "effective_capacity": instance.capacity,
        "creator": instance.creator,
        "creation_time": "2025-01-15T10:00:00Z",
        "node_count": 1,
        "effective_node_count": 1,
        "stopped": stopped,
        "effective_stopped": stopped,
        "retention_window_in_days": 7,
        "effective_retention_window_in_days": 7,
        "enable_readable_secondaries": False,
        "effective_enable_readable_secondaries": False,
        "effective_enable_pg_native_login": False,
    }


def get_instance(ctx: Ctx) -> Response:
    return JSONResponse(instance_json(ctx.state.lakebase.instance(ctx.params["name"])))


def generate_credential(ctx: Ctx) -> Response:
    body = ctx.json_object()
    request_id = body.get("request_id")
    credential = ctx.state.lakebase.generate(
        ctx.principal,
        body.get("instance_names"),
        request_id if isinstance(request_id, str) else None,
    )
    return JSONResponse({"token": credential.token, "expiration_time": credential.expiration_time})
