"""Every request is traceable by its correlation id (sent or generated; in the header, the
error body and the access log), no token reaches a log line, and an unexpected error is a 500
envelope logged once with its trace."""

from __future__ import annotations

import logging
import re

import httpx
import pytest

from fake_workspace.reference import ALICE
from tests.harness import auth
from tests.integration.api import REJECTED_TOKEN
from tests.integration.expectations import assert_error

# Acts as the fake workspace's seeded users; integration/live/ covers live mode.
pytestmark = pytest.mark.fake_only


async def test_sent_request_id_comes_back_in_header_body_and_logs(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        response = await client.get(
            "/api/lakebase/preferences/missing",
            headers=auth(ALICE.token, **{"X-Request-Id": "trace-42.a:b"}),
        )

    assert response.headers["x-request-id"] == "trace-42.a:b"
    assert response.json()["error"]["correlation_id"] == "trace-42.a:b"
    access = [r for r in caplog.records if r.name == "server.access"]
    assert len(access) == 1
    line = access[0]
    assert (line.correlation_id, line.method, line.status) == ("trace-42.a:b", "GET", 404)
    assert line.path == "/api/lakebase/preferences/missing"
    assert line.user == ALICE.user_name
    assert line.duration_ms >= 0


async def test_correlation_id_header_alias_is_honoured(client: httpx.AsyncClient) -> None:
    response = await client.get("/health", headers={"X-Correlation-ID": "corr-7"})
    assert response.headers["x-request-id"] == "corr-7"


@pytest.mark.parametrize(
    "sent",
    [
        pytest.param("x" * 129, id="too-long"),
        pytest.param("has space", id="space"),
        pytest.param("<script>", id="markup"),
        pytest.param("", id="empty"),
    ],
)
async def test_invalid_request_id_is_replaced_by_a_generated_one(
    client: httpx.AsyncClient, sent: str
) -> None:
    response = await client.get("/health", headers={"X-Request-Id": sent})
    generated = response.headers["x-request-id"]
    assert generated != sent
    assert re.fullmatch(r"[0-9a-f]{32}", generated)


async def test_each_request_gets_its_own_id(client: httpx.AsyncClient) -> None:
    first = await client.get("/health")
    second = await client.get("/health")
    assert first.headers["x-request-id"] != second.headers["x-request-id"]


async def test_no_token_appears_in_any_log_line(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        await client.get("/api/user/me", headers=auth(ALICE.token))
        await client.get("/api/lakebase/preferences", headers=auth(REJECTED_TOKEN))
        await client.get("/api/unity-catalog/catalogs", headers=auth(ALICE.token))

    assert caplog.records
    for record in caplog.records:
        text = record.getMessage() + repr(record.__dict__)
        assert ALICE.token not in text
        assert REJECTED_TOKEN not in text


async def test_an_unexpected_error_is_a_500_envelope_logged_once_with_its_trace(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def broken(*_: object) -> None:
        raise RuntimeError("a bug in a service")

    monkeypatch.setattr(client.app.state.user_service, "me", broken)  # type: ignore[attr-defined]
    with caplog.at_level(logging.INFO):
        response = await client.get(
            "/api/user/me", headers=auth(ALICE.token, **{"X-Request-Id": "bug-1"})
        )

    error = assert_error(response, 500, "INTERNAL_ERROR")
    assert error["correlation_id"] == "bug-1"
    assert "a bug in a service" not in response.text
    [logged] = [r for r in caplog.records if r.getMessage() == "unhandled error"]
    assert logged.exc_info is not None
    assert str(logged.exc_info[1]) == "a bug in a service"
    assert logged.correlation_id == "bug-1"  # type: ignore[attr-defined]
    [access] = [r for r in caplog.records if r.getMessage() == "request"]
    assert (access.status, access.user) == (500, ALICE.user_name)  # type: ignore[attr-defined]
