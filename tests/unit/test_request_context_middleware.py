"""RequestContextMiddleware around a bare ASGI app: an exception raised after the response
has started cannot be answered with the error envelope (the status line is already out), so
the middleware logs it and sends nothing more, and the access line keeps the status sent."""

from __future__ import annotations

import logging

import pytest
from starlette.types import Message, Receive, Scope, Send

from server.middleware import RequestContextMiddleware

SCOPE: Scope = {"type": "http", "method": "GET", "path": "/stream", "headers": []}


async def fails_after_starting(scope: Scope, receive: Receive, send: Send) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"first part", "more_body": True})
    raise RuntimeError("the stream broke")


async def test_an_error_after_the_response_started_sends_no_second_response(
    caplog: pytest.LogCaptureFixture,
) -> None:
    sent: list[Message] = []

    async def send(message: Message) -> None:
        sent.append(message)

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    with caplog.at_level(logging.INFO, logger="server.access"):
        await RequestContextMiddleware(fails_after_starting)(SCOPE, receive, send)

    # Only what the app sent: a second http.response.start (the 500 envelope) would be a
    # protocol error the server turns into a dropped connection.
    assert [(m["type"], m.get("status")) for m in sent] == [
        ("http.response.start", 200),
        ("http.response.body", None),
    ]
    assert dict(sent[0]["headers"])[b"x-request-id"]
    [failure] = [r for r in caplog.records if r.getMessage() == "unhandled error"]
    assert failure.exc_info is not None
    assert failure.exc_info[0] is RuntimeError
    [access] = [r for r in caplog.records if r.getMessage() == "request"]
    assert (access.method, access.path, access.status) == ("GET", "/stream", 200)
