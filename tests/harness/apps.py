"""pytest plugin: the app under test, the clients that talk to it, and the clock it runs on.

Building a FastAPI app is costly (every route's dependencies and models are analysed on its
first request), and an app built for the same settings and database is the same app. So apps
are pooled per (settings, database) and reused by later tests, while everything a test could
change is new for every test: each client runs the app's lifespan afresh (new services, caches,
HTTP clients, SDK clients, on the test's own clock), and no pooled app serves two clients at once.

Fixtures: `clock` (per test, a FakeClock), `app_pool` (per session), `client_factory` and
`client` (per test).
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from pydantic import SecretStr

from server.app import create_app
from server.clock import Clock, SystemClock
from server.config import Settings
from server.db.database import Database
from tests.harness.clock import FakeClock
from tests.harness.live import is_live

# A start-up that mints a Lakebase credential and migrates takes a second on an idle machine and
# more on a saturated one (asgi-lifespan's own default, 5 s, failed a flake hunt): the limit only
# stops a start-up that hangs.
LIFESPAN_LIMIT_SECONDS = 120.0


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

    def timeout(self, seconds: float) -> AbstractAsyncContextManager[object]:
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
    # Not in mutmut's first run (`nox -s mutation`), which records the tests that reach each
    # function: there every test builds its own app, so every test that reaches create_app and
    # what it installs (error handlers, the OpenAPI document) is recorded and later run against
    # their mutants, not only the first test that happened to build a pooled app.
    reuse: bool = field(default_factory=lambda: os.environ.get("MUTANT_UNDER_TEST") != "stats")

    def acquire(self, settings: Settings, database: Database | None, clock: Clock) -> PooledApp:
        idle = self._idle.setdefault(_key(settings, database), [])
        if idle:  # never filled without reuse (`release`)
            pooled = idle.pop()
            pooled.clock.target = clock
            return pooled
        switch = ClockSwitch(clock)
        self.built += 1
        return PooledApp(self.build(settings, database=database, clock=switch), switch)

    def release(self, settings: Settings, database: Database | None, pooled: PooledApp) -> None:
        if self.reuse:
            self._idle.setdefault(_key(settings, database), []).append(pooled)


def _key(settings: Settings, database: Database | None) -> tuple[str, int | None]:
    values = {
        name: value.get_secret_value() if isinstance(value, SecretStr) else value
        for name, value in settings
    }
    return json.dumps(values, sort_keys=True, default=str), id(database) if database else None


ClientFactory = Callable[..., Awaitable[AppClient]]


@pytest.fixture
def app_clock() -> Clock:
    """What every app of the test waits and reads time on: a FakeClock, or real time against
    a live workspace."""
    return SystemClock() if is_live() else FakeClock()


@pytest.fixture
def clock(app_clock: Clock) -> FakeClock:
    """The test's clock, for a test that steps it (skipped against a live workspace)."""
    if not isinstance(app_clock, FakeClock):
        pytest.skip("steps the app's clock: a live workspace runs on real time")
    return app_clock


@pytest.fixture(scope="session")
def app_pool() -> AppPool:
    """Apps built once per distinct settings and database, reused by later tests."""
    return AppPool()


@pytest.fixture
async def client_factory(
    app_clock: Clock,
    database: Database,
    settings_factory: Callable[..., Settings],
    app_pool: AppPool,
) -> AsyncIterator[ClientFactory]:
    """Build clients over fresh apps: `await client_factory(database=False, **settings)`.

    `database=True` shares the run's migrated database; False gives an app with no database
    (unless the settings name one, which the app then builds, migrates and disposes itself).
    Every app runs on the test's `clock` (on real time against a live workspace).
    """
    shared_database = database
    async with AsyncExitStack() as stack:

        async def make(*, database: Database | bool = True, **overrides: Any) -> AppClient:
            settings = settings_factory(**overrides)
            shared = shared_database if database is True else (database or None)
            pooled = app_pool.acquire(settings, shared, app_clock)
            stack.callback(app_pool.release, settings, shared, pooled)
            lifespan = LifespanManager(
                pooled.app,
                startup_timeout=LIFESPAN_LIMIT_SECONDS,
                shutdown_timeout=LIFESPAN_LIMIT_SECONDS,
            )
            await stack.enter_async_context(lifespan)
            return await stack.enter_async_context(AppClient(pooled.app))

        yield make


@pytest.fixture
async def client(client_factory: ClientFactory) -> AppClient:
    """A client over the app on the selected backend, talking to the fake (or live) workspace."""
    return await client_factory()
