"""The app under test and the clients that talk to it.

Building a FastAPI app is costly (every route's dependencies and models are analysed on its
first request), and an app built for the same settings and database is the same app. So apps
are pooled per (settings, database) and reused by later tests, while everything a test could
change is new for every test: each client runs the app's lifespan afresh (new services, caches,
HTTP clients, SDK clients, on the test's own clock), and no pooled app serves two clients at once.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
from fastapi import FastAPI
from pydantic import SecretStr

from server.app import create_app
from server.clock import Clock
from server.config import Settings
from server.db.database import Database


class AppClient(httpx.AsyncClient):
    """An httpx client over one app instance, which tests can inspect (`client.app.state`)."""

    def __init__(self, app: FastAPI) -> None:
        super().__init__(transport=httpx.ASGITransport(app=app), base_url="http://testserver")
        self.app = app


class ClockSwitch:
    """The clock a pooled app is built with: it forwards to the clock of the test using it."""

    def __init__(self, target: Clock) -> None:
        self.target = target

    def monotonic(self) -> float:
        return self.target.monotonic()

    def now(self) -> datetime:
        return self.target.now()

    async def sleep(self, seconds: float) -> None:
        await self.target.sleep(seconds)

    def sleep_blocking(self, seconds: float) -> None:
        self.target.sleep_blocking(seconds)

    def timeout(self, seconds: float) -> Any:
        return self.target.timeout(seconds)


@dataclass
class PooledApp:
    app: FastAPI
    clock: ClockSwitch


@dataclass
class AppPool:
    """Apps by (settings, database); `acquire` hands out one that no client is using."""

    build: Callable[..., FastAPI] = create_app
    _idle: dict[tuple[str, int | None], list[PooledApp]] = field(default_factory=dict)
    built: int = 0

    def acquire(self, settings: Settings, database: Database | None, clock: Clock) -> PooledApp:
        idle = self._idle.setdefault(_key(settings, database), [])
        if idle:
            pooled = idle.pop()
            pooled.clock.target = clock
            return pooled
        switch = ClockSwitch(clock)
        self.built += 1
        return PooledApp(self.build(settings, database=database, clock=switch), switch)

    def release(self, settings: Settings, database: Database | None, pooled: PooledApp) -> None:
        self._idle.setdefault(_key(settings, database), []).append(pooled)


def _key(settings: Settings, database: Database | None) -> tuple[str, int | None]:
    values = {
        name: value.get_secret_value() if isinstance(value, SecretStr) else value
        for name, value in settings
    }
    return json.dumps(values, sort_keys=True, default=str), id(database) if database else None
