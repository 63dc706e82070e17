"""How many xdist workers a cell starts: one per core alone, none beside another session."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

from tools.suite import default_workers, mark_running, sessions_running


def session_in(envdir: Path, name: str) -> Any:
    """What the markers need of a nox session: where its virtualenv is."""
    return cast(Any, SimpleNamespace(virtualenv=SimpleNamespace(location=str(envdir / name))))


@pytest.fixture
def other_session() -> Iterator[subprocess.Popen[bytes]]:
    """Another live process: a session that nox runs beside ours (it waits until killed, so
    it outlives the test however slow the machine is)."""
    forever = "import threading; threading.Event().wait()"
    process = subprocess.Popen([sys.executable, "-c", forever])
    yield process
    process.kill()
    process.wait()


def mark(envdir: Path, pid: int) -> Path:
    marker = envdir / ".sessions-running" / str(pid)
    marker.parent.mkdir(exist_ok=True)
    marker.touch()
    return marker


def test_a_cell_alone_uses_a_worker_per_core(tmp_path: Path) -> None:
    cell = session_in(tmp_path, "integration-sqlite-3-11")
    mark_running(cell)
    mark_running(cell)  # `nox -j 1` runs every session in one process: still one

    assert sessions_running(cell) == 1
    assert default_workers({}, sessions_running(cell)) == "auto"


def test_a_cell_beside_another_session_runs_serially(
    tmp_path: Path, other_session: subprocess.Popen[bytes]
) -> None:
    mark(tmp_path, other_session.pid)
    cell = session_in(tmp_path, "integration-postgres-3-12")
    mark_running(cell)

    assert sessions_running(cell) == 2
    assert default_workers({}, sessions_running(cell)) is None


def test_a_session_that_has_ended_does_not_count_and_its_marker_goes(tmp_path: Path) -> None:
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    stale = mark(tmp_path, ended.pid)
    cell = session_in(tmp_path, "integration-sqlite-3-13")
    mark_running(cell)

    assert sessions_running(cell) == 1
    assert default_workers({}, 1) == "auto"
    assert not stale.exists()


def test_a_shared_database_always_runs_serially() -> None:
    assert default_workers({"TEST_MODE": "live"}, 1) is None
