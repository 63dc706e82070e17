"""What each virtual user does: one seeded identity, a realistic mix of the app's routes, and a
record of every request (tests/soak/records.py) from which the verdicts replay its truth.

Runs inside the locust process (gevent). Users do not pause between requests: the soak is a
closed loop that keeps the app saturated, so the throughput it measures is the app's capacity,
and the bare ceiling app meets exactly the same pressure.

Every user writes the same few keys (`soak.*`), each value naming its owner, so one user seeing
another's row is visible in the value it reads, not only in a key it did not expect.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterator
from typing import Any, ClassVar

from locust import FastHttpUser, constant, task
from locust.contrib.fasthttp import FastResponse

from server.deps import TOKEN_HEADER
from tests.soak.records import (
    BODY_LIMIT,
    NO_ANSWER,
    PREFS,
    Phase,
    PrefOp,
    Record,
    kept_headers,
    list_seen,
)

KEYS = ("soak.theme", "soak.layout", "soak.pinned", "soak.recent", "soak.filters", "soak.page")
NETWORK_TIMEOUT_SECONDS = 180.0  # far above any bound the app sets itself: answers, not timeouts
ENDPOINT_INPUTS: dict[str, Any] = {
    "fraud-detector": {
        "dataframe_split": {
            "columns": ["amount", "merchant_score", "hour"],
            "data": [[42.5, 0.3, 14]],
        }
    },
    "chat-assistant": {"messages": [{"role": "user", "content": "Hello"}], "max_tokens": 16},
}
STATUSES = ("pending", "shipped", "delivered", "cancelled", "returned")


class Identities:
    """The users' (label, token) pairs; each spawned user takes the next one."""

    _next: ClassVar[Iterator[tuple[str, str]]] = iter(())

    @classmethod
    def load(cls, pairs: list[tuple[str, str]]) -> None:
        cls._next = iter(pairs)

    @classmethod
    def take(cls) -> tuple[str, str]:
        return next(cls._next)


class Recorder:
    """Every record of this process, in the order they were made; `phase` for all of them."""

    phase: ClassVar[Phase] = "baseline"
    records: ClassVar[list[Record]] = []
    seq: ClassVar[dict[str, int]] = {}

    @classmethod
    def next_seq(cls, user: str, start: int) -> int:
        cls.seq[user] = cls.seq.get(user, start) + 1
        return cls.seq[user]


class SoakUser(FastHttpUser):
    """One signed-in person using the app."""

    wait_time = constant(0)
    network_timeout = NETWORK_TIMEOUT_SECONDS
    connection_timeout = NETWORK_TIMEOUT_SECONDS
    seq_start: ClassVar[int] = 0  # where this phase's sequence numbers start (after the last)

    def on_start(self) -> None:
        self.label, self.token = Identities.take()
        self.rng = random.Random(self.label)
        self.written = 0

    def _send(
        self,
        method: str,
        route: str,
        path: str,
        *,
        body: Any = None,
        params: dict[str, Any] | None = None,
        extra: Callable[[int, Any], dict[str, Any]] | None = None,
    ) -> tuple[int, Any]:
        """One request; its record (with `extra(status, json)` merged in); (status, json)."""
        headers = {TOKEN_HEADER: self.token}
        started_wall, started = time.time(), time.perf_counter()
        with self.client.request(
            method, path, name=route, json=body, params=params, headers=headers,
            catch_response=True,
        ) as response:  # fmt: skip
            status = _status(response)
            ms = (time.perf_counter() - started) * 1000
            payload = _json(response) if 200 <= status < 300 and status != 204 else None
            record: Record = {
                "user": self.label,
                "seq": Recorder.next_seq(self.label, self.seq_start),
                "phase": Recorder.phase,
                "route": route,
                "t": started_wall,
                "ms": ms,
                "status": status,
                "headers": kept_headers(response.headers or {}),
                "body": (response.text or "")[:BODY_LIMIT] if status >= 400 else None,
            }
            if 200 <= status < 300 and status != 204 and payload is None:
                record["body"] = (response.text or "")[:BODY_LIMIT]  # not JSON: a verdict says so
            elif extra is not None:
                record.update(extra(status, payload))  # type: ignore[typeddict-item]
            Recorder.records.append(record)
            response.success()  # the verdicts judge statuses; locust's own stats are unused
        return status, payload

    # -- preferences ---------------------------------------------------------------------

    @task(4)
    def write_preference(self) -> None:
        self.written += 1
        key = self.rng.choice(KEYS)
        value = {"owner": self.label, "n": self.written, "tags": ["soak"] * self.rng.randint(0, 4)}
        op: PrefOp = {"op": "write", "key": key, "value": value}
        self._send("POST", f"POST {PREFS}", PREFS, body={"key": key, "value": value},
                   extra=lambda *_: {"pref": op})  # fmt: skip

    @task(3)
    def read_preference(self) -> None:
        key = self.rng.choice(KEYS)

        def seen(status: int, payload: Any) -> dict[str, Any]:
            op: PrefOp = {"op": "read", "key": key}
            if status == 200:
                op["observed"] = payload["value"]
            return {"pref": op}

        self._send("GET", f"GET {PREFS}/{{key}}", f"{PREFS}/{key}", extra=seen)

    @task(2)
    def list_preferences(self) -> None:
        self._send("GET", f"GET {PREFS}", PREFS, params={"limit": 100}, extra=listed)

    @task(1)
    def delete_preference(self) -> None:
        key = self.rng.choice(KEYS)
        op: PrefOp = {"op": "delete", "key": key}
        self._send("DELETE", f"DELETE {PREFS}/{{key}}", f"{PREFS}/{key}",
                   extra=lambda *_: {"pref": op})  # fmt: skip

    # -- Unity Catalog ----------------------------------------------------------------------

    @task(1)
    def browse_catalog(self) -> None:
        step = self.rng.randrange(4)
        uc = "/api/unity-catalog"
        if step == 0:
            self._send("GET", f"GET {uc}/catalogs", f"{uc}/catalogs")
        elif step == 1:
            self._send("GET", f"GET {uc}/schemas", f"{uc}/schemas", params={"catalog": "main"})
        elif step == 2:
            params = {"catalog": "main", "schema": "sales"}
            self._send("GET", f"GET {uc}/table-names", f"{uc}/table-names", params=params)
        else:
            params = {"catalog": "main", "schema": "sales", "limit": 5}
            self._send("GET", f"GET {uc}/tables", f"{uc}/tables", params=params)

    @task(2)
    def page_through_orders(self) -> None:
        params = {
            "catalog": "main",
            "schema": "sales",
            "table": "orders",
            "limit": 20,
            "offset": 20 * self.rng.randrange(10),
        }
        route = "GET /api/unity-catalog/query"
        self._send("GET", route, "/api/unity-catalog/query", params=params)

    @task(2)
    def filter_orders(self) -> None:
        body = {
            "catalog": "main",
            "schema": "sales",
            "table": "orders",
            "limit": 25,
            "offset": 25 * self.rng.randrange(3),
            "filters": [
                {"column": "status", "op": "=", "value": self.rng.choice(STATUSES)},
                {"column": "amount", "op": ">", "value": self.rng.randrange(50, 500)},
            ],
            "order_by": [{"column": "order_date", "direction": "desc"}],
        }
        route = "POST /api/unity-catalog/query"
        self._send("POST", route, "/api/unity-catalog/query", body=body)

    # -- Model Serving ----------------------------------------------------------------------

    @task(1)
    def list_endpoints(self) -> None:
        route = "GET /api/model-serving/endpoints"
        self._send("GET", route, "/api/model-serving/endpoints")

    @task(2)
    def invoke(self) -> None:
        name = self.rng.choice(sorted(ENDPOINT_INPUTS))
        body = {"endpoint_name": name, "inputs": ENDPOINT_INPUTS[name]}

        def invoked(status: int, payload: Any) -> dict[str, Any]:
            return {"invoke": payload["request_id"] if status == 200 else None}

        route = "POST /api/model-serving/invoke"
        self._send("POST", route, "/api/model-serving/invoke", body=body, extra=invoked)

    @task(1)
    def read_log(self) -> None:
        def seen(status: int, payload: Any) -> dict[str, Any]:
            if status != 200:
                return {}
            ids = [item["request_id"] for item in payload["items"]]
            return {"logs": {"request_ids": ids, "total": payload["total"]}}

        route = "GET /api/model-serving/logs"
        self._send("GET", route, "/api/model-serving/logs", params={"limit": 100}, extra=seen)


class PreferenceUser(FastHttpUser):
    """The same person using only the preference routes (database only, no Databricks call
    but the identity): what the app adds over the bare framework where it calls nothing slow.
    Not a subclass of SoakUser, whose tasks locust would add to these."""

    wait_time = constant(0)
    network_timeout = NETWORK_TIMEOUT_SECONDS
    connection_timeout = NETWORK_TIMEOUT_SECONDS
    seq_start: ClassVar[int] = 0
    on_start = SoakUser.on_start
    _send = SoakUser._send
    tasks = {  # noqa: RUF012 - locust's own class attribute
        SoakUser.write_preference: 4,
        SoakUser.read_preference: 3,
        SoakUser.list_preferences: 2,
        SoakUser.delete_preference: 1,
    }


def listed(status: int, payload: Any) -> dict[str, Any]:
    return {"pref": list_seen(status, payload)}


class CeilingUser(FastHttpUser):
    """The same load against the bare app's one trivial JSON route."""

    wait_time = constant(0)
    network_timeout = NETWORK_TIMEOUT_SECONDS
    connection_timeout = NETWORK_TIMEOUT_SECONDS

    def on_start(self) -> None:
        self.label, self.token = Identities.take()

    @task
    def ping(self) -> None:
        started_wall, started = time.time(), time.perf_counter()
        with self.client.get(
            "/ping", name="GET /ping", headers={TOKEN_HEADER: self.token}, catch_response=True
        ) as response:
            record: Record = {
                "user": self.label,
                "seq": Recorder.next_seq(self.label, 0),
                "phase": "ceiling",
                "route": "GET /ping",
                "t": started_wall,
                "ms": (time.perf_counter() - started) * 1000,
                "status": _status(response),
                "headers": kept_headers(response.headers or {}),
                "body": None,
            }
            Recorder.records.append(record)
            response.success()


def _status(response: FastResponse) -> int:
    return int(response.status_code or NO_ANSWER)


def _json(response: FastResponse) -> Any:
    try:
        return json.loads(response.text or "null")
    except ValueError:
        return None
