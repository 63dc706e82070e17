"""The one reverse proxy (ASGI) of the repository, configured by what stands in front of what.

Two proxies use it: the local Databricks Apps proxy of ``nox -s dev`` (``tools/apps_proxy.py``:
its ``request_headers`` hook signs the user in) and the fidelity recorder
(``fake_workspace.fidelity.proxy``: its ``answer_body`` hook records each answer's shape). The
forwarding itself is written once: the client's bytes go upstream as sent (raw path and query,
so percent-encoding survives), hop-by-hop headers stay on their own side, and an upstream that
cannot be reached answers 502. One HTTP client, opened and closed by the server's lifespan,
serves every request.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import httpx
from starlette.types import Message, Receive, Scope, Send

from fake_workspace.uvicorn_thread import ServerThread, serve_in_thread

Headers = list[tuple[bytes, bytes]]

# Per connection, or recomputed for the body we send: never copied from one side to the other.
HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
        b"host",
        b"content-length",
        b"content-encoding",  # httpx hands over the decoded body
    }
)
# Below uvicorn's 5 s keep-alive (the fake's and the app's server), so a pooled connection is
# never reused just as the upstream closes it.
KEEPALIVE_SECONDS = 2.0


@dataclass(frozen=True)
class Exchange:
    """One forwarded request and the upstream's answer, as an ``answer_body`` hook sees it."""

    method: str
    path: str
    """Percent-decoded, as routes are matched."""
    status: int
    body: bytes


RequestHeaders = Callable[[Scope, Headers], Headers]
"""The headers sent upstream, given the request and the client's headers (hop-by-hop removed)."""
AnswerBody = Callable[[Exchange], bytes]
"""The body the client gets for an exchange (the hook may also look at it, e.g. record it)."""


def _as_sent(_scope: Scope, headers: Headers) -> Headers:
    return headers


def _as_answered(exchange: Exchange) -> bytes:
    return exchange.body


class ReverseProxy:
    """ASGI app forwarding every HTTP request to ``upstream``; the hooks say what it changes."""

    def __init__(
        self,
        upstream: str,
        *,
        timeout: httpx.Timeout,
        request_headers: RequestHeaders = _as_sent,
        answer_body: AnswerBody = _as_answered,
    ) -> None:
        self.upstream = upstream.rstrip("/")
        self._timeout = timeout
        self._request_headers = request_headers
        self._answer_body = answer_body
        self._client: httpx.AsyncClient | None = None

    def serve(self, name: str, port: int = 0) -> ServerThread:
        """Serve on 127.0.0.1:``port`` (0: a free one) in a background thread; once it listens."""
        return serve_in_thread(self, name=name, port=port, lifespan="on")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            await self._forward(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                limits = httpx.Limits(keepalive_expiry=KEEPALIVE_SECONDS)
                self._client = httpx.AsyncClient(
                    timeout=self._timeout, limits=limits, follow_redirects=False
                )
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._client is not None:
                    await self._client.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _forward(self, scope: Scope, receive: Receive, send: Send) -> None:
        assert self._client is not None, "the lifespan opens the client before any request"
        body = await _read_body(receive)
        url = self.upstream + scope.get("raw_path", scope["path"].encode()).decode("latin-1")
        if scope["query_string"]:
            url += "?" + scope["query_string"].decode("latin-1")
        client_headers = [(n, v) for n, v in scope["headers"] if n.lower() not in HOP_BY_HOP]
        headers = self._request_headers(scope, client_headers)
        try:
            answer = await self._client.request(scope["method"], url, headers=headers, content=body)
        except httpx.HTTPError as error:
            await _respond(send, 502, [(b"content-type", b"text/plain")], f"{error!r}\n".encode())
            return
        exchange = Exchange(scope["method"], scope["path"], answer.status_code, answer.content)
        kept = [(n, v) for n, v in answer.headers.raw if n.lower() not in HOP_BY_HOP]
        await _respond(send, answer.status_code, kept, self._answer_body(exchange))


async def _read_body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message: Message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


async def _respond(send: Send, status: int, headers: Headers, body: bytes) -> None:
    headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
