"""The Apps proxy of `nox -s dev` (the fake's reverse proxy, configured to sign a user in), in
front of an upstream that echoes what reached it: what the app would see behind it."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator

import httpx
import pytest
from starlette.types import Receive, Scope, Send

from fake_workspace.uvicorn_thread import ServerThread, serve_in_thread
from tools.apps_proxy import SignedInUser, apps_proxy

USER = SignedInUser(token="dapi-bob", email="bob@example.com", user_id="42@1234")


async def echo(scope: Scope, receive: Receive, send: Send) -> None:
    """Answers with the request as it arrived: raw path, query, headers and body."""
    assert scope["type"] == "http"
    message = await receive()
    seen = {
        "path": scope["raw_path"].decode(),
        "query": scope["query_string"].decode(),
        "headers": [[n.decode(), v.decode()] for n, v in scope["headers"]],
        "body": message.get("body", b"").decode(),
    }
    body = json.dumps(seen).encode()
    headers = [(b"content-type", b"application/json"), (b"x-upstream", b"echo")]
    await send({"type": "http.response.start", "status": 207, "headers": headers})
    await send({"type": "http.response.body", "body": body})


@pytest.fixture
def upstream() -> Iterator[ServerThread]:
    serving = serve_in_thread(echo, name="the echo upstream")
    yield serving
    serving.stop()


@pytest.fixture
def proxy(upstream: ServerThread) -> Iterator[str]:
    serving = apps_proxy(upstream.base_url, USER).serve("the Apps proxy")
    yield serving.base_url
    serving.stop()


def test_the_request_reaches_the_app_as_sent_with_the_users_headers_instead_of_the_clients(
    proxy: str,
) -> None:
    response = httpx.post(
        f"{proxy}/api/serving/mod%C3%A8le-%C3%BC_v2/invocations?a=1&a=2&b=%2F",
        content=b'{"inputs": []}',
        headers={"X-Forwarded-User": "mallory", "X-Custom": "kept", "Connection": "keep-alive"},
    )

    assert response.status_code == 207
    assert response.headers["x-upstream"] == "echo"
    seen = response.json()
    assert seen["path"] == "/api/serving/mod%C3%A8le-%C3%BC_v2/invocations"
    assert seen["query"] == "a=1&a=2&b=%2F"
    assert seen["body"] == '{"inputs": []}'
    headers = seen["headers"]
    assert ["x-custom", "kept"] in headers
    assert [h for h in headers if h[0].startswith("x-forwarded-")] == [
        ["x-forwarded-access-token", USER.token],
        ["x-forwarded-user", USER.user_id],
        ["x-forwarded-email", USER.email],
        ["x-forwarded-preferred-username", USER.email],
    ]
    assert ["x-real-ip", "127.0.0.1"] in headers


def test_an_upstream_that_does_not_answer_is_a_502() -> None:
    with socket.socket() as placeholder:  # a port nothing listens on once it is closed
        placeholder.bind(("127.0.0.1", 0))
        port = placeholder.getsockname()[1]
    serving = apps_proxy(f"http://127.0.0.1:{port}", USER).serve("the Apps proxy")
    try:
        response = httpx.get(f"{serving.base_url}/api/user/me")
    finally:
        serving.stop()

    assert response.status_code == 502
    assert "ConnectError" in response.text
