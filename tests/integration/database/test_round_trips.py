"""What a request sends its database, counted rather than timed: statements (SQLAlchemy's cursor
events), pool checkouts, and on PostgreSQL the protocol round trips themselves (libpq's own
trace of every connection: the server ends each round trip with one ReadyForQuery).

A single-key read, a write and a list are each one statement; on PostgreSQL that statement is
its own transaction, so it is the request's one round trip: no BEGIN and COMMIT around it, no
question first whether the pooled connection is alive. Routes that need no database check out
no connection at all.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from fake_workspace.reference import ALICE
from server.db.database import Database
from tests.harness import auth
from tests.integration.api import PREFS, UC, pref_url, save_pref

pytestmark = pytest.mark.fake_only  # the seeded users; live mode has its own smoke test

ROUND_TRIP_END = re.compile(r"^B\t\d+\tReadyForQuery\t", re.MULTILINE)
# A simple query's text, or an extended one's after its (unnamed) statement name.
SENT = re.compile(r'^F\t\d+\t(?:Query\t\s*|Parse\t\s*"[^"]*" )"\s*([^\s"]*)', re.MULTILINE)


@dataclass
class Traffic:
    """What the app's engine did while `counting()` was open."""

    statements: list[str] = field(default_factory=list)
    checkouts: int = 0
    round_trips: int = 0  # PostgreSQL only
    sent: list[str] = field(default_factory=list)  # each query's first word (PostgreSQL)


class TrafficRecorder:
    """Listens on the engine; on PostgreSQL, traces every connection it opens from its first
    byte, so a question the pool asks before handing a connection out is seen too."""

    def __init__(self, database: Database, scratch: Path) -> None:
        self.engine = database.engine.sync_engine
        self.scratch = scratch
        self.traced: list[tuple[Any, Path]] = []
        self.sinks: list[Any] = []  # the files libpq writes to, open until the test ends
        self.current: Traffic | None = None

    def on_connect(self, dbapi_connection: Any, _record: Any) -> None:
        driver = getattr(dbapi_connection, "driver_connection", None)
        pgconn = getattr(driver, "pgconn", None)
        if pgconn is None:  # SQLite: no wire to trace
            return
        path = self.scratch / f"connection-{len(self.traced)}.trace"
        self._trace(pgconn, path)
        self.traced.append((pgconn, path))

    def _trace(self, pgconn: Any, path: Path) -> None:
        from psycopg import pq

        sink = path.open("a")
        self.sinks.append(sink)
        pgconn.trace(sink.fileno())
        pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)

    def close(self) -> None:
        for pgconn, _ in self.traced:
            if pgconn.status == 0:
                pgconn.untrace()
        for sink in self.sinks:
            sink.close()

    def on_statement(self, *args: Any) -> None:
        if self.current is not None:
            self.current.statements.append(str(args[2]))

    def on_checkout(self, *_args: Any) -> None:
        if self.current is not None:
            self.current.checkouts += 1

    def wire(self) -> tuple[int, list[str]]:
        """Round trips and what they sent so far, over every traced connection (flushed)."""
        ends, sent = 0, []
        for pgconn, path in self.traced:
            if pgconn.status == 0:  # CONNECTION_OK: flush what libpq holds, trace on
                pgconn.untrace()
                self._trace(pgconn, path)
            text = path.read_text()
            ends += len(ROUND_TRIP_END.findall(text))
            sent += [m.group(1).upper() for m in SENT.finditer(text)]
        return ends, sent

    @contextmanager
    def counting(self) -> Iterator[Traffic]:
        traffic = Traffic()
        before_trips, before_sent = self.wire()
        self.current = traffic
        try:
            yield traffic
        finally:
            self.current = None
            after_trips, after_sent = self.wire()
            traffic.round_trips = after_trips - before_trips
            traffic.sent = after_sent[len(before_sent) :]


@pytest.fixture
async def traffic(database: Database) -> AsyncIterator[TrafficRecorder]:
    """A recorder on the run's database; on PostgreSQL its pool starts empty, so every
    connection is new and traced (in-memory SQLite's one connection is the database itself)."""
    wire = database.dialect == "postgresql"
    with tempfile.TemporaryDirectory(prefix="round-trips-") as scratch:
        recorder = TrafficRecorder(database, Path(scratch))
        if wire:
            await database.engine.dispose()
        listeners = [
            (recorder.engine, "connect", recorder.on_connect),
            (recorder.engine, "before_cursor_execute", recorder.on_statement),
            (recorder.engine, "checkout", recorder.on_checkout),
        ]
        for target, name, listener in listeners:
            event.listen(target, name, listener)
        try:
            yield recorder
        finally:
            for target, name, listener in listeners:
                event.remove(target, name, listener)
            if wire:
                await database.engine.dispose()  # no traced connection outlives the test
            recorder.close()


def verbs(statements: list[str]) -> list[str]:
    return [s.split()[0].upper() for s in statements]


async def test_a_single_key_read_is_one_statement_on_one_connection(
    client, traffic: TrafficRecorder
) -> None:
    await save_pref(client, "theme", "dark")
    await client.get(pref_url("theme"), headers=auth(ALICE.token))  # the pool holds a used one

    with traffic.counting() as seen:
        response = await client.get(pref_url("theme"), headers=auth(ALICE.token))

    assert response.status_code == 200, response.text
    assert (verbs(seen.statements), seen.checkouts) == (["SELECT"], 1)


async def test_a_write_is_one_statement_on_one_connection(client, traffic: TrafficRecorder) -> None:
    await save_pref(client, "theme", "dark")

    with traffic.counting() as seen:
        await save_pref(client, "theme", "light")

    assert (verbs(seen.statements), seen.checkouts) == (["INSERT"], 1)


async def test_a_list_is_one_statement_on_one_connection(client, traffic: TrafficRecorder) -> None:
    for key in ("a", "b", "c"):
        await save_pref(client, key, 1)

    with traffic.counting() as seen:
        response = await client.get(PREFS, headers=auth(ALICE.token))

    assert response.json()["total"] == 3
    assert (verbs(seen.statements), seen.checkouts) == (["SELECT"], 1)


@pytest.mark.parametrize(
    "path", ["/health", "/api/user/auth/status", "/api/user/me", f"{UC}/catalogs"]
)
async def test_routes_without_storage_check_out_no_connection(
    client, traffic: TrafficRecorder, path: str
) -> None:
    with traffic.counting() as seen:
        response = await client.get(path, headers=auth(ALICE.token))

    assert response.status_code == 200, response.text
    assert (seen.statements, seen.checkouts, seen.round_trips) == ([], 0, 0)


@pytest.mark.postgres_only
async def test_a_read_on_a_pooled_connection_is_one_round_trip(
    client, traffic: TrafficRecorder
) -> None:
    await save_pref(client, "theme", "dark")
    await client.get(pref_url("theme"), headers=auth(ALICE.token))  # the connection is reused

    with traffic.counting() as seen:
        response = await client.get(pref_url("theme"), headers=auth(ALICE.token))

    assert response.status_code == 200, response.text
    # No liveness question, no BEGIN and COMMIT, no reset after it.
    assert (seen.sent, seen.round_trips) == (["SELECT"], 1)


@pytest.mark.postgres_only
async def test_a_write_on_a_pooled_connection_is_one_round_trip(
    client, traffic: TrafficRecorder
) -> None:
    await save_pref(client, "theme", "dark")

    with traffic.counting() as seen:
        await save_pref(client, "theme", "light")

    assert (seen.sent, seen.round_trips) == (["INSERT"], 1)


@pytest.mark.postgres_only
async def test_a_list_on_a_pooled_connection_is_one_round_trip(
    client, traffic: TrafficRecorder
) -> None:
    for key in ("a", "b", "c"):
        await save_pref(client, key, 1)

    with traffic.counting() as seen:
        response = await client.get(PREFS, params={"limit": 2}, headers=auth(ALICE.token))

    assert (response.json()["total"], len(response.json()["items"])) == (3, 2)
    assert (seen.sent, seen.round_trips) == (["SELECT"], 1)
