"""The caller's inference log: every call, failed or not, is one row with its status, our
message and the size of what was sent; the caller's own rows only, newest first, filtered by
endpoint; a log that cannot be written never fails the call nor holds its answer back."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from fake_workspace import FakeWorkspace, Route
from fake_workspace.reference import (
    ALICE,
    BOB,
    CHAT_ASSISTANT,
    FRAUD_DETECTOR,
    WARMING_UP,
    fraud_score,
)
from server.db.database import Database
from server.json_text import canonical_json
from tests.harness import auth
from tests.harness.backends import UNREACHABLE_POSTGRES, BackendChoice
from tests.harness.pg_faults import table_locked
from tests.integration.api import (
    FRAUD_ROWS,
    LOGS,
    MS,
    fraud_inputs,
    get_ok,
    invoke,
    ok,
    order_features,
)
from tests.integration.expectations import (
    api_order,
    assert_error,
    assert_utc_timestamps,
    expected_scores,
)

pytestmark = pytest.mark.fake_only

INPUTS = fraud_inputs([[1, 2, 3]])


async def my_log(client: httpx.AsyncClient) -> list[dict[str, object]]:
    response = await client.get(f"{MS}/logs", headers=auth(ALICE.token))
    assert response.status_code == 200, response.text
    items: list[dict[str, object]] = response.json()["items"]
    return items


async def test_a_successful_call_is_logged_without_an_error(client: httpx.AsyncClient) -> None:
    response = await invoke(client, INPUTS, FRAUD_DETECTOR.name)

    assert response.status_code == 200, response.text
    [row] = await my_log(client)
    assert (row["status"], row["error_message"]) == ("SUCCESS", None)
    assert row["request_id"] == response.json()["request_id"]


async def test_a_model_failure_is_one_error_row_with_our_message(
    client: httpx.AsyncClient, fake: FakeWorkspace
) -> None:
    fake.faults.fail_next(Route.INVOCATIONS, status=500, error_code="E", message="kaput")

    error = assert_error(await invoke(client, INPUTS, FRAUD_DETECTOR.name), 502, "MODEL_ERROR")

    [row] = await my_log(client)
    assert row["status"] == "ERROR"
    assert row["error_message"] == error["message"] == "The model failed: kaput"
    assert row["endpoint_name"] == FRAUD_DETECTOR.name
    assert row["input_bytes"] == len(canonical_json(INPUTS).encode())


async def test_a_model_timeout_is_logged_as_timeout(
    client: httpx.AsyncClient, fake: FakeWorkspace
) -> None:
    fake.faults.fail_next(Route.INVOCATIONS, status=504, error_code="DEADLINE_EXCEEDED")

    assert_error(await invoke(client, INPUTS, FRAUD_DETECTOR.name), 503, "MODEL_TIMEOUT")

    [row] = await my_log(client)
    assert (row["status"], row["error_message"]) == ("TIMEOUT", "The model did not answer in time.")


async def test_an_endpoint_not_ready_is_409_and_logged_without_calling_the_model(
    client: httpx.AsyncClient, fake: FakeWorkspace
) -> None:
    error = assert_error(await invoke(client, INPUTS, WARMING_UP.name), 409, "ENDPOINT_NOT_READY")

    message = "The serving endpoint is not ready yet; try again once it is READY."
    assert error["message"] == message
    [row] = await my_log(client)
    assert (row["status"], row["error_message"]) == ("ERROR", message)
    assert fake.requests.for_route(Route.INVOCATIONS, WARMING_UP.name) == []


async def test_logs_page_through_my_invocations_only(client: httpx.AsyncClient) -> None:
    ids = [(await invoke(client, fraud_inputs())).json()["request_id"] for _ in range(3)]
    await invoke(client, fraud_inputs(), token=BOB.token)

    first = await client.get(f"{LOGS}?limit=2", headers=auth(ALICE.token))
    rest = await client.get(f"{LOGS}?limit=2&offset=2", headers=auth(ALICE.token))

    assert first.json()["total"] == 3
    assert [i["request_id"] for i in first.json()["items"]] == ids[::-1][:2]
    assert [i["request_id"] for i in rest.json()["items"]] == ids[:1]
    assert_utc_timestamps(first.json())


async def test_log_holds_exactly_the_history_of_25_invocations_newest_first(client, fake) -> None:
    inputs = [fraud_inputs(order_features([api_order(i)])) for i in range(1, 26)]
    answers = [ok(await invoke(client, body)) for body in inputs]

    logs = await get_ok(client, f"{LOGS}?limit=100")

    assert logs["total"] == 25
    assert [i["request_id"] for i in logs["items"]] == [a["request_id"] for a in answers][::-1]
    sent = fake.requests.for_route(Route.INVOCATIONS, FRAUD_DETECTOR.name)
    assert [i["input_bytes"] for i in logs["items"]] == [len(r.body) for r in sent][::-1]
    assert {(i["endpoint_name"], i["status"]) for i in logs["items"]} == {
        (FRAUD_DETECTOR.name, "SUCCESS")
    }
    stamps = [datetime.fromisoformat(i["created_at"]) for i in logs["items"]]
    assert stamps == sorted(stamps, reverse=True)
    assert [a["predictions"] for a in answers] == [expected_scores(i, 1) for i in range(1, 26)]


async def test_logs_can_be_filtered_by_endpoint(client: httpx.AsyncClient) -> None:
    await invoke(client, fraud_inputs())
    chat = await invoke(
        client, {"messages": [{"role": "user", "content": "hi"}]}, CHAT_ASSISTANT.name
    )

    response = await client.get(
        LOGS, params={"endpoint_name": CHAT_ASSISTANT.name}, headers=auth(ALICE.token)
    )

    assert [i["request_id"] for i in response.json()["items"]] == [chat.json()["request_id"]]


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("\x00", "The endpoint name contains '\\x00'; only letters, digits, - _ . are allowed."),
        ("a b", "The endpoint name contains ' '; only letters, digits, - _ . are allowed."),
        ("a/b", "The endpoint name contains '/'; only letters, digits, - _ . are allowed."),
        ("..", "The endpoint name must have 1 to 255 characters."),
        ("", "The endpoint name must have 1 to 255 characters."),
    ],
    # Plain ids: pytest escapes a NUL in an id, and mutmut, which selects tests by id, would then
    # find no such test.
    ids=["nul", "space", "slash", "dot-dot", "empty"],
)
async def test_log_filter_must_look_like_an_endpoint_name(
    client: httpx.AsyncClient, name: str, reason: str
) -> None:
    response = await client.get(
        "/api/model-serving/logs", params={"endpoint_name": name}, headers=auth(ALICE.token)
    )

    [detail] = assert_error(response, 400, "INVALID_REQUEST")["details"]
    assert (detail["field"], detail["location"]) == ("endpoint_name", "query")
    assert detail["message"].endswith(reason), detail


async def test_without_database_logs_are_503_but_invoke_works(client_factory: Any) -> None:
    client = await client_factory(database=False)

    logs = await client.get(LOGS, headers=auth(ALICE.token))
    response = await invoke(client, fraud_inputs())

    assert_error(logs, 503, "DATABASE_NOT_CONFIGURED")
    assert response.status_code == 200, response.text


async def test_a_sqlite_file_database_keeps_the_log_of_each_call(
    client_factory: Any, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A pooled SQLite file, unlike the in-memory database, takes the path every PostgreSQL
    # write takes; PostgreSQL's per-write statement timeout must not be sent to SQLite.
    client = await client_factory(
        database=False,
        database_url=f"sqlite:///{tmp_path / 'app.db'}",
        run_migrations_on_startup=True,
    )

    with caplog.at_level(logging.WARNING, logger="server.services.model_serving_service"):
        response = await invoke(client, INPUTS, FRAUD_DETECTOR.name)

    assert response.status_code == 200, response.text
    [row] = await my_log(client)
    assert (row["request_id"], row["status"]) == (response.json()["request_id"], "SUCCESS")
    assert "inference log not written" not in caplog.text


async def test_log_write_failure_does_not_fail_the_invocation(
    client_factory: Any, caplog: pytest.LogCaptureFixture
) -> None:
    client = await client_factory(database=False, database_url=UNREACHABLE_POSTGRES)

    with caplog.at_level(logging.WARNING, logger="server.services.model_serving_service"):
        response = await invoke(client, fraud_inputs())

    assert response.status_code == 200, response.text
    assert response.json()["predictions"] == [fraud_score(*row) for row in FRAUD_ROWS]
    assert any("inference log not written" in r.getMessage() for r in caplog.records)
    assert ALICE.token not in caplog.text


@pytest.mark.postgres_only
async def test_a_blocked_inference_log_does_not_hold_the_answer_back(
    client_factory,
    backend: BackendChoice,
    database: Database,
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = await client_factory(inference_log_write_timeout_seconds=0.5)
    name = database.engine.url.database
    assert name is not None

    # An ACCESS EXCLUSIVE lock (a migration, VACUUM FULL) makes the log's INSERT wait.
    with (
        caplog.at_level(logging.WARNING, logger="server.services.model_serving_service"),
        table_locked(backend.url, name, "model_inferences"),
    ):
        blocked = await invoke(client, fraud_inputs())

    assert blocked.status_code == 200, blocked.text
    assert blocked.json()["predictions"] == [fraud_score(*row) for row in FRAUD_ROWS]
    skipped = [r for r in caplog.records if r.getMessage() == "inference log not written"]
    assert [(r.request_id, r.error_code) for r in skipped] == [  # type: ignore[attr-defined]
        (blocked.json()["request_id"], "DATABASE_UNAVAILABLE")
    ]
    # The lock gone, logging works again on the same app (no connection left broken).
    after = await invoke(client, fraud_inputs())
    logs = (await client.get("/api/model-serving/logs", headers=auth(ALICE.token))).json()
    assert [(i["request_id"], i["status"]) for i in logs["items"]] == [
        (after.json()["request_id"], "SUCCESS")
    ]
