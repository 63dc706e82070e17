"""Listeners of one kind of event, registered by whoever stands in for what the fake only
describes (a database server following credentials and branches); shared by the Lakebase
credential and branch state, which both tell them of every change before answering."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

Event = TypeVar("Event")


class Listeners(Generic[Event]):
    """Register with :meth:`add` (returns the function that unregisters); :meth:`notify` calls
    every listener with every event, outside the lock, since a listener may take a while (it
    talks to a database)."""

    def __init__(self, lock: threading.RLock) -> None:
        self._lock = lock
        self._listeners: list[Callable[[Event], None]] = []

    def add(self, listener: Callable[[Event], None]) -> Callable[[], None]:
        with self._lock:
            self._listeners.append(listener)

        def remove() -> None:
            with self._lock:
                self._listeners.remove(listener)

        return remove

    def notify(self, events: Iterable[Event]) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for event in events:
            for listener in listeners:
                listener(event)
