"""Faults on demand, the request log, and the fake's own error reporting."""

from __future__ import annotations

import re
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from databricks.sdk.errors import NotFound, TooManyRequests

from fake_workspace import FakeWorkspace, FakeWorkspaceError, Route
from fake_workspace.handlers import HANDLERS
from fake_workspace.reference import ALICE, BOB, FRAUD_DETECTOR, UNICODE_MODEL
from fake_workspace.request_log import peak_in_flight
from tests.harness.http import SdkFactory, bearer
from tests.harness.waiting import until_blocking

pytestmark = pytest.mark.fake_only

ME = "/api/2.0/preview/scim/v2/Me"


def test_fail_next_is_consumed_then_the_sdk_succeeds(sdk: SdkFactory, fake: FakeWorkspace) -> None:
    fake.faults.fail_next(Route.SCIM_ME, retry_after=0)

    me = sdk(ALICE).current_user.me()

    assert me.user_name == ALICE.user_name
    assert [r.status for r in fake.requests.for_route(Route.SCIM_ME)] == [503, 200]
    assert fake.faults.pending == []


def test_rate_limit_until_the_retry_budget_is_spent(sdk: SdkFactory, fake: FakeWorkspace) -> None:
    fake.faults.fail_next(
        Route.SERVING_LIST, times=50, status=429, error_code="REQUEST_LIMIT_EXCEEDED", retry_after=0
    )

    with pytest.raises(TimeoutError) as caught:
        list(sdk(ALICE, retry_timeout_seconds=1).serving_endpoints.list())

    assert isinstance(caught.value.__cause__, TooManyRequests)
    assert caught.value.__cause__.error_code == "REQUEST_LIMIT_EXCEEDED"


def test_failure_carries_retry_after_and_envelope(http: httpx.Client, fake: FakeWorkspace) -> None:
    fake.faults.fail_next(
        Route.INVOCATIONS, status=429, error_code="REQUEST_LIMIT_EXCEEDED", retry_after=7
    )

    response = http.post(
        f"/serving-endpoints/{FRAUD_DETECTOR.name}/invocations", json={}, headers=bearer(ALICE)
    )

    assert response.status_code == 429
    assert response.headers["retry-after"] == "7"
    body = response.json()
    assert body["error_code"] == "REQUEST_LIMIT_EXCEEDED"
    assert [detail["@type"] for detail in body["details"]] == [
        "type.googleapis.com/google.rpc.ErrorInfo",
        "type.googleapis.com/google.rpc.RequestInfo",
    ]


def test_the_sdk_reads_the_error_info_of_an_error(sdk: SdkFactory, fake: FakeWorkspace) -> None:
    with pytest.raises(NotFound) as caught:
        sdk(ALICE).tables.get("main.sales.nowhere")

    [info] = caught.value.get_error_info()
    assert info.reason == "TABLE_DOES_NOT_EXIST"
    assert info.domain
    assert info.metadata == {"http_status": "404"}


def test_faults_can_target_one_endpoint(http: httpx.Client, fake: FakeWorkspace) -> None:
    fake.faults.fail_next(Route.INVOCATIONS, status=500, target=UNICODE_MODEL.name)
    body = {"dataframe_records": [{"x": 1.0, "y": 2.0}]}

    fraud = http.post(
        f"/serving-endpoints/{FRAUD_DETECTOR.name}/invocations", json=body, headers=bearer(ALICE)
    )
    unicode = http.post(
        f"/serving-endpoints/{UNICODE_MODEL.name}/invocations", json=body, headers=bearer(ALICE)
    )

    assert fraud.status_code == 400  # reached the model (wrong columns), no fault
    assert unicode.status_code == 500


def test_latency_delays_every_matching_request(http: httpx.Client, fake: FakeWorkspace) -> None:
    fake.faults.add_latency(Route.SCIM_ME, seconds=0.15)

    started = time.monotonic()
    for _ in range(2):
        assert http.get(ME, headers=bearer(ALICE)).status_code == 200

    assert time.monotonic() - started >= 0.3


def test_hang_outlasts_a_short_client_timeout(http: httpx.Client, fake: FakeWorkspace) -> None:
    fake.faults.hang(Route.SCIM_ME, seconds=2)

    with pytest.raises(httpx.ReadTimeout):
        http.get(ME, headers=bearer(ALICE), timeout=0.2)


def test_drop_connection_gives_no_response(http: httpx.Client, fake: FakeWorkspace) -> None:
    fake.faults.drop_connection(Route.SCIM_ME)

    with pytest.raises(httpx.RemoteProtocolError):
        http.get(ME, headers=bearer(ALICE))

    assert http.get(ME, headers=bearer(ALICE)).status_code == 200


def test_sdk_retries_a_dropped_connection(sdk: SdkFactory, fake: FakeWorkspace) -> None:
    fake.faults.drop_connection(Route.SERVING_GET)

    endpoint = sdk(ALICE).serving_endpoints.get(FRAUD_DETECTOR.name)

    assert endpoint.name == FRAUD_DETECTOR.name
    assert [r.fault for r in fake.requests.for_route(Route.SERVING_GET)] == ["drop", None]


def test_requests_record_token_query_and_body(sdk: SdkFactory, fake: FakeWorkspace) -> None:
    list(sdk(BOB).schemas.list("main"))

    (request,) = fake.requests.for_route(Route.SCHEMAS_LIST)
    assert request.bearer_token == BOB.token
    assert request.principal == BOB.user_name
    assert request.query == {"catalog_name": "main", "max_results": "0"}
    assert "databricks-sdk-py" in request.headers["user-agent"]
    assert len(fake.requests) >= 2  # the SDK's well-known probe came first


def test_in_flight_peak_tells_sequential_from_overlapping_requests(
    http: httpx.Client, fake: FakeWorkspace
) -> None:
    for _ in range(3):
        assert http.get(ME, headers=bearer(ALICE)).status_code == 200
    sequential = fake.requests.for_route(Route.SCIM_ME)
    assert all(r.answered_at is not None and r.answered_at >= r.timestamp for r in sequential)
    assert peak_in_flight(sequential) == 1

    fake.reset()
    gate = fake.faults.hold(Route.SCIM_ME, times=1)
    with ThreadPoolExecutor(max_workers=1) as pool:
        held = pool.submit(http.get, ME, headers=bearer(ALICE))
        until_blocking(lambda: gate.held == 1, what="the fake to hold the request")
        # Sent while the first one is held, answered at once: the two overlap.
        assert http.get(ME, headers=bearer(BOB)).status_code == 200
        gate.open()
        assert held.result().status_code == 200
    assert peak_in_flight(fake.requests.for_route(Route.SCIM_ME)) == 2


def test_a_held_request_waits_for_its_gate_and_a_reset_drops_it(
    http: httpx.Client, fake: FakeWorkspace
) -> None:
    gate = fake.faults.hold(Route.SCIM_ME)
    with ThreadPoolExecutor(max_workers=2) as pool:
        first = pool.submit(http.get, ME, headers=bearer(ALICE))
        second = pool.submit(http.get, ME, headers=bearer(BOB))
        until_blocking(lambda: gate.held == 2, what="the fake to hold both requests")
        assert not first.done()
        assert not second.done()
        gate.open()
        assert [first.result().status_code, second.result().status_code] == [200, 200]
    assert gate.held == 0

    gate = fake.faults.hold(Route.SCIM_ME)
    with ThreadPoolExecutor(max_workers=1) as pool:
        dropped = pool.submit(http.get, ME, headers=bearer(ALICE))
        until_blocking(lambda: gate.held == 1, what="the fake to hold the request")
        fake.reset()
        with pytest.raises(httpx.RemoteProtocolError):
            dropped.result()


def test_unmatched_route_is_loud(http: httpx.Client, fake: FakeWorkspace) -> None:
    response = http.get("/api/2.0/clusters/list", headers=bearer(ALICE))

    assert response.status_code == 404
    assert response.json()["error_code"] == "ENDPOINT_NOT_FOUND"
    with pytest.raises(FakeWorkspaceError, match=re.escape("/api/2.0/clusters/list")):
        fake.check_errors()
    fake.allow_unmatched()


def test_errors_inside_the_fake_reach_the_test(
    http: httpx.Client, fake: FakeWorkspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(ctx: object) -> object:
        raise RuntimeError("boom")

    monkeypatch.setitem(HANDLERS, Route.SCIM_ME, broken)

    response = http.get(ME, headers=bearer(ALICE))

    assert response.status_code == 500
    with pytest.raises(FakeWorkspaceError, match="boom"):
        fake.check_errors()
