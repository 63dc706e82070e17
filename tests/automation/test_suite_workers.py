"""How many xdist workers a cell starts: one per core alone, none beside another suite."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

from tools.suite import default_workers, running_suite


def session_in(envdir: Path, name: str) -> Any:
    """What `running_suite` reads of a nox session: where its virtualenv is."""
    return cast(Any, SimpleNamespace(virtualenv=SimpleNamespace(location=str(envdir / name))))


def test_a_cell_alone_uses_a_worker_per_core(tmp_path: Path) -> None:
    with running_suite(session_in(tmp_path, "integration-sqlite-3-11")) as running:
        assert running == 1
        assert default_workers({}, running) == "auto"
    assert list((tmp_path / ".suites-running").iterdir()) == [], "the marker is removed"


def test_a_cell_beside_a_running_suite_runs_serially(tmp_path: Path) -> None:
    # Another session's suite: a live process that registered itself.
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        markers = tmp_path / ".suites-running"
        markers.mkdir()
        (markers / str(other.pid)).touch()

        with running_suite(session_in(tmp_path, "integration-postgres-3-12")) as running:
            assert running == 2
            assert default_workers({}, running) is None
    finally:
        other.kill()
        other.wait()


def test_a_suite_that_died_without_cleaning_up_does_not_count(tmp_path: Path) -> None:
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    markers = tmp_path / ".suites-running"
    markers.mkdir()
    (markers / str(finished.pid)).touch()

    with running_suite(session_in(tmp_path, "integration-sqlite-3-13")) as running:
        assert running == 1
        assert default_workers({}, running) == "auto"


def test_a_shared_database_always_runs_serially(tmp_path: Path) -> None:
    with running_suite(session_in(tmp_path, "integration-lakebase-3-11")) as running:
        assert default_workers({"TEST_MODE": "live"}, running) is None
