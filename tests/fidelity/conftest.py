"""The tally `nox -s fidelity` prints (which route x case was judged by what), a client of the
suite's fake (reset before each test, tests/harness/workspace.py), and the fake served alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from fake_workspace import FakeWorkspace, Route


@dataclass(eq=False)  # a plugin: pluggy keeps it in a set, by identity
class Tally:
    """What passed, by judge (route x case), and every check that failed: a difference.

    A plugin of its own, one per run (registered by `pytest_configure`), so the counts live on
    pytest's config rather than in this module; tests reach it through the `tally` fixture."""

    target: str | None
    sdk: set[str] = field(default_factory=set)
    recordings: set[str] = field(default_factory=set)
    failed: set[str] = field(default_factory=set)

    def recording(self, route: Route, case: str) -> None:
        """An answer of `route` judged against its recording, in the case `case`."""
        self.recordings.add(f"{route.name}:{case}")

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.failed:
            self.failed.add(report.nodeid)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.failed.add(report.nodeid)

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if not self.target:
            return
        counts = {"sdk": self.sdk, "recordings": self.recordings, "failed": self.failed}
        tally = {name: sorted(values) for name, values in counts.items()}
        Path(self.target).parent.mkdir(parents=True, exist_ok=True)
        Path(self.target).write_text(json.dumps({**tally, "exitstatus": int(session.exitstatus)}))


_TALLY = pytest.StashKey[Tally]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--fidelity-tally",
        default=None,
        help="write the distinct route x case counts of the fidelity checks to this JSON file",
    )


def pytest_configure(config: pytest.Config) -> None:
    tally = Tally(config.getoption("--fidelity-tally"))
    config.stash[_TALLY] = tally
    config.pluginmanager.register(tally, "fidelity-tally")


@pytest.fixture
def tally(pytestconfig: pytest.Config) -> Tally:
    """The run's tally, for a test to say which route x case it judged."""
    return pytestconfig.stash[_TALLY]


@pytest.fixture
def http(fake: FakeWorkspace) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fake.base_url, timeout=30) as client:
        yield client


@pytest.fixture(scope="session")
def served_alone() -> Iterator[str]:
    """`python -m fake_workspace --port 0` in a subprocess; its URL, from its first line."""
    env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
    process = subprocess.Popen(
        [sys.executable, "-m", "fake_workspace", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()  # blocks until the server listens and says where
        assert first.startswith("fake Databricks workspace at "), first
        yield first.rsplit(" ", 1)[1].strip()
    finally:
        process.terminate()
        process.wait(timeout=30)
        if process.stdout is not None:
            process.stdout.close()
