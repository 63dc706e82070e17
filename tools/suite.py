"""The one way every session runs the integration suite, and how each session starts."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import nox

from tools.environment import DEFAULT_POSTGRES_URL

ROOT = Path(__file__).resolve().parents[1]
COVERAGE_DIR = ROOT / "coverage"

# strict config/markers and -ra come from pyproject.toml
PYTEST_ARGS = ("--durations=10",)
# Installed packages are compiled once, at install; the suite's processes may then write the
# bytecode of our own modules and pytest's rewritten tests (the machines this runs on set
# PYTHONDONTWRITEBYTECODE, so every process - and every xdist worker - would otherwise compile
# everything it imports from source, every run).
COMPILE_AT_INSTALL = {"UV_COMPILE_BYTECODE": "1"}
WRITE_BYTECODE = {"PYTHONDONTWRITEBYTECODE": ""}


def print_environment(session: nox.Session) -> None:
    """Record what this session runs on, so every log says it."""
    session.run(
        "python",
        "-c",
        "import platform, sys; print(sys.version); print(platform.platform())",
        silent=False,
    )
    session.run("uv", "--version")


def install(session: nox.Session, name: str, *, project: bool = False) -> None:
    """Install requirements/<name>.txt (hash-checked), then the project without deps."""
    session.install("--require-hashes", "-r", f"requirements/{name}.txt", env=COMPILE_AT_INSTALL)
    if project:
        session.install("--no-deps", "-e", ".")


def backend_env(db: str) -> dict[str, str]:
    """What the suite needs to find its backend (the PostgreSQL server for per-run databases),
    and leave to write bytecode."""
    if db == "postgres":
        url = os.environ.get("TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
        return {**WRITE_BYTECODE, "TEST_POSTGRES_URL": url}
    return {**WRITE_BYTECODE}


def pytest_command(db: str, *extra: str, workers: str | None = None) -> list[str]:
    """`pytest tests/` on one backend; `workers` is xdist's -n (None: serial)."""
    parallel = ("-n", workers) if workers is not None else ()
    return [
        "pytest",
        "tests",
        "--ignore=tests/automation",
        f"--db={db}",
        *PYTEST_ARGS,
        *parallel,
        *extra,
    ]


def default_workers(env: dict[str, str], suites_running: int = 1) -> str | None:
    """A worker per core, each with its own database (SQLite in memory, a PostgreSQL database,
    a Lakebase stand-in cluster), when this suite has the machine to itself. Beside another
    suite (plain `nox` runs two sessions at once) the cores are taken already, and the extra
    interpreters only cost: a cell's CPU time is then about a fifth lower serially
    (bench/results.md). A live or given database is shared, so it always runs serially
    (workers would clean each other's rows)."""
    if env.get("TEST_MODE") == "live" or os.environ.get("TEST_DATABASE_URL"):
        return None
    return "auto" if suites_running <= 1 else None


@contextmanager
def running_suite(session: nox.Session) -> Iterator[int]:
    """Mark this suite as running (a file named by our PID beside the session environments)
    and yield how many suites run now, this one included. A marker whose process has gone
    (a killed run) does not count."""
    markers = Path(session.virtualenv.location).parent / ".suites-running"
    markers.mkdir(parents=True, exist_ok=True)
    mine = markers / str(os.getpid())
    mine.touch()
    try:
        yield sum(1 for marker in markers.iterdir() if _alive(marker.name))
    finally:
        mine.unlink(missing_ok=True)


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
    try:
        with running_suite(session) as suites_running:
            workers = default_workers(env, suites_running)
            command = pytest_command(db, "--cov", "--cov-report=", *posargs, workers=workers)
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
