"""Waiting on a condition that another thread or process makes true, never on a guess."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

# Only the failing direction waits this long: a condition that holds returns at once.
DEFAULT_WITHIN_SECONDS = 30.0
_POLL_SECONDS = 0.005


async def until(
    condition: Callable[[], object], *, what: str, within: float = DEFAULT_WITHIN_SECONDS
) -> None:
    """Return as soon as `condition()` is true; fail, naming `what`, after `within` seconds."""
    deadline = time.monotonic() + within
    while not condition():
        _check(deadline, what, within)
        # Real time on purpose: the fake workspace or PostgreSQL makes the condition true, in
        # another thread or process; the loop must run meanwhile.
        await asyncio.sleep(_POLL_SECONDS)


def until_blocking(
    condition: Callable[[], object], *, what: str, within: float = DEFAULT_WITHIN_SECONDS
) -> None:
    """`until` for synchronous tests: blocks this thread while another one does the work."""
    deadline = time.monotonic() + within
    while not condition():
        _check(deadline, what, within)
        time.sleep(_POLL_SECONDS)  # real time: another thread makes the condition true


def _check(deadline: float, what: str, within: float) -> None:
    if time.monotonic() > deadline:
        raise AssertionError(f"still waiting after {within:g} s for {what}")
