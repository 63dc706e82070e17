"""A proxy that doctors the fake's answer to one route, to prove the comparison notices.

Test-only: the statement answer loses ``manifest.truncated`` and reports BIGINT columns as
``BIGINT`` instead of ``LONG`` (what a drifted fake would look like).
"""

from __future__ import annotations

import json
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from fake_workspace.routes import Route, match_route
from fake_workspace.uvicorn_thread import ServerThread, serve_in_thread

DOCTORED = Route.SQL_EXECUTE


def doctor(answer: dict[str, Any]) -> dict[str, Any]:
    manifest = answer.get("manifest", {})
    manifest.pop("truncated", None)
    for column in manifest.get("schema", {}).get("columns", []):
        if column.get("type_name") == "LONG":
            column["type_name"] = "BIGINT"
    return answer


def serve_doctor(upstream: str) -> ServerThread:
    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        headers = {k: v for k, v in request.headers.items() if k not in {"host", "content-length"}}
        async with httpx.AsyncClient() as client:
            answer = await client.request(
                request.method,
                upstream + scope["path"],
                params=list(request.query_params.multi_items()),
                headers=headers,
                content=await request.body(),
            )
        body = answer.content
        match = match_route(request.method, scope["path"])
        if match is not None and match.route is DOCTORED and answer.status_code == 200:
            body = json.dumps(doctor(answer.json())).encode()
        out = {"content-type": answer.headers.get("content-type", "application/json")}
        await Response(body, status_code=answer.status_code, headers=out)(scope, receive, send)

    return serve_in_thread(app, name="the doctoring proxy")
