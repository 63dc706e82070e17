"""Live runs that end badly, for the rehearsal only (`live_cell.py` names this file; pytest's
discovery never collects it): one whose test fails and one that is interrupted, each after
writing to the run's database, so the rehearsal can show that neither leaves anything behind."""

from __future__ import annotations

import asyncio
import os
import signal

import httpx

from tests.harness import auth
from tests.harness.live import live_config
from tests.integration.api import PREFS


async def _write(client: httpx.AsyncClient) -> None:
    saved = await client.post(
        PREFS, json={"key": "probe", "value": 1}, headers=auth(live_config().token)
    )
    assert saved.status_code == 201, saved.text


async def test_a_run_that_fails(client: httpx.AsyncClient) -> None:
    await _write(client)
    raise AssertionError("this live run fails on purpose: nothing it made may be left")


async def test_a_run_that_is_interrupted(client: httpx.AsyncClient) -> None:
    await _write(client)
    os.kill(os.getpid(), signal.SIGTERM)  # as a job's timeout or cancel would
    await asyncio.sleep(30)
