"""The one clock the app reads and waits on, handed to it when it is built.

Everything in `server/` that reads time (query budgets, cache lifetimes, credential expiry,
latencies) or waits (polls, retry back-off, timeouts, the SDK's own retries) goes through a
`Clock`. Production uses `SystemClock`; tests pass a clock they step by hand, so a verdict such
as "8 polls under a 0.6 s budget" costs no real time and does not depend on the machine's speed.
"""

from __future__ import annotations

import asyncio
import time
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from typing import Protocol

from databricks.sdk import clock as sdk_clock


class Clock(Protocol):
    """Time as the app sees it."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back (for budgets, lifetimes and latencies)."""
        ...

    def now(self) -> datetime:
        """The wall-clock time, timezone-aware UTC (for expiry instants other systems send)."""
        ...

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds` without blocking the event loop."""
        ...

    def sleep_blocking(self, seconds: float) -> None:
        """Wait `seconds` in a worker thread (the Databricks SDK's retries run there)."""
        ...

    def timeout(self, seconds: float) -> AbstractAsyncContextManager[object]:
        """Cancel the block after `seconds` and raise `TimeoutError`, as `asyncio.timeout`."""
        ...


class SystemClock:
    """The real clock: `time.monotonic`, `datetime.now(UTC)`, `asyncio.sleep`/`timeout`."""

    def monotonic(self) -> float:
        return time.monotonic()

    def now(self) -> datetime:
        return datetime.now(UTC)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)

    def sleep_blocking(self, seconds: float) -> None:
        time.sleep(seconds)

    def timeout(self, seconds: float) -> AbstractAsyncContextManager[object]:
        return asyncio.timeout(seconds)


class SdkClock(sdk_clock.Clock):
    """The Databricks SDK's clock interface over ours, so its retries wait on our clock too."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock

    def time(self) -> float:
        return self._clock.now().timestamp()

    def sleep(self, seconds: float) -> None:
        self._clock.sleep_blocking(seconds)
