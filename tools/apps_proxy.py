"""A local stand-in for the Databricks Apps proxy: it forwards every request to the app and adds
the identity headers the real proxy adds for the signed-in user (and drops any the client sent).

It exists because `databricks apps run-local` injects no access token, so the app's
on-behalf-of-user routes cannot be exercised locally without it.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from starlette.types import Message, Receive, Scope, Send

# Per connection, or recomputed for the body we send: never copied from one side to the other.
_NOT_FORWARDED = frozenset(
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
# Model invocations may take minutes (Model Serving caps them near 297 s).
_UPSTREAM_TIMEOUT = httpx.Timeout(330.0, connect=10.0)


@dataclass(frozen=True)
class SignedInUser:
    """Who the proxy says is signed in: their token and the names the real proxy forwards."""

    token: str
    email: str
    user_id: str

    def headers(self) -> list[tuple[bytes, bytes]]:
        return [
            (b"x-forwarded-access-token", self.token.encode()),
            (b"x-forwarded-user", self.user_id.encode()),
            (b"x-forwarded-email", self.email.encode()),
            (b"x-forwarded-preferred-username", self.email.encode()),
        ]


class AppsProxy:
    """ASGI app forwarding HTTP requests to `upstream` as `user`."""

    def __init__(self, upstream: str, user: SignedInUser) -> None:
        self.upstream = upstream.rstrip("/")
        self.user = user
        self._client = httpx.AsyncClient(timeout=_UPSTREAM_TIMEOUT, follow_redirects=False)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            await self._forward(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self._client.aclose()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _forward(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = await _read_body(receive)
        # raw_path keeps the client's percent-encoding (endpoint names such as modèle-ü_v2).
        url = self.upstream + scope.get("raw_path", scope["path"].encode()).decode("latin-1")
        if scope["query_string"]:
            url += "?" + scope["query_string"].decode("latin-1")
        headers = [
            (name, value)
            for name, value in scope["headers"]
            if name not in _NOT_FORWARDED and not name.startswith(b"x-forwarded-")
        ]
        headers += self.user.headers()
        if scope.get("client"):
            headers.append((b"x-real-ip", scope["client"][0].encode()))
        try:
            answer = await self._client.request(scope["method"], url, headers=headers, content=body)
        except httpx.HTTPError as error:
            await _respond(send, 502, [(b"content-type", b"text/plain")], f"{error!r}\n".encode())
            return
        kept = [(n, v) for n, v in answer.headers.raw if n.lower() not in _NOT_FORWARDED]
        await _respond(send, answer.status_code, kept, answer.content)


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


async def _respond(
    send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes
) -> None:
    headers = [*headers, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
