"""A clock the tests step by hand (the app takes it through `create_app(clock=...)`).

Time moves only when the app sleeps (each sleep moves it by exactly that much, at once) or when
a test calls `advance()`. Real time spent elsewhere - an HTTP round trip to the fake workspace,
a busy machine - does not move it, so a budget of "0.6 s" means "0.6 s of the app's own waiting"
and gives the same verdict on an idle laptop and on a saturated runner, at no cost in real time.
Timeouts (`timeout()`) fire when the clock passes their deadline, never on their own.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta


@dataclass
class _PendingTimeout:
    deadline: float
    scope: asyncio.Timeout
    loop: asyncio.AbstractEventLoop
    active: bool = True  # False once the block has ended: the scope can no longer be changed


class FakeClock:
    """`server.clock.Clock` for tests: virtual monotonic and wall time, sleeps that cost nothing.

    `sleeps` lists every wait the app asked for, in order (async and blocking alike), so a test
    can assert *how long* the app chose to wait - e.g. exactly a model's `Retry-After`.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._lock = threading.Lock()  # the SDK sleeps from worker threads
        self._elapsed = 0.0
        self._start_wall = start or datetime.now(UTC)
        self._timeouts: list[_PendingTimeout] = []
        self.sleeps: list[float] = []

    def monotonic(self) -> float:
        with self._lock:
            return 1_000.0 + self._elapsed

    def now(self) -> datetime:
        with self._lock:
            return self._start_wall + timedelta(seconds=self._elapsed)

    def advance(self, seconds: float) -> None:
        """Move time forward; timeouts whose deadline has passed fire (on their event loop)."""
        if seconds < 0:
            raise ValueError("time does not go back")
        with self._lock:
            self._elapsed += seconds
            now = 1_000.0 + self._elapsed
            due = [t for t in self._timeouts if t.deadline <= now]
            self._timeouts = [t for t in self._timeouts if t.deadline > now]
        for pending in due:
            _expire_soon(pending)

    async def sleep(self, seconds: float) -> None:
        self._record(seconds)
        self.advance(max(seconds, 0.0))
        await asyncio.sleep(0)  # still a point where other tasks run, as a real sleep is

    def sleep_blocking(self, seconds: float) -> None:
        self._record(seconds)
        self.advance(max(seconds, 0.0))

    @asynccontextmanager
    async def timeout(self, seconds: float) -> AsyncIterator[asyncio.Timeout]:
        async with asyncio.timeout(None) as scope:
            pending = _PendingTimeout(self.monotonic() + seconds, scope, asyncio.get_running_loop())
            if seconds <= 0:
                _expire_soon(pending)
            else:
                with self._lock:
                    self._timeouts.append(pending)
            try:
                yield scope
            finally:
                pending.active = False
                with self._lock:
                    if pending in self._timeouts:
                        self._timeouts.remove(pending)

    @property
    def pending_timeouts(self) -> int:
        """How many `timeout()` blocks are waiting right now (to wait until a request is in one)."""
        with self._lock:
            return len(self._timeouts)

    def _record(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)


def _expire_soon(pending: _PendingTimeout) -> None:
    """Make an asyncio timeout scope expire on its own loop's next iteration."""

    def expire() -> None:
        if pending.active and not pending.scope.expired():
            pending.scope.reschedule(pending.loop.time())

    pending.loop.call_soon_threadsafe(expire)
