"""Fixtures for testing the automation: the real session list, and sandboxes (sandbox.py)."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from .sandbox import ROOT, Sandbox, make_sandbox, run

HERE = Path(__file__).resolve().parent

# `nox -s automation` installs these; a bare `pytest` in the suite's environment may not have them.
MISSING_TOOLS = [name for name in ("nox", "yaml") if importlib.util.find_spec(name) is None]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not MISSING_TOOLS:
        return
    skip = pytest.mark.skip(reason=f"needs {', '.join(MISSING_TOOLS)}: run `nox -s automation`")
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def nox_sessions() -> list[dict[str, Any]]:
    """`nox --list --json` of the real noxfile: every session, not only the default ones."""
    every = "not __no_such_session__"  # a keyword filter lists past nox.options.sessions
    result = run([sys.executable, "-m", "nox", "--list", "--json", "-k", every], cwd=ROOT)
    assert result.returncode == 0, result.stdout
    # nox prints the JSON on stdout; anything else (warnings) would be on its own lines.
    line = next(line for line in result.stdout.splitlines() if line.startswith("["))
    sessions: list[dict[str, Any]] = json.loads(line)
    return sessions


@pytest.fixture(scope="session")
def nox_envdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("nox-envs")


@pytest.fixture
def sandbox(tmp_path: Path, nox_envdir: Path) -> Sandbox:
    return make_sandbox(tmp_path, nox_envdir)
