"""A unit test starts no server: no fixture is autouse, so the fake workspace, the Lakebase
stand-in and the run's database are set up only for tests that ask for them.

Read from `pytest --setup-plan` (which plans every fixture without running a test) over
tests/unit, on SQLite and on offline Lakebase, where the reach used to be widest.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.harness.lakebase_standin import StandInUnavailable, find_bindir

ROOT = Path(__file__).resolve().parents[2]
# Every fixture that starts a server, creates a database or reaches one.
SERVERS = {
    "fake_server",
    "workspace",
    "fake",
    "lakebase_standin",
    "lakebase_passwords",
    "provisioned_database_url",
    "live_own_database",
    "run_database",
    "database",
    "client",
    "client_factory",
}


def _standin_missing() -> bool:
    try:
        find_bindir()
    except StandInUnavailable:
        return True
    return False


@pytest.mark.parametrize(
    "db",
    [
        "sqlite",
        pytest.param(
            "lakebase",
            marks=pytest.mark.skipif(_standin_missing(), reason="no PostgreSQL binaries"),
        ),
    ],
)
def test_the_unit_tests_set_up_no_server(db: str) -> None:
    options = ["-q", "-p", "no:randomly", "-p", "no:cacheprovider", "-p", "no:xdist"]
    plan = subprocess.run(
        [sys.executable, "-m", "pytest", "--setup-plan", "tests/unit", f"--db={db}", *options],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )

    assert plan.returncode == 0, plan.stdout + plan.stderr
    planned = set(re.findall(r"SETUP    [SF] (\w+)", plan.stdout))
    assert planned, plan.stdout  # the plan was read
    assert planned & SERVERS == set()
