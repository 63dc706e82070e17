"""The suite's two parts (tools/suite_part.py): the tests whose answer may depend on the
backend run in every cell, the others only in the SQLite cells (once per Python). Together
they are the whole suite, and no test that uses the database lands in the second part."""

from __future__ import annotations

import re
import sys
from functools import cache

import pytest

from tools.matrix import BACKEND_INDEPENDENT
from tools.suite import suite_parts

from .sandbox import ROOT, clean_env, run

SKIPPED_ON_SQLITE = "postgres_only or lakebase_only or postgres_server"


@cache
def collected(*args: str) -> frozenset[str]:
    """The node ids pytest collects and keeps with `args` (nothing set up, nothing run)."""
    command = [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:randomly", *args]
    result = run(command, cwd=ROOT, env=clean_env())
    assert result.returncode == 0, result.stdout
    return frozenset(re.findall(r"^(tests/\S+::\S+)$", result.stdout, re.M))


def part(db: str, context: str) -> frozenset[str]:
    (args,) = [args for name, args in suite_parts(db) if name == context]
    return collected(*args)


def test_every_backend_independent_path_exists() -> None:
    missing = [path for path in BACKEND_INDEPENDENT if not (ROOT / path).exists()]
    assert not missing, f"tools/matrix.py BACKEND_INDEPENDENT names no such path: {missing}"


def test_the_sqlite_cells_run_the_whole_suite_once() -> None:
    backend, independent = part("sqlite", "sqlite"), part("sqlite", "any")
    assert len(independent) > 100  # the unit, contract and verdict tests
    assert not backend & independent
    assert backend | independent == collected("tests")


@pytest.mark.parametrize("db", ["postgres", "lakebase-autoscaling", "lakebase-provisioned"])
def test_other_backends_run_only_what_may_depend_on_them(db: str) -> None:
    assert [name for name, _ in suite_parts(db)] == [db]
    assert part(db, db) == part("sqlite", "sqlite")


def test_a_test_there_that_needs_another_database_runs_on_every_backend() -> None:
    """A test among the backend-independent paths that only PostgreSQL or Lakebase runs (today
    one in tests/contract, which also asks for the chosen backend) stays in every cell's part:
    in the SQLite cells alone it would never run."""
    marked = collected(*BACKEND_INDEPENDENT, "-m", SKIPPED_ON_SQLITE)
    assert marked <= part("postgres", "postgres")
    assert not marked & part("sqlite", "any")
    assert not any(test.startswith("tests/integration/") for test in part("sqlite", "any"))
