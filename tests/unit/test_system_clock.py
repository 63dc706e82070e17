"""The clock production runs on (`SystemClock`), and the SDK's view of any clock (`SdkClock`):
tests run the app on a `FakeClock`, so these are the only checks of the real one. No test here
waits: every wait asked for is zero, and nothing is compared with the wall clock."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from server.clock import SdkClock, SystemClock
from tests.harness.clock import FakeClock


def test_now_is_timezone_aware_utc() -> None:
    assert SystemClock().now().tzinfo is UTC


def test_monotonic_never_goes_back() -> None:
    clock = SystemClock()
    readings = [clock.monotonic() for _ in range(100)]
    assert readings == sorted(readings)


async def test_a_zero_sleep_returns_and_lets_other_tasks_run() -> None:
    ran: list[str] = []

    async def other() -> None:
        ran.append("other")

    task = asyncio.create_task(other())
    await SystemClock().sleep(0)
    await task

    assert ran == ["other"]
    SystemClock().sleep_blocking(0)


async def test_a_timeout_that_has_run_out_cancels_the_block() -> None:
    never = asyncio.Event()
    # The outer bound only turns a timeout that never fires into a failure instead of a hang.
    async with asyncio.timeout(60):
        with pytest.raises(TimeoutError):
            async with SystemClock().timeout(0):
                await never.wait()


def test_the_sdk_reads_and_waits_on_the_app_clock() -> None:
    start = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
    fake = FakeClock(start=start)
    sdk = SdkClock(fake)

    sdk.sleep(2.5)

    assert fake.sleeps == [2.5]
    assert sdk.time() == (start + timedelta(seconds=2.5)).timestamp()
