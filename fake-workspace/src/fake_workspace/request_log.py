"""A log of every request the fake received, for assertions on what a client sent."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from fake_workspace.routes import Route


@dataclass
class RecordedRequest:
    """One request as received; ``status`` and ``fault`` are filled once it is answered."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    json: Any
    timestamp: float
    route: Route | None
    path_params: dict[str, str] = field(default_factory=dict)
    principal: str | None = None
    status: int | None = None
    fault: str | None = None
    response_body: bytes = b""
    # When the answer was ready (before it was sent): with ``timestamp`` it spans the time the
    # request was in flight at the fake, so tests can see how many were outstanding at once.
    answered_at: float | None = None
    error: str | None = None
    """An exception raised inside the fake while answering (the answer was a 500)."""

    @property
    def response_json(self) -> Any:
        """The JSON the fake answered (``None`` if not answered or not JSON)."""
        try:
            return json.loads(self.response_body) if self.response_body else None
        except ValueError:
            return None

    @property
    def target(self) -> str | None:
        """The first path parameter (endpoint name, table full name, statement id...)."""
        return next(iter(self.path_params.values()), None)

    @property
    def authorization(self) -> str | None:
        return self.headers.get("authorization")

    @property
    def bearer_token(self) -> str | None:
        """The token of an ``Authorization: Bearer`` header, else ``None``."""
        value = self.authorization or ""
        scheme, _, token = value.partition(" ")
        return token.strip() if scheme.lower() == "bearer" and token.strip() else None

    @property
    def basic_auth(self) -> tuple[str, str] | None:
        """``(user, password)`` of an ``Authorization: Basic`` header, else ``None``."""
        value = self.authorization or ""
        scheme, _, encoded = value.partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            user, _, password = base64.b64decode(encoded).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
        return user, password


def peak_in_flight(records: list[RecordedRequest]) -> int:
    """The most requests the fake was working on at one instant (unanswered ones count to the end).

    A request that arrived exactly when another was answered does not overlap it: a client that
    waits for one answer before sending the next never shows more than one.
    """
    # At equal instants an answer (-1) sorts before an arrival (+1).
    events = sorted(
        [(r.timestamp, 1) for r in records]
        + [(r.answered_at, -1) for r in records if r.answered_at is not None]
    )
    peak = current = 0
    for _, step in events:
        current += step
        peak = max(peak, current)
    return peak


class RequestLog:
    """Thread-safe append-only log (the server appends, tests read snapshots)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[RecordedRequest] = []

    def append(self, item: RecordedRequest) -> None:
        with self._lock:
            self._items.append(item)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

    def snapshot(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._items)

    def __iter__(self) -> Iterator[RecordedRequest]:
        return iter(self.snapshot())

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def __getitem__(self, index: int) -> RecordedRequest:
        with self._lock:
            return self._items[index]

    def for_route(self, route: Route, target: str | None = None) -> list[RecordedRequest]:
        return [
            r
            for r in self.snapshot()
            if r.route is route and (target is None or r.target == target)
        ]

    def unmatched(self) -> list[RecordedRequest]:
        return [r for r in self.snapshot() if r.route is None]
