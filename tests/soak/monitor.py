"""The app's open database connections, sampled from `pg_stat_activity` during the run.

A thread of the orchestrator asks the server every SAMPLE_SECONDS how many client backends are
connected to the app's database, leaving out the harness's own (monitor, faults), which name
themselves with `application_name`."""

from __future__ import annotations

import threading
import time

import psycopg

from tests.harness.backends import libpq_url
from tests.soak.backend import HARNESS_APPLICATION

SAMPLE_SECONDS = 0.5
COUNT = (
    "SELECT count(*) FROM pg_stat_activity WHERE datname = %s "
    "AND backend_type = 'client backend' AND application_name IS DISTINCT FROM %s"
)


class ConnectionMonitor:
    def __init__(self, harness_url: str, database: str, origin: float) -> None:
        self._url = libpq_url(harness_url)
        self._database = database
        self._origin = origin  # samples are timed from here (the soak's start)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="soak-monitor", daemon=True)
        self.samples: list[tuple[float, int]] = []
        self.errors = 0

    def __enter__(self) -> ConnectionMonitor:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=30)

    def _run(self) -> None:
        conn: psycopg.Connection | None = None
        while not self._stop.is_set():
            try:
                if conn is None or conn.closed:
                    conn = psycopg.connect(self._url, autocommit=True, connect_timeout=5)
                row = conn.execute(COUNT, (self._database, HARNESS_APPLICATION)).fetchone()
                self.samples.append((time.time() - self._origin, int(row[0]) if row else 0))
            except psycopg.Error:
                self.errors += 1  # our own connection was killed by a fault: reconnect
                conn = None
            self._stop.wait(SAMPLE_SECONDS)
        if conn is not None:
            conn.close()
