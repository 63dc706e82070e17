"""Faults on demand: queued failures, latency, hangs and dropped connections.

A fault targets a :class:`~fake_workspace.routes.Route` (optionally only one ``target``: the
first path parameter, e.g. an endpoint name) and is consumed by the next matching calls::

    fake.faults.fail_next(Route.INVOCATIONS, status=429, error_code="REQUEST_LIMIT_EXCEEDED")
    fake.faults.add_latency(Route.SQL_GET, seconds=0.2)
    fake.faults.hang(Route.INVOCATIONS, seconds=2)  # answers only after 2 s
    gate = fake.faults.hold(Route.SCIM_ME)  # held until gate.open(): overlap without timing
    fake.faults.drop_connection(Route.SERVING_GET)  # socket closed, no response
"""

from __future__ import annotations

import enum
import threading
from dataclasses import dataclass

from fake_workspace.routes import Route, RouteMatch


class FaultKind(enum.Enum):
    FAIL = "fail"
    LATENCY = "latency"
    HANG = "hang"
    HOLD = "hold"
    DROP = "drop"


class Gate:
    """Holds matching requests until :meth:`open` (or the fake's reset), and counts them."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._opened = threading.Event()
        self._held = 0

    def open(self) -> None:
        self._opened.set()

    @property
    def is_open(self) -> bool:
        return self._opened.is_set()

    @property
    def held(self) -> int:
        """How many requests are waiting at the gate right now."""
        with self._lock:
            return self._held

    def arrive(self) -> None:
        with self._lock:
            self._held += 1

    def leave(self) -> None:
        with self._lock:
            self._held -= 1


@dataclass(frozen=True)
class Failure:
    """The error response a ``FAIL`` fault sends instead of the real answer."""

    status: int
    error_code: str
    message: str
    retry_after: int | None = None


@dataclass
class Fault:
    kind: FaultKind
    route: Route
    target: str | None = None
    remaining: int | None = 1
    """How many more requests it applies to; ``None`` = every request until reset."""
    seconds: float = 0.0
    failure: Failure | None = None
    gate: Gate | None = None

    def matches(self, match: RouteMatch) -> bool:
        return self.route is match.route and self.target in (None, match.target)

    @property
    def exhausted(self) -> bool:
        return self.remaining is not None and self.remaining <= 0


@dataclass(frozen=True)
class FaultPlan:
    """What to do with one request: wait ``delay`` seconds, then fail, drop, or serve."""

    delay: float = 0.0
    failure: Failure | None = None
    drop: bool = False
    gates: tuple[Gate, ...] = ()

    @property
    def description(self) -> str | None:
        if self.gates:
            return "hold"
        if self.drop:
            return "drop"
        if self.failure is not None:
            return f"fail:{self.failure.status}:{self.failure.error_code}"
        return f"delay:{self.delay:g}" if self.delay else None


class Faults:
    """The fault queue; thread-safe, cleared by :meth:`clear` (``FakeWorkspace.reset``)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []

    def _add(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(fault)
        return fault

    def fail_next(
        self,
        route: Route,
        times: int = 1,
        status: int = 503,
        error_code: str = "TEMPORARILY_UNAVAILABLE",
        message: str | None = None,
        retry_after: int | None = None,
        *,
        target: str | None = None,
    ) -> Fault:
        """The next ``times`` matching requests get ``status``/``error_code`` instead."""
        text = message or f"Injected fault: {error_code} on {route.name}."
        failure = Failure(status, error_code, text, retry_after)
        return self._add(Fault(FaultKind.FAIL, route, target, times, failure=failure))

    def add_latency(
        self, route: Route, seconds: float, times: int | None = None, *, target: str | None = None
    ) -> Fault:
        """Delay matching requests by ``seconds`` (every one until reset if ``times`` is None)."""
        return self._add(Fault(FaultKind.LATENCY, route, target, times, seconds=seconds))

    def hang(
        self, route: Route, seconds: float, times: int = 1, *, target: str | None = None
    ) -> Fault:
        """Answer the next ``times`` matching requests only after ``seconds``."""
        return self._add(Fault(FaultKind.HANG, route, target, times, seconds=seconds))

    def hold(self, route: Route, times: int | None = None, *, target: str | None = None) -> Gate:
        """Hold matching requests (every one until reset if ``times`` is None) until the gate
        opens: requests that overlap for certain, however fast or slow the machine is."""
        gate = Gate()
        self._add(Fault(FaultKind.HOLD, route, target, times, gate=gate))
        return gate

    def drop_connection(self, route: Route, times: int = 1, *, target: str | None = None) -> Fault:
        """Close the socket of the next ``times`` matching requests without any response."""
        return self._add(Fault(FaultKind.DROP, route, target, times))

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()

    @property
    def pending(self) -> list[Fault]:
        """Faults not yet consumed (a test can assert its faults were all used)."""
        with self._lock:
            return [f for f in self._faults if not f.exhausted]

    def take(self, match: RouteMatch) -> FaultPlan:
        """Consume the faults that apply to one request and return the plan."""
        delay = 0.0
        gates: list[Gate] = []
        terminal: Fault | None = None
        with self._lock:
            for fault in self._faults:
                if fault.exhausted or not fault.matches(match):
                    continue
                if fault.kind in (FaultKind.LATENCY, FaultKind.HANG):
                    delay += fault.seconds
                elif fault.kind is FaultKind.HOLD and fault.gate is not None:
                    gates.append(fault.gate)
                elif terminal is None:
                    terminal = fault
                else:
                    continue
                if fault.remaining is not None:
                    fault.remaining -= 1
            self._faults = [f for f in self._faults if not f.exhausted]
        if terminal is None:
            return FaultPlan(delay=delay, gates=tuple(gates))
        if terminal.kind is FaultKind.DROP:
            return FaultPlan(delay=delay, drop=True, gates=tuple(gates))
        return FaultPlan(delay=delay, failure=terminal.failure, gates=tuple(gates))
