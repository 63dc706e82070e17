"""How many xdist workers a cell starts: a fixed rule from nox's command line, not timing.

A worker per core when the run has the machine to itself; serial when other sessions run
beside the cell (plain `nox` runs two at once); serial on a shared database, always.
"""

from __future__ import annotations

import pytest

from suite_environment import SUITE_WORKERS
from tools.suite import choose_workers, default_workers

UMBRELLAS = ["integration-sqlite", "integration-lakebase", "integration-lakebase-3.11"]
JOBS = 2  # noxfile.py's nox.options.parallel


def workers_for(monkeypatch: pytest.MonkeyPatch, *argv: str) -> str | None:
    monkeypatch.setenv(SUITE_WORKERS, "")  # restored afterwards, whatever choose_workers sets
    monkeypatch.delenv("TEST_DATABASE_URL", raising=False)
    choose_workers(argv, JOBS, UMBRELLAS)
    return default_workers({})


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param(("-s", "integration-sqlite-3.11"), id="one cell"),
        pytest.param(("--session", "integration-postgres-3.12", "--", "-k", "x"), id="posargs"),
        pytest.param(("-e", "lowest"), id="lowest"),
        pytest.param(("-j", "1"), id="plain nox, one at a time"),
        pytest.param(("-t", "lakebase", "--parallel", "1"), id="tag, one at a time"),
    ],
)
def test_a_cell_that_runs_alone_uses_a_worker_per_core(
    monkeypatch: pytest.MonkeyPatch, argv: tuple[str, ...]
) -> None:
    assert workers_for(monkeypatch, *argv) == "auto"


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param((), id="plain nox"),
        pytest.param(("-s", "lint", "integration-sqlite-3.11"), id="two sessions"),
        pytest.param(("-s", "integration-sqlite"), id="every Python's cell"),
        pytest.param(("-s", "integration-lakebase-3.11"), id="both flavours"),
        pytest.param(("-t", "lakebase"), id="a tag"),
        pytest.param(("-k", "sqlite"), id="a keyword"),
    ],
)
def test_a_cell_beside_other_sessions_runs_serially(
    monkeypatch: pytest.MonkeyPatch, argv: tuple[str, ...]
) -> None:
    assert workers_for(monkeypatch, *argv) is None


def test_a_session_nox_runs_in_a_process_of_its_own_keeps_its_parents_choice(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """nox's parallel scheduler starts each session as `nox -s <it> --parallel 1
    --parallel-worker`: that alone must not make the cell think it runs alone."""
    assert workers_for(monkeypatch) is None  # the parent: plain `nox`
    child = ("-s", "integration-sqlite-3.11", "--parallel", "1", "--parallel-worker")
    choose_workers(child, JOBS, UMBRELLAS)
    assert default_workers({}) is None


def test_the_same_command_always_gets_the_same_answer(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = {workers_for(monkeypatch, "-s", "integration-sqlite-3.11") for _ in range(3)}
    assert answers == {"auto"}


def test_a_shared_database_always_runs_serially(monkeypatch: pytest.MonkeyPatch) -> None:
    assert workers_for(monkeypatch, "-s", "integration-sqlite-3.11") == "auto"
    assert default_workers({"TEST_MODE": "live"}) is None
    monkeypatch.setenv("TEST_DATABASE_URL", "sqlite+aiosqlite:///shared.db")
    assert default_workers({}) is None
