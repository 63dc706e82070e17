"""The tally `nox -s fidelity` prints (which route x case was judged by what), a client of the
suite's fake (reset before each test, tests/harness/workspace.py), and the fake served alone."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from fake_workspace import FakeWorkspace

TALLY: dict[str, set[str]] = {"sdk": set(), "recordings": set(), "failed": set()}
"""What passed, by judge (route x case), and every check that failed: a difference."""


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--fidelity-tally",
        default=None,
        help="write the distinct route x case counts of the fidelity checks to this JSON file",
    )


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.failed:
        TALLY["failed"].add(report.nodeid)


def pytest_collectreport(report: pytest.CollectReport) -> None:
    if report.failed:
        TALLY["failed"].add(report.nodeid)


def pytest_sessionfinish(session: pytest.Session) -> None:
    target = session.config.getoption("--fidelity-tally")
    if target:
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        tally = {k: sorted(v) for k, v in TALLY.items()}
        Path(target).write_text(json.dumps({**tally, "exitstatus": int(session.exitstatus)}))


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
