"""A recording reverse proxy: put in front of a workspace, it records every answer's shape.

Why a proxy rather than a hook in the client: the app talks to Databricks through two
clients (the SDK over ``requests``, ``httpx`` for model invocations) and may grow more; a
proxy sees all of them without patching any, records exactly what crossed the wire, and is
the same whether the upstream is a real workspace or the fake served on its own. The app is
simply pointed at the proxy's loopback URL as its ``DATABRICKS_HOST``. Discovery documents
name the upstream's URL; the proxy rewrites it to its own so that OAuth also passes through.

Only shapes are kept (fidelity.shapes): never bodies, headers or tokens. The forwarding is
the repository's one reverse proxy (fake_workspace.reverse_proxy); this module only records.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import TracebackType
from typing import Self

import httpx

from fake_workspace.fidelity.shapes import ShapeBook
from fake_workspace.reverse_proxy import Exchange, ReverseProxy
from fake_workspace.routes import Route, match_route
from fake_workspace.uvicorn_thread import ServerThread

_DISCOVERY = frozenset({Route.WELL_KNOWN, Route.OIDC_DISCOVERY})

Rewrite = Callable[[Route | None, int, bytes], bytes]
"""Changes an answer's body (given its route, if known, and status) before it is recorded."""


def _unchanged(_route: Route | None, _status: int, body: bytes) -> bytes:
    return body


class RecordingProxy:
    """Forwards to ``upstream`` and records each answer in ``book`` (thread-safe).

    ``rewrite`` lets a test play a workspace that drifted: it changes answers on their way.
    """

    def __init__(
        self, upstream: str, *, timeout_seconds: float = 120.0, rewrite: Rewrite = _unchanged
    ) -> None:
        self.upstream = upstream.rstrip("/")
        self.book = ShapeBook()
        self._lock = threading.Lock()
        self._rewrite = rewrite
        self._proxy = ReverseProxy(
            self.upstream, timeout=httpx.Timeout(timeout_seconds), answer_body=self._recorded
        )
        self._serving: ServerThread | None = None
        self.base_url = ""

    def start(self) -> Self:
        self._serving = self._proxy.serve("the shape-recording proxy")
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

    def _recorded(self, exchange: Exchange) -> bytes:
        """The answer as the client gets it (rewritten; discovery naming this proxy), recorded."""
        match = match_route(exchange.method, exchange.path)
        route = match.route if match is not None else None
        body = self._rewrite(route, exchange.status, exchange.body)
        if route in _DISCOVERY:
            body = body.replace(self.upstream.encode(), self.base_url.encode())
        self.record(exchange.method, exchange.path, exchange.status, body)
        return body
