"""A unit test starts no server: no fixture is autouse, so the fake workspace, the Lakebase
stand-in and the run's database are set up only for tests that ask for them.

What `pytest --setup-plan tests/unit` shows, read from each unit test's fixture closure (the
fixtures pytest will set up for it, dependencies included). The closure is fixed at collection,
whatever `--db` says (a fixture that does not apply yields None, it is still set up), so one
reading holds for SQLite and offline Lakebase alike. In a run that collected all of tests/unit
the closures are read in this process, at no cost; run on its own, the test plans tests/unit
in a subprocess.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

UNIT = Path(__file__).resolve().parent
ROOT = UNIT.parents[1]
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


def _planned_in_a_subprocess() -> dict[str, set[str]]:
    options = ["-q", "-p", "no:randomly", "-p", "no:cacheprovider", "-p", "no:xdist"]
    plan = subprocess.run(
        [sys.executable, "-m", "pytest", "--setup-plan", str(UNIT), "--db=sqlite", *options],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert plan.returncode == 0, plan.stdout + plan.stderr
    return {"tests/unit": set(re.findall(r"SETUP    [SF] (\w+)", plan.stdout))}


def test_the_unit_tests_set_up_no_server(request: pytest.FixtureRequest) -> None:
    unit_items = [
        item
        for item in request.session.items
        if isinstance(item, pytest.Function) and UNIT in item.path.parents
    ]
    modules = {item.path for item in unit_items}
    if modules >= set(UNIT.glob("test_*.py")):
        planned = {item.nodeid: set(item.fixturenames) for item in unit_items}
    else:  # run on its own or with a part of tests/unit
        planned = _planned_in_a_subprocess()

    assert all(planned.values())  # the plan was read
    assert {
        name: fixtures & SERVERS for name, fixtures in planned.items() if fixtures & SERVERS
    } == {}
