"""The log as Databricks Apps collect it: JSON objects on stdout, one a line, each with its
level, logger, time and the request's correlation id and user; the access line's method, path,
status and the time the app spent (on its own clock, in milliseconds); uvicorn's access log
silent (ours replaces it) and its errors in the same format; the configured level obeyed; and an
app started twice still writing each line once."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta
from typing import Any

import pytest

from fake_workspace.reference import ALICE, PRODUCTS
from tests.harness import auth
from tests.harness.clock import FakeClock
from tests.integration.api import query_url

pytestmark = pytest.mark.fake_only


def json_lines(out: str) -> list[dict[str, Any]]:
    """Every line written to stdout, each of which must be one JSON object."""
    return [json.loads(line) for line in out.splitlines() if line.strip()]


async def test_the_access_line_is_json_with_the_request_and_its_duration(
    client_factory, fake, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    # The page and its count each poll once, 12.3456 ms: the request took the app 24.6912 ms,
    # logged in milliseconds to two decimals.
    client = await client_factory(query_poll_interval_seconds=0.0123456, log_level="info")
    fake.sql.stay_running_for(polls=1)
    capsys.readouterr()

    response = await client.get(
        query_url(PRODUCTS), headers=auth(ALICE.token, **{"X-Request-Id": "log-1"})
    )

    assert response.status_code == 200
    assert clock.sleeps == [0.0123456, 0.0123456]
    [access] = [
        line for line in json_lines(capsys.readouterr().out) if line["message"] == "request"
    ]
    logged_at = datetime.fromisoformat(access.pop("timestamp"))
    assert logged_at.utcoffset() == timedelta(0)
    assert access == {
        "level": "INFO",
        "logger": "server.access",
        "message": "request",
        "correlation_id": "log-1",
        "user": ALICE.user_name,
        "method": "GET",
        "path": "/api/unity-catalog/query",
        "status": 200,
        "duration_ms": 24.69,
    }


async def test_a_line_leaves_out_what_it_does_not_know(
    client_factory, capsys: pytest.CaptureFixture[str]
) -> None:
    client = await client_factory()
    capsys.readouterr()

    await client.get("/health", headers={"X-Request-Id": "probe-1"})

    [access] = [
        line for line in json_lines(capsys.readouterr().out) if line["message"] == "request"
    ]
    assert "user" not in access  # nobody signed in: no `"user": null`
    assert (access["correlation_id"], access["status"], access["duration_ms"]) == (
        "probe-1",
        200,
        0.0,
    )


async def test_uvicorn_logs_its_errors_once_in_our_format_and_not_its_access_line(
    client_factory, capsys: pytest.CaptureFixture[str]
) -> None:
    await client_factory()
    await client_factory()  # a second start must not add a second handler
    capsys.readouterr()

    logging.getLogger("uvicorn.access").info("GET / HTTP/1.1 200")
    logging.getLogger("uvicorn.error").error("worker crashed")
    logging.getLogger("uvicorn").error("server stopping")

    lines = json_lines(capsys.readouterr().out)
    assert [(line["logger"], line["level"], line["message"]) for line in lines] == [
        ("uvicorn.error", "ERROR", "worker crashed"),
        ("uvicorn", "ERROR", "server stopping"),
    ]


async def test_the_configured_level_is_obeyed(
    client_factory, capsys: pytest.CaptureFixture[str]
) -> None:
    client = await client_factory(log_level="warning")
    capsys.readouterr()

    await client.get("/health")
    logging.getLogger("server").warning("disk nearly full")

    lines = json_lines(capsys.readouterr().out)
    assert [(line["level"], line["message"]) for line in lines] == [("WARNING", "disk nearly full")]


@pytest.mark.parametrize(
    ("message", "written"),
    [
        (
            "calling with Authorization: Bearer abc.DEF-123",
            "calling with Authorization: Bearer [REDACTED]",
        ),
        ("token dapi0123456789abcdef0123 was refused", "token [REDACTED] was refused"),
        ('{"access_token": "s3cr3t", "ok": 1}', '{"access_token": "[REDACTED]", "ok": 1}'),
        ("password=hunter2 user=bob", "password=[REDACTED] user=bob"),
        ("client-secret: xyz", "client-secret: [REDACTED]"),
        ("nothing secret here", "nothing secret here"),
    ],
)
async def test_a_credential_in_any_log_line_is_written_redacted(
    client_factory, capsys: pytest.CaptureFixture[str], message: str, written: str
) -> None:
    await client_factory()
    capsys.readouterr()

    logging.getLogger("server").warning(message)
    logging.getLogger("server").warning("as an argument: %s (%d)", message, 7)
    logging.getLogger("server").warning("by name: %(text)s (%(n)d)", {"text": message, "n": 7})
    logging.getLogger("server").warning(ValueError(message))  # not a string: its text

    lines = json_lines(capsys.readouterr().out)
    assert [line["message"] for line in lines] == [
        written,
        f"as an argument: {written} (7)",
        f"by name: {written} (7)",
        written,
    ]
