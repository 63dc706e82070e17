"""The one way every session runs the integration suite, and how each session starts."""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from pathlib import Path

import nox

from suite_environment import DEFAULT_POSTGRES_URL
from tools.matrix import suite_args

ROOT = Path(__file__).resolve().parents[1]
COVERAGE_DIR = ROOT / "coverage"
# What the flake hunter and mutation testing conclude (coverage/ holds coverage's own reports).
REPORTS_DIR = ROOT / "reports"

# strict config/markers and -ra come from pyproject.toml
PYTEST_ARGS = ("--durations=10",)
# Installed packages are compiled once, at install; the suite's processes may then write the
# bytecode of our own modules and pytest's rewritten tests (the machines this runs on set
# PYTHONDONTWRITEBYTECODE, so every process - and every xdist worker - would otherwise compile
# everything it imports from source, every run).
COMPILE_AT_INSTALL = {"UV_COMPILE_BYTECODE": "1"}
WRITE_BYTECODE = {"PYTHONDONTWRITEBYTECODE": ""}


def start_session(session: nox.Session) -> None:
    """Every session's first step: mark it running (`default_workers` counts the sessions
    running beside a cell), then record what it runs on, so every log says it."""
    mark_running(session)
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


def pytest_command(db: str, *extra: str, workers: str | None = None) -> list[str]:
    """`pytest tests/` on one backend of the matrix; `workers` is xdist's -n (None: serial)."""
    parallel = ("-n", workers) if workers is not None else ()
    return [
        "pytest",
        "tests",
        *suite_args(db),
        *PYTEST_ARGS,
        *parallel,
        *extra,
    ]


def default_workers(env: dict[str, str], running: int = 1) -> str | None:
    """A worker per core, each with its own database (SQLite in memory, a PostgreSQL database,
    a Lakebase stand-in cluster), when the suite has the machine to itself. Beside another
    session (plain `nox` runs two at once) the cores are taken already and extra interpreters
    only cost: a coverage cell takes about a fifth less CPU serially (bench/results.md). A live
    or given database is shared, so it always runs serially (workers would clean each other's
    rows)."""
    if env.get("TEST_MODE") == "live" or os.environ.get("TEST_DATABASE_URL"):
        return None
    return "auto" if running <= 1 else None


def mark_running(session: nox.Session) -> None:
    """Leave a marker named by this process beside the session environments. Under `nox -j N`
    each session runs in a process of its own, so the live markers count the sessions running
    now; a marker outlives its process harmlessly (`sessions_running` ignores and removes it)."""
    markers = _markers(session)
    markers.mkdir(parents=True, exist_ok=True)
    (markers / str(os.getpid())).touch()


def mark_idle(session: nox.Session) -> None:
    """This process no longer keeps a core busy (it waits on a nested `nox`)."""
    (_markers(session) / str(os.getpid())).unlink(missing_ok=True)


def sessions_running(session: nox.Session) -> int:
    """How many sessions run now (at least this one): the markers whose process is alive."""
    markers = _markers(session)
    alive = 1
    for marker in markers.glob("*") if markers.is_dir() else ():
        if marker.name == str(os.getpid()):
            continue
        if _alive(marker.name):
            alive += 1
        else:
            marker.unlink(missing_ok=True)
    return alive


def _markers(session: nox.Session) -> Path:
    return Path(session.virtualenv.location).parent / ".sessions-running"


def _alive(pid: str) -> bool:
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True  # another user's process: alive
    return True


def run_suite(
    session: nox.Session, db: str, env: dict[str, str], posargs: Sequence[str] = ()
) -> None:
    """Run the suite with branch coverage into coverage/.coverage.<session>."""
    data_file = COVERAGE_DIR / f".coverage.{session.name}"
    scratch = Path(session.create_tmp()) / "coverage-data"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    env = {
        **backend_env(db),
        **env,
        "COVERAGE_FILE": str(scratch / ".coverage"),
        "COVERAGE_CONTEXT": f"py{session.python}-{db}",
    }
    workers = default_workers(env, sessions_running(session))
    command = pytest_command(db, "--cov", "--cov-report=", *posargs, workers=workers)
    try:
        session.run(*command, env=env)
    finally:
        # Fold what pytest-cov left (one file, or one per process) into the session's single
        # data file, also when tests failed, so the report still shows what ran.
        parts = sorted(str(p) for p in scratch.glob(".coverage*"))
        if parts:
            COVERAGE_DIR.mkdir(exist_ok=True)
            data_file.unlink(missing_ok=True)
            session.run("coverage", "combine", "--quiet", f"--data-file={data_file}", *parts)
            session.log(f"coverage data: {data_file.relative_to(ROOT)}")
