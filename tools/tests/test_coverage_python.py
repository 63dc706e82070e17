"""Which cells measure coverage: those of COVERAGE_PYTHON, every backend; the other Pythons'
cells run the same tests bare and leave no data file for the gate to combine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tools import suite
from tools.matrix import COVERAGE_PYTHON, PYTHONS


class RecordingSession:
    """Stands in for nox's Session (no boundary to cross here): records each command."""

    def __init__(self, python: str, tmp: Path) -> None:
        self.python = python
        self.name = f"integration-postgres-{python}"
        self._tmp = tmp
        self.commands: list[tuple[str, ...]] = []

    def create_tmp(self) -> str:
        return str(self._tmp)

    def run(self, *command: str, **_: Any) -> None:
        self.commands.append(command)

    def log(self, _: str) -> None:
        pass

    def error(self, message: str) -> None:
        raise AssertionError(message)


@pytest.fixture
def coverage_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    target = tmp_path / "coverage"
    target.mkdir()
    monkeypatch.setattr(suite, "COVERAGE_DIR", target)
    return target


def test_a_cell_of_another_python_runs_bare_and_drops_its_old_data(
    tmp_path: Path, coverage_dir: Path
) -> None:
    other = next(python for python in PYTHONS if python != COVERAGE_PYTHON)
    session = RecordingSession(other, tmp_path)
    stale = coverage_dir / f".coverage.{session.name}"
    stale.write_text("an earlier run's data")
    suite.run_suite(session, "postgres", {})  # type: ignore[arg-type]
    assert [command[0] for command in session.commands] == ["pytest"]
    assert "--cov" not in session.commands[0]
    assert not stale.exists()


def test_a_cell_of_the_coverage_python_measures_branches(
    tmp_path: Path, coverage_dir: Path
) -> None:
    session = RecordingSession(COVERAGE_PYTHON, tmp_path)
    suite.run_suite(session, "postgres", {})  # type: ignore[arg-type]
    (pytest_run,) = [command for command in session.commands if command[0] == "pytest"]
    assert "--cov" in pytest_run
