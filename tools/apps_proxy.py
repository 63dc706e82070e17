"""A local stand-in for the Databricks Apps proxy: it forwards every request to the app and adds
the identity headers the real proxy adds for the signed-in user (and drops any the client sent).

It exists because `databricks apps run-local` injects no access token, so the app's
on-behalf-of-user routes cannot be exercised locally without it. The forwarding is the fake's
reverse proxy (fake_workspace.reverse_proxy); this module only says who is signed in.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
from starlette.types import Scope

from fake_workspace.reverse_proxy import Headers, ReverseProxy

# Model invocations may take minutes (Model Serving caps them near 297 s).
_UPSTREAM_TIMEOUT = httpx.Timeout(330.0, connect=10.0)


@dataclass(frozen=True)
class SignedInUser:
    """Who the proxy says is signed in: their token and the names the real proxy forwards."""

    token: str
    email: str
    user_id: str

    def headers(self) -> Headers:
        return [
            (b"x-forwarded-access-token", self.token.encode()),
            (b"x-forwarded-user", self.user_id.encode()),
            (b"x-forwarded-email", self.email.encode()),
            (b"x-forwarded-preferred-username", self.email.encode()),
        ]

    def sign_in(self, scope: Scope, headers: Headers) -> Headers:
        """The client's headers less any X-Forwarded-* it sent, plus this user's and its IP."""
        signed = [(n, v) for n, v in headers if not n.startswith(b"x-forwarded-")]
        signed += self.headers()
        if scope.get("client"):
            signed.append((b"x-real-ip", scope["client"][0].encode()))
        return signed


def apps_proxy(upstream: str, user: SignedInUser) -> ReverseProxy:
    """ASGI app forwarding HTTP requests to `upstream` as `user`."""
    return ReverseProxy(upstream, timeout=_UPSTREAM_TIMEOUT, request_headers=user.sign_in)
