"""The fault schedule of the faults phase: what goes wrong when, drawn from a seed the report
names (`--seed` replays the same times), and the thread that makes it happen.

Every fault comes from the harness's existing controls, so the app meets each exactly as the
suite's tests make it meet them one at a time: the fake workspace's queued failures and
latency (429/503 bursts with Retry-After, slow answers from the warehouse and the models),
the fake's `expire_credentials` followed into the Lakebase stand-in (a credential ended while
requests are in flight), and tests/harness/pg_faults.py on the real server (connections killed
with pg_terminate_backend, a table held under an ACCESS EXCLUSIVE lock).
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from fake_workspace import FakeWorkspace, Route
from suite_environment import DATABASES
from tests.harness.pg_faults import table_locked, terminate_connections
from tests.soak.backend import Backend

LOCK_SECONDS = 4.0
BURST = 8  # failures queued per burst: more than a client's retries absorb, some reach users


@dataclass(frozen=True)
class Fault:
    at: float  # seconds after the faults phase starts
    kind: str
    lasts: float = 0.0  # seconds it is meant to last (0: a burst the next requests consume)


# (kind, how often in a phase, how long it lasts, which databases it applies to)
KINDS: tuple[tuple[str, int, float, tuple[str, ...]], ...] = (
    ("warehouse 429 burst", 2, 0.0, DATABASES),
    ("warehouse 503 burst", 2, 0.0, DATABASES),
    ("model 429 burst", 2, 0.0, DATABASES),
    ("model 503 burst", 2, 0.0, DATABASES),
    ("slow warehouse", 1, 0.0, DATABASES),
    ("slow models", 1, 0.0, DATABASES),
    ("connections killed", 2, 0.0, ("postgres", "lakebase")),
    ("preferences locked", 1, LOCK_SECONDS, ("postgres", "lakebase")),
    ("inference log locked", 1, LOCK_SECONDS, ("postgres", "lakebase")),
    ("credential expired", 2, 0.0, ("lakebase",)),
)


def schedule(seed: int, duration: float, db: str) -> list[Fault]:
    """The phase's faults, at times drawn from `seed` between 10 % and 85 % of `duration`
    (before: the load is still ramping up; after: room for the app to recover)."""
    rng = random.Random(seed)
    faults = [
        Fault(round(rng.uniform(0.10, 0.85) * duration, 2), kind, lasts)
        for kind, times, lasts, where in KINDS
        if db in where
        for _ in range(times)
    ]
    return sorted(faults, key=lambda f: f.at)


@dataclass
class Applied:
    fault: Fault
    at: float  # when it was actually applied, seconds after the phase started
    outcome: str


@dataclass
class FaultRunner:
    """Applies the schedule from a thread; `applied` says what happened when."""

    fake: FakeWorkspace
    backend: Backend
    faults: list[Fault]
    applied: list[Applied] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _threads: list[threading.Thread] = field(default_factory=list)

    def start(self, origin: float) -> None:
        thread = threading.Thread(target=self._run, args=(origin,), name="soak-faults")
        self._threads.append(thread)
        thread.start()

    def stop(self) -> None:
        """End the phase's faults: nothing queued is left for later requests, locks released."""
        self._stop.set()
        for thread in list(self._threads):
            thread.join(timeout=60)
        self.fake.faults.clear()

    def _run(self, origin: float) -> None:
        for fault in self.faults:
            if self._stop.wait(max(0.0, origin + fault.at - time.time())):
                return
            started = time.time() - origin
            try:
                outcome = self._apply(fault)
            except Exception as exc:  # a fault that cannot be applied is reported, not fatal
                self.errors.append(f"{fault.kind} at {started:.1f} s: {exc!r}")
                outcome = f"not applied: {type(exc).__name__}"
            self.applied.append(Applied(fault, started, outcome))

    def _apply(self, fault: Fault) -> str:
        faults = self.fake.faults
        actions: dict[str, Callable[[], str]] = {
            "warehouse 429 burst": lambda: _burst(faults.fail_next, Route.SQL_EXECUTE, 429),
            "warehouse 503 burst": lambda: _burst(faults.fail_next, Route.SQL_EXECUTE, 503),
            "model 429 burst": lambda: _burst(faults.fail_next, Route.INVOCATIONS, 429),
            "model 503 burst": lambda: _burst(faults.fail_next, Route.INVOCATIONS, 503),
            "slow warehouse": lambda: _slow(faults.add_latency, Route.SQL_EXECUTE, 2.0, 20),
            "slow models": lambda: _slow(faults.add_latency, Route.INVOCATIONS, 3.0, 12),
            "connections killed": self._kill,
            "preferences locked": lambda: self._lock("user_preferences"),
            "inference log locked": lambda: self._lock("model_inferences"),
            "credential expired": self._expire,
        }
        return actions[fault.kind]()

    def _kill(self) -> str:
        url, database = self.backend.harness_url, self.backend.database
        assert url is not None
        assert database is not None
        killed = terminate_connections(url, database)
        return f"{killed} connections terminated"

    def _lock(self, table: str) -> str:
        url, database = self.backend.harness_url, self.backend.database
        assert url is not None
        assert database is not None
        taken = threading.Event()

        def hold() -> None:
            with table_locked(url, database, table, hold_at_most_seconds=int(LOCK_SECONDS) + 5):
                taken.set()
                self._stop.wait(LOCK_SECONDS)

        thread = threading.Thread(target=hold, name=f"soak-lock-{table}")
        self._threads.append(thread)
        thread.start()
        taken.wait(30)
        return f"ACCESS EXCLUSIVE on {table} for {LOCK_SECONDS:g} s"

    def _expire(self) -> str:
        self.fake.lakebase.expire_credentials()
        return "every credential minted so far ended"


def _burst(fail_next: Callable[..., object], route: Route, status: int) -> str:
    code = "REQUEST_LIMIT_EXCEEDED" if status == 429 else "TEMPORARILY_UNAVAILABLE"
    fail_next(route, times=BURST, status=status, error_code=code, retry_after=1)
    return f"next {BURST} {route.name} answer {status} {code}, Retry-After: 1"


def _slow(add_latency: Callable[..., object], route: Route, seconds: float, times: int) -> str:
    add_latency(route, seconds=seconds, times=times)
    return f"next {times} {route.name} answer {seconds:g} s late"
