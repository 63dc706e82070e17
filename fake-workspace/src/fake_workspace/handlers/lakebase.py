"""Lakebase routes: Provisioned (``DatabaseInstance`` JSON, credentials for instances) and
Autoscaling (``Endpoint`` JSON, credentials for an endpoint)."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response

from fake_workspace.handlers.context import Ctx
from fake_workspace.reference.specs import DatabaseInstanceDef, PostgresEndpointDef

# When the seeded Autoscaling resources were created and last changed.
_ENDPOINT_CREATED = "2026-03-20T09:30:00Z"
_ENDPOINT_UPDATED = "2026-06-02T14:05:00Z"


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
        body.get("claims"),
    )
    return JSONResponse(ctx.state.lakebase.answer(credential))


def endpoint_json(endpoint: PostgresEndpointDef) -> dict[str, Any]:
    """An ``Endpoint`` as GET answers it: its status (``spec`` is input only)."""
    return {
        "name": endpoint.name,
        "endpoint_id": endpoint.endpoint_id,
        "parent": endpoint.branch_name,
        "uid": endpoint.uid,
        "create_time": _ENDPOINT_CREATED,
        "update_time": _ENDPOINT_UPDATED,
        "status": {
            "endpoint_id": endpoint.endpoint_id,
            "endpoint_type": endpoint.endpoint_type,
            "current_state": endpoint.state,
            "autoscaling_limit_min_cu": endpoint.min_cu,
            "autoscaling_limit_max_cu": endpoint.max_cu,
            "suspend_timeout_duration": "300s",
            "disabled": False,
            "hosts": {"host": endpoint.host},
        },
    }


def generate_postgres_credential(ctx: Ctx) -> Response:
    body = ctx.json_object()
    credential = ctx.state.lakebase.generate_for_endpoint(
        ctx.principal,
        body.get("endpoint"),
        body.get("ttl"),
        body.get("expire_time"),
        body.get("claims"),
    )
    return JSONResponse(ctx.state.lakebase.answer(credential))
