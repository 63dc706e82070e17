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
from collections.abc import Callable
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
# Below uvicorn's 5 s keep-alive (the fake's server), so a pooled connection is never reused
# just as the upstream closes it.
_KEEPALIVE_SECONDS = 2.0

Rewrite = Callable[[Route | None, int, bytes], bytes]
"""Changes an answer's body (given its route, if known, and status) before it is recorded."""


def _unchanged(_route: Route | None, _status: int, body: bytes) -> bytes:
    return body


class RecordingProxy:
    """Forwards to ``upstream`` and records each answer in ``book`` (thread-safe).

    ``rewrite`` lets a test play a workspace that drifted: it changes answers on their way.
    One HTTP client, opened and closed by the server's lifespan, serves every request.
    """

    def __init__(
        self, upstream: str, *, timeout_seconds: float = 120.0, rewrite: Rewrite = _unchanged
    ) -> None:
        self.upstream = upstream.rstrip("/")
        self.book = ShapeBook()
        self._lock = threading.Lock()
        self._timeout = timeout_seconds
        self._rewrite = rewrite
        self._client: httpx.AsyncClient | None = None
        self._serving: ServerThread | None = None
        self.base_url = ""

    def start(self) -> Self:
        async def app(scope: Scope, receive: Receive, send: Send) -> None:
            await self._asgi(scope, receive, send)  # uvicorn wants a function, not a method

        self._serving = serve_in_thread(app, name="the shape-recording proxy", lifespan="on")
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
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            await self._forward(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                limits = httpx.Limits(keepalive_expiry=_KEEPALIVE_SECONDS)
                self._client = httpx.AsyncClient(timeout=self._timeout, limits=limits)
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._client is not None:
                    await self._client.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _forward(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert self._client is not None, "the lifespan opens the client before any request"
        request = Request(scope, receive)
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP_BY_HOP}
        upstream = await self._client.request(
            request.method,
            self.upstream + scope["path"],
            params=list(request.query_params.multi_items()),
            headers=headers,
            content=await request.body(),
        )
        match = match_route(request.method, scope["path"])
        route = match.route if match is not None else None
        body = self._rewrite(route, upstream.status_code, upstream.content)
        if route in _DISCOVERY:
            body = body.replace(self.upstream.encode(), self.base_url.encode())
        self.record(request.method, scope["path"], upstream.status_code, body)
        out_headers = {k: v for k, v in upstream.headers.items() if k.lower() not in _HOP_BY_HOP}
        response = Response(body, status_code=upstream.status_code, headers=out_headers)
        await response(scope, receive, send)
