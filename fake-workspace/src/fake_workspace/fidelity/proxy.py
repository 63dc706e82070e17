"""A recording reverse proxy: put in front of a workspace, it records every answer's shape.

Why a proxy rather than a hook in the client: the app talks to Databricks through two
clients (the SDK over ``requests``, ``httpx`` for model invocations) and may grow more; a
proxy sees all of them without patching any, records exactly what crossed the wire, and is
the same whether the upstream is a real workspace or the fake served on its own. The app is
simply pointed at the proxy's loopback URL as its ``DATABRICKS_HOST``. Discovery documents
name the upstream's URL; the proxy rewrites it to its own so that OAuth also passes through.

Only shapes are kept (fidelity.shapes): never bodies, headers or tokens.
"""

from __future__ import annotations

import threading
from types import TracebackType
from typing import Self

import httpx
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from fake_workspace.fidelity.shapes import ShapeBook
from fake_workspace.routes import Route, match_route
from fake_workspace.uvicorn_thread import ServerThread, serve_in_thread

_HOP_BY_HOP = frozenset(
    {"host", "content-length", "transfer-encoding", "connection", "content-encoding", "keep-alive"}
)
_DISCOVERY = frozenset({Route.WELL_KNOWN, Route.OIDC_DISCOVERY})


class RecordingProxy:
    """Forwards to ``upstream`` and records each answer in ``book`` (thread-safe)."""

    def __init__(self, upstream: str, *, timeout_seconds: float = 120.0) -> None:
        self.upstream = upstream.rstrip("/")
        self.book = ShapeBook()
        self._lock = threading.Lock()
        self._timeout = timeout_seconds
        self._serving: ServerThread | None = None
        self.base_url = ""

    def start(self) -> Self:
        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            await self._asgi(scope, receive, send)  # uvicorn wants a function, not a method

        self._serving = serve_in_thread(app, name="the shape-recording proxy")
        self.base_url = self._serving.base_url
        return self

    def stop(self) -> None:
        if self._serving is not None:
            self._serving.stop()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def record(self, method: str, path: str, status: int, body: bytes) -> None:
        with self._lock:
            self.book.add(method, path, status, body)

    async def _asgi(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        request = Request(scope, receive)
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
        async with httpx.AsyncClient(timeout=self._timeout) as client:
            upstream = await client.request(
                request.method,
                self.upstream + scope["path"],
                params=list(request.query_params.multi_items()),
                headers=headers,
                content=await request.body(),
            )
        body = upstream.content
        match = match_route(request.method, scope["path"])
        if match is not None and match.route in _DISCOVERY:
            body = body.replace(self.upstream.encode(), self.base_url.encode())
        self.record(request.method, scope["path"], upstream.status_code, body)
        out_headers = {k: v for k, v in upstream.headers.items() if k.lower() not in _HOP_BY_HOP}
        response = Response(body, status_code=upstream.status_code, headers=out_headers)
        await response(scope, receive, send)
