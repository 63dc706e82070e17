"""`nox -s dev`'s entry point: started as a user would, used through its proxy, stopped with
Ctrl-C, and nothing is left behind.

It runs as a subprocess in its own process group, so the Ctrl-C reaches every process it may
have started, and the group being empty afterwards proves none survived.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from fake_workspace.reference import BOB, ORDERS

ROOT = Path(__file__).resolve().parents[2]
# Generous bounds for a saturated machine: they only stop a broken run from hanging forever.
START_SECONDS = 180.0
STOP_SECONDS = 60.0
URL_LINE = re.compile(r"^\s*(proxy|app|fake)\s+(http://127\.0\.0\.1:\d+)\s")


class DevServer:
    """The running entry point: its output lines as they come, and the URLs it printed."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.output: list[str] = []
        self.urls: dict[str, str] = {}
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def close(self) -> None:
        """After the process ended: the reader reaches end of output, then the pipe closes."""
        self._reader.join(timeout=STOP_SECONDS)
        assert self.process.stdout is not None
        self.process.stdout.close()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line)
        self.lines.put(None)

    def wait_for_line(self, text: str) -> None:
        """Read output until a line containing `text` (the entry point prints it when ready)."""
        while True:
            try:
                line = self.lines.get(timeout=START_SECONDS)
            except queue.Empty:
                pytest.fail(f"no {text!r} within {START_SECONDS} s:\n{''.join(self.output)}")
            if line is None:
                pytest.fail(f"exited before {text!r}:\n{''.join(self.output)}")
            self.output.append(line)
            if found := URL_LINE.match(line):
                self.urls[found[1]] = found[2]
            if text in line:
                return


@pytest.fixture
def dev_server(tmp_path: Path) -> Iterator[DevServer]:
    env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost", "PYTHONUNBUFFERED": "1"}
    for name in ("DATABASE_URL", "TEST_DATABASE_URL", "PGHOST", "LAKEBASE_INSTANCE_NAME"):
        env.pop(name, None)
    command = [sys.executable, "-m", "tools.devserver", "--port", "0", "--user", "bob"]
    process = subprocess.Popen(
        [*command, "--database", str(tmp_path / "app.db")],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's Ctrl-C addresses
    )
    server = DevServer(process)
    try:
        yield server
    finally:
        if process.poll() is None:  # the test failed before stopping it
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        server.close()


def wait_until_answering(url: str) -> httpx.Response:
    """Poll `url` until it answers at all (for at most START_SECONDS); that answer."""
    deadline = time.monotonic() + START_SECONDS
    while True:
        try:
            return httpx.get(url, timeout=START_SECONDS)
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)  # the poll interval, not a guess at readiness


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def refuses(url: str) -> bool:
    try:
        httpx.get(url, timeout=STOP_SECONDS)
    except httpx.ConnectError:
        return True
    return False


def test_dev_server_serves_the_chosen_user_and_stops_on_ctrl_c(
    dev_server: DevServer, tmp_path: Path
) -> None:
    dev_server.wait_for_line("Ctrl-C stops everything.")
    proxy = dev_server.urls["proxy"]
    assert set(dev_server.urls) == {"proxy", "app", "fake"}
    assert wait_until_answering(f"{proxy}/health").status_code == 200

    with httpx.Client(base_url=proxy, timeout=START_SECONDS) as client:
        me = client.get("/api/user/me")
        rows = client.get(
            "/api/unity-catalog/query",
            params={"catalog": "main", "schema": "sales", "table": ORDERS.name, "limit": 3},
        )
        # Without the proxy the app sees no identity: the proxy is what signs bob in.
        direct = httpx.get(f"{dev_server.urls['app']}/api/user/me", timeout=START_SECONDS)

    assert me.status_code == 200, me.text
    assert me.json()["user_name"] == BOB.user_name
    assert rows.status_code == 200, rows.text
    assert [r["order_id"] for r in rows.json()["rows"]] == [1, 2, 3]
    assert direct.status_code == 401
    # closing(): sqlite3's own `with` ends the transaction but leaves the connection open.
    with contextlib.closing(sqlite3.connect(tmp_path / "app.db")) as db:  # migrated
        assert db.execute("SELECT version_num FROM alembic_version").fetchall()

    pgid = dev_server.process.pid
    os.killpg(pgid, signal.SIGINT)  # what Ctrl-C in its terminal sends
    assert dev_server.process.wait(timeout=STOP_SECONDS) == 0
    dev_server.wait_for_line("stopped: proxy, app and fake workspace")
    assert not group_alive(pgid)
    assert all(refuses(url) for url in dev_server.urls.values())
