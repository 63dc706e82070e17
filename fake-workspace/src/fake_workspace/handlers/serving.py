"""Model serving routes: endpoint JSON (list/get), OpenAPI document, invocations."""

from __future__ import annotations

import json
from typing import Any

from starlette.responses import JSONResponse, Response

from fake_workspace.errors import bad_request
from fake_workspace.handlers.context import Ctx
from fake_workspace.reference.specs import EndpointDef

CREATED_MS = 1_714_000_000_000
UPDATED_MS = 1_718_000_000_000
_DISPLAY_NAMES = {
    "databricks-meta-llama-3-3-70b-instruct": "Meta Llama 3.3 70B Instruct",
    "databricks-gte-large-en": "GTE Large (English)",
}


def _entity(endpoint: EndpointDef, *, detailed: bool) -> dict[str, Any]:
    entity: dict[str, Any] = {
        "name": endpoint.served_entity_name,
        "entity_name": endpoint.entity_name,
        "entity_version": endpoint.entity_version,
    }
    if endpoint.foundation_model:
        entity["foundation_model"] = {
            "name": endpoint.foundation_model,
            "display_name": _DISPLAY_NAMES.get(
                endpoint.foundation_model, endpoint.foundation_model
            ),
        }
    if detailed:
        ready = endpoint.ready == "READY"
        entity.update(
            creator=endpoint.creator,
            creation_timestamp=CREATED_MS,
            state={
                "deployment": "DEPLOYMENT_READY" if ready else "DEPLOYMENT_CREATING",
                "deployment_state_message": "" if ready else "Creating the model environment.",
            },
        )
        if not endpoint.foundation_model:
            entity.update(workload_size="Small", workload_type="CPU", scale_to_zero_enabled=True)
    return entity


def _config(endpoint: EndpointDef, *, detailed: bool) -> dict[str, Any]:
    config: dict[str, Any] = {"served_entities": [_entity(endpoint, detailed=detailed)]}
    if detailed:
        config["config_version"] = 1
        config["traffic_config"] = {
            "routes": [
                {"served_model_name": endpoint.served_entity_name, "traffic_percentage": 100}
            ]
        }
    return config


def endpoint_json(endpoint: EndpointDef, *, detailed: bool, admin: bool = False) -> dict[str, Any]:
    """``ServingEndpoint`` (list) or ``ServingEndpointDetailed`` (get).

    An endpoint whose first deployment is still in progress has no ``config`` yet, only a
    ``pending_config`` (detailed view), like the real service.
    """
    body: dict[str, Any] = {
        "name": endpoint.name,
        "id": endpoint.endpoint_id,
        "creator": endpoint.creator,
        "creation_timestamp": CREATED_MS,
        "last_updated_timestamp": UPDATED_MS,
        "state": {"ready": endpoint.ready, "config_update": endpoint.config_update},
    }
    if endpoint.tags:  # proto3 JSON: an empty list is left out
        body["tags"] = [{"key": k, "value": v} for k, v in endpoint.tags]
    first_deployment = endpoint.ready != "READY" and endpoint.config_update == "IN_PROGRESS"
    if not first_deployment:
        body["config"] = _config(endpoint, detailed=detailed)
    elif detailed:
        body["pending_config"] = {**_config(endpoint, detailed=True), "start_time": UPDATED_MS}
    if endpoint.task:
        body["task"] = endpoint.task
    if endpoint.description:
        body["description"] = endpoint.description
    if detailed:
        body["permission_level"] = "CAN_MANAGE" if admin else "CAN_QUERY"
        body["route_optimized"] = False
    return body


def list_endpoints(ctx: Ctx) -> Response:
    endpoints = [endpoint_json(e, detailed=False) for e in ctx.state.serving.endpoints]
    return JSONResponse({"endpoints": endpoints})


def get_endpoint(ctx: Ctx) -> Response:
    endpoint = ctx.state.serving.get(ctx.params["name"])
    return JSONResponse(endpoint_json(endpoint, detailed=True, admin=ctx.principal.is_admin))


def get_openapi(ctx: Ctx) -> Response:
    document = ctx.state.serving.openapi(ctx.params["name"], ctx.base_url)
    return Response(json.dumps(document, ensure_ascii=False), media_type="application/json")


def invoke_endpoint(ctx: Ctx) -> Response:
    try:
        body = json.loads(ctx.body) if ctx.body.strip() else None
    except (ValueError, UnicodeDecodeError):
        raise bad_request("Malformed request: the body is not valid JSON.") from None
    payload, headers = ctx.state.serving.invoke(ctx.params["name"], body)
    return JSONResponse(payload, headers=headers)
