"""The app (and the bare ceiling app) served by uvicorn in a process of its own, as in
production: one worker, loopback only, its resident memory read from outside (psutil)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil

from tests.harness.ports import free_loopback_port

START_TIMEOUT_SECONDS = 180.0  # a busy shared machine: start-up includes the migrations
# Variables of the developer's shell the app would read (storage above all): never passed on.
_APP_VARIABLES = ("DATABASE_URL", "PG", "LAKEBASE_", "DATABRICKS_", "DB_", "DEFAULT_")


@dataclass(frozen=True)
class Served:
    url: str
    pid: int
    log: Path

    def rss(self) -> int:
        """Resident memory of the serving process, in bytes."""
        return int(psutil.Process(self.pid).memory_info().rss)


def clean_environment(extra: Mapping[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(_APP_VARIABLES)}
    return {**env, **extra}


@contextmanager
def uvicorn_process(
    target: str, env: Mapping[str, str], log: Path, *, cwd: Path | None = None
) -> Iterator[Served]:
    """`uvicorn TARGET` on a free loopback port; yields once /health answers 200. `cwd`: where
    it runs, whose packages it imports first (another version of the app's, say)."""
    port = free_loopback_port()
    command = [
        sys.executable, "-m", "uvicorn", target, "--host", "127.0.0.1", "--port", str(port),
        "--no-access-log", "--log-level", "warning", "--timeout-graceful-shutdown", "10",
    ]  # fmt: skip
    with log.open("ab") as sink:
        process = subprocess.Popen(
            command, env=clean_environment(env), stdout=sink, stderr=subprocess.STDOUT, cwd=cwd
        )
    try:
        url = f"http://127.0.0.1:{port}"
        _wait_healthy(process, url, log)
        yield Served(url, process.pid, log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _wait_healthy(process: subprocess.Popen[bytes], url: str, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url} exited ({process.returncode}) at start: see {log}")
        try:
            if httpx.get(f"{url}/health", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)  # polling a starting server: nothing to wait on instead
    raise RuntimeError(f"{url} did not answer /health within {START_TIMEOUT_SECONDS:.0f} s")
