"""The one way every session runs the integration suite, and how each session starts."""

from __future__ import annotations

import os
import shutil
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

import nox
import nox.command

from suite_environment import DEFAULT_POSTGRES_URL, SUITE_WORKERS
from tools.matrix import (
    ANY_BACKEND,
    BACKEND_INDEPENDENT,
    COVERAGE_PYTHON,
    INDEPENDENT_TESTS_BACKEND,
    suite_args,
)

ROOT = Path(__file__).resolve().parents[1]
# The one reports folder: coverage's data and reports, and what the flake hunter, mutation
# testing and the rehearsals conclude.
COVERAGE_DIR = ROOT / "coverage"

# strict config/markers and -ra come from pyproject.toml
PYTEST_ARGS = ("--durations=10",)
# Installed packages are compiled once, at install; the suite's processes may then write the
# bytecode of our own modules and pytest's rewritten tests (the machines this runs on set
# PYTHONDONTWRITEBYTECODE, so every process - and every xdist worker - would otherwise compile
# everything it imports from source, every run).
COMPILE_AT_INSTALL = {"UV_COMPILE_BYTECODE": "1"}
WRITE_BYTECODE = {"PYTHONDONTWRITEBYTECODE": ""}


def start_session(session: nox.Session) -> None:
    """Every session's first step: record what it runs on, so every log says it."""
    session.run(
        "python",
        "-c",
        "import platform, sys; print(sys.version); print(platform.platform())",
        silent=False,
    )
    session.run("uv", "--version")


# The fake workspace, a distribution of its own that the suite, `nox -s dev` and the fuzzer import.
FAKE_WORKSPACE = "fake-workspace"


def install(session: nox.Session, name: str, *, project: bool = False) -> None:
    """Install requirements/<name>.txt (hash-checked); with `project`, the app and the fake
    workspace too, editable and without deps (hash-checking refuses local directories), then
    check that the pinned file satisfies both (`uv pip check`), so neither's dependencies drift
    out of the lock unnoticed."""
    session.install("--require-hashes", "-r", f"requirements/{name}.txt", env=COMPILE_AT_INSTALL)
    if project:
        session.install("--no-deps", "-e", ".", "-e", FAKE_WORKSPACE)
        session.run("uv", "pip", "check", silent=True)


def backend_env(db: str) -> dict[str, str]:
    """What the suite needs to find its backend (the PostgreSQL server for per-run databases),
    and leave to write bytecode."""
    if db == "postgres":
        url = os.environ.get("TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
        return {**WRITE_BYTECODE, "TEST_POSTGRES_URL": url}
    return {**WRITE_BYTECODE}


def pytest_command(
    db: str, *extra: str, paths: Sequence[str] = ("tests",), workers: str | None = None
) -> list[str]:
    """`pytest tests/` (or `paths`) on one backend of the matrix; `workers` is xdist's -n
    (None: serial)."""
    parallel = ("-n", workers) if workers is not None else ()
    return [
        "pytest",
        *paths,
        *suite_args(db),
        *PYTEST_ARGS,
        *parallel,
        *extra,
    ]


def runs_alone(config: Any, jobs: int, umbrellas: Collection[str]) -> bool:
    """Whether a nox run runs one session at a time: `-j 1` (or a `parallel` of 1), or `-s`
    naming one session that pulls in no others (not an umbrella such as
    `integration-sqlite`), without `-t` or `-k`. `config` is nox's own reading of the
    command line, so the same command always gets the same answer."""
    if (config.parallel or jobs) <= 1:
        return True
    selected = config.sessions or []
    return (
        len(selected) == 1
        and selected[0] not in umbrellas
        and not config.tags
        and not config.keywords
    )


def choose_workers(argv: Sequence[str], jobs: int, umbrellas: Collection[str]) -> None:
    """Set SUITE_WORKERS for the cells of the nox run started with `argv`: `auto` (a worker
    per core) when the run has the machine to itself, `0` (serial) when other sessions run
    beside its cells - plain `nox` runs two at once, and extra interpreters then only cost: a
    coverage cell takes about a fifth less CPU serially (bench/results.md). A session that
    nox's parallel scheduler runs in a process of its own keeps what its parent decided."""
    from nox._options import options  # nox's own parser: what nox makes of the arguments

    config = options.parse_args(list(argv))
    if not config.parallel_worker:
        os.environ[SUITE_WORKERS] = "auto" if runs_alone(config, jobs, umbrellas) else "0"


def default_workers(env: Mapping[str, str]) -> str | None:
    """xdist's -n for a cell (None: serial), as choose_workers decided for this nox run. A live
    or given database is shared, so it always runs serially (workers would clean each other's
    rows)."""
    if env.get("TEST_MODE") == "live" or os.environ.get("TEST_DATABASE_URL"):
        return None
    workers = os.environ.get(SUITE_WORKERS, "0")
    return None if workers in {"", "0"} else workers


def suite_parts(db: str) -> list[tuple[str, tuple[str, ...]]]:
    """The pytest runs of a cell, as (coverage context's backend, what to collect and keep): the
    tests whose answer may depend on the backend, and in the SQLite cells the others too, once
    per Python (tools/suite_part.py tells them apart)."""
    plugin = ("-p", "tools.suite_part")
    parts = [(db, ("tests", *plugin, "--suite-part=backend"))]
    if db == INDEPENDENT_TESTS_BACKEND:
        parts.append((ANY_BACKEND, (*BACKEND_INDEPENDENT, *plugin, "--suite-part=any")))
    return parts


def run_suite(
    session: nox.Session, db: str, env: dict[str, str], posargs: Sequence[str] = ()
) -> None:
    """Run the cell's part(s) of the suite; every part runs, and the session fails if one
    failed. On COVERAGE_PYTHON with branch coverage into coverage/.coverage.<session>, on the
    other Pythons bare (tools/matrix.py says why)."""
    env = {**backend_env(db), **env}
    workers = default_workers(env)
    data_file = COVERAGE_DIR / f".coverage.{session.name}"
    measure = session.python == COVERAGE_PYTHON
    if not measure:
        session.log(f"coverage is measured in the {COVERAGE_PYTHON} cells; this one runs bare")
        # An earlier run's data of this cell would otherwise be combined as if measured now.
        data_file.unlink(missing_ok=True)
    scratch = Path(session.create_tmp()) / "coverage-data"
    shutil.rmtree(scratch, ignore_errors=True)
    failed = []
    try:
        for context, paths in suite_parts(db):
            coverage: dict[str, str] = {}
            if measure:
                # A directory per part: pytest-cov erases the data files beside its COVERAGE_FILE.
                (scratch / context).mkdir(parents=True)
                coverage = {
                    "COVERAGE_FILE": str(scratch / context / ".coverage"),
                    "COVERAGE_CONTEXT": f"py{session.python}-{context}",
                }
            options = ("--cov", "--cov-report=") if measure else ()
            command = pytest_command(db, *options, *posargs, paths=paths, workers=workers)
            try:
                session.run(*command, env={**env, **coverage})
            except nox.command.CommandFailed:
                failed.append(context)
    finally:
        # Fold what pytest-cov left (one file, or one per process) into the session's single
        # data file, also when tests failed, so the report still shows what ran.
        parts = sorted(str(p) for p in scratch.glob("*/.coverage*"))
        if parts:
            COVERAGE_DIR.mkdir(exist_ok=True)
            data_file.unlink(missing_ok=True)
            session.run("coverage", "combine", "--quiet", f"--data-file={data_file}", *parts)
            session.log(f"coverage data: {data_file.relative_to(ROOT)}")
    if failed:
        session.error(f"tests failed (the {' and the '.join(failed)} part of the suite)")
