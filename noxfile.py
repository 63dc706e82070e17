"""Test automation: `nox -l` lists the sessions, `nox` runs the local matrix.

Every environment is built with uv from the pinned, hashed files in requirements/
(`nox -s lock` regenerates them from pyproject.toml). Plain `nox` runs lint, typecheck,
the SQLite and PostgreSQL suites on every Python found, the automation tests, and
finally the coverage gate.
"""

from __future__ import annotations

import datetime
import os
import platform
import re
import shutil
import tempfile
from pathlib import Path

import nox

nox.needs_version = ">=2025.10.16"  # for `nox.options.download_python`
nox.options.default_venv_backend = "uv"
nox.options.reuse_venv = "yes"  # every session re-installs its pinned file, so reuse is safe
# uv could fetch a missing interpreter from the internet; say "not found" and skip instead.
nox.options.download_python = "never"


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() not in {"", "0", "false", "no", "off"}


# Locally a missing Python is skipped with a message; on CI (CI set) it is an error.
nox.options.error_on_missing_interpreters = _truthy(os.environ.get("CI"))

ROOT = Path(__file__).parent
REQUIREMENTS = ROOT / "requirements"
COVERAGE_DIR = ROOT / "coverage"

# The matrix axes; the default comes first.
PYTHONS = ["3.11", "3.12", "3.13"]
BACKENDS = ["sqlite", "postgres", "lakebase"]
LOCAL_BACKENDS = ["sqlite", "postgres"]  # what a bare `nox` runs: no workspace needed

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
LAKEBASE_ENV = (
    "DATABRICKS_HOST",
    "DATABRICKS_WAREHOUSE_ID",
    "LAKEBASE_INSTANCE_NAME",
    "PGHOST",
    "PGDATABASE",
    "PGUSER",
    # What the live tests read (catalog/schema/table to query, serving endpoint to call).
    "LIVE_CATALOG",
    "LIVE_SCHEMA",
    "LIVE_TABLE",
    "LIVE_ENDPOINT",
)

# One pinned file per purpose: name -> (include the project's own dependencies?, group).
LOCKS: dict[str, tuple[bool, str]] = {
    "test": (True, "test"),
    "types": (True, "types"),
    "lint": (False, "lint"),
    "coverage": (False, "coverage"),
    "nox": (False, "nox"),
    "automation": (False, "automation"),
    "fuzz": (True, "fuzz"),
}
LOCK_PYTHON = PYTHONS[0]  # --universal + the lowest supported Python: valid on 3.11-3.13

PYTEST_ARGS = ("--durations=10",)  # strict config/markers and -ra come from pyproject
# The suites run on one xdist worker per core (a PostgreSQL database each); measured on 2 cores
# at 97 s against 135 s serial for integration-sqlite-3.11. `-- -n 0` runs them serially.
SUITE_ARGS = ("-n", "auto")
DIFF_COVER_ARGS = (
    "--compare-branch=origin/main",
    "--fail-under=90",
    "--branch-coverage",  # a partially covered branch counts as an uncovered line
    "--format=markdown:coverage/diff-cover.md,json:coverage/diff-cover.json",
)
COVERAGE_TARGETS = COVERAGE_DIR / "targets.toml"

nox.options.sessions = [
    "lint",
    "typecheck",
    *(f"integration-{db}-{py}" for db in LOCAL_BACKENDS for py in PYTHONS),
    "automation",
    "coverage",  # last: it combines what the sessions above wrote
]


# --------------------------------------------------------------------------- helpers


def _print_environment(session: nox.Session) -> None:
    """Record what this session runs on, so every log says it."""
    session.run(
        "python",
        "-c",
        "import platform, sys; print(sys.version); print(platform.platform())",
        silent=False,
    )
    session.run("uv", "--version")


def _install(session: nox.Session, name: str, *, project: bool = False) -> None:
    """Install requirements/<name>.txt (hash-checked), then the project without deps."""
    session.install("--require-hashes", "-r", f"requirements/{name}.txt")
    if project:
        session.install("--no-deps", "-e", ".")


def _compile_args(name: str, output: Path) -> list[str]:
    project, group = LOCKS[name]
    source = (
        ["pyproject.toml", "--group", group] if project else ["--group", f"pyproject.toml:{group}"]
    )
    return [
        "uv",
        "pip",
        "compile",
        *source,
        "--generate-hashes",
        # Keep `coverage[toml]==...`: pip's hash mode refuses a requirement with extras (here
        # pytest-cov's `coverage[toml]`) that the file does not pin with those same extras.
        "--no-strip-extras",
        "--universal",
        "--python-version",
        LOCK_PYTHON,
        "--custom-compile-command",
        "nox -s lock",
        "--quiet",
        "-o",
        str(output),
    ]


def _missing_lakebase_env() -> list[str]:
    missing = [name for name in LAKEBASE_ENV if not os.environ.get(name)]
    has_token = bool(os.environ.get("DATABRICKS_TOKEN"))
    has_client = all(
        os.environ.get(n) for n in ("DATABRICKS_CLIENT_ID", "DATABRICKS_CLIENT_SECRET")
    )
    if not (has_token or has_client):
        missing.append("DATABRICKS_TOKEN (or DATABRICKS_CLIENT_ID + DATABRICKS_CLIENT_SECRET)")
    return missing


def _run_suite(session: nox.Session, db: str, env: dict[str, str]) -> None:
    """Run `pytest tests/` against one backend; coverage lands in coverage/.coverage.<session>."""
    data_file = COVERAGE_DIR / f".coverage.{session.name}"
    scratch = Path(session.create_tmp()) / "coverage-data"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    env = {
        **env,
        "COVERAGE_FILE": str(scratch / ".coverage"),
        "COVERAGE_CONTEXT": f"py{session.python}-{db}",
    }
    try:
        session.run(
            "pytest",
            "tests",
            "--ignore=tests/automation",
            f"--db={db}",
            "--cov",
            "--cov-report=",
            *PYTEST_ARGS,
            # A live Lakebase database is shared, not per worker: workers would clean each
            # other's rows. SQLite (in memory) and PostgreSQL (a database per worker) parallelise.
            *(
                SUITE_ARGS
                if db in LOCAL_BACKENDS and not os.environ.get("TEST_DATABASE_URL")
                else ()
            ),
            *session.posargs,
            env=env,
        )
    finally:
        # Fold what pytest-cov left (one file, or one per process) into the session's single
        # data file, also when tests failed, so the report still shows what ran.
        parts = sorted(str(p) for p in scratch.glob(".coverage*"))
        if parts:
            COVERAGE_DIR.mkdir(exist_ok=True)
            data_file.unlink(missing_ok=True)
            session.run("coverage", "combine", "--quiet", f"--data-file={data_file}", *parts)
            session.log(f"coverage data: {data_file.relative_to(ROOT)}")


def _strip_ansi(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


# --------------------------------------------------------------------------- sessions


def _integration_session(db: str, python: str) -> None:
    def session_func(session: nox.Session) -> None:
        _print_environment(session)
        env: dict[str, str] = {}
        if db == "postgres":
            env["TEST_POSTGRES_URL"] = os.environ.get("TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
        if db == "lakebase":
            missing = _missing_lakebase_env()
            if missing:
                message = "integration-lakebase needs a live workspace; missing: " + ", ".join(
                    missing
                )
                if _truthy(os.environ.get("LAKEBASE_REQUIRED")):
                    session.error(message + " (LAKEBASE_REQUIRED is set)")
                session.skip(message)
            env["TEST_MODE"] = "live"
        _install(session, "test", project=True)
        _run_suite(session, db, env)

    where = {
        "sqlite": "SQLite (in-process)",
        "postgres": "PostgreSQL at $TEST_POSTGRES_URL",
        "lakebase": "a live Lakebase + workspace (TEST_MODE=live)",
    }[db]
    session_func.__doc__ = f"pytest tests/ --db={db} on Python {python}: {where}."
    nox.session(
        name=f"integration-{db}-{python}",
        python=python,
        tags=[db, f"py{python}", "integration"],
    )(session_func)


def _integration_alias(db: str) -> None:
    def session_func(session: nox.Session) -> None:
        session.log(f"integration-{db} ran on: {', '.join(PYTHONS)}")

    session_func.__doc__ = f"All integration-{db}-* cells ({', '.join(PYTHONS)})."
    nox.session(
        name=f"integration-{db}",
        python=False,
        requires=[f"integration-{db}-{py}" for py in PYTHONS],
    )(session_func)


for _db in BACKENDS:
    for _py in PYTHONS:
        _integration_session(_db, _py)
    _integration_alias(_db)


@nox.session(python=PYTHONS[0], tags=["lowest"])
def lowest(session: nox.Session) -> None:
    """SQLite suite on the lowest versions pyproject.toml allows (--resolution lowest-direct)."""
    _print_environment(session)
    session.install("--resolution", "lowest-direct", "--group", "test", "-e", ".")
    session.run("uv", "pip", "list")
    _run_suite(session, "sqlite", {})


@nox.session(tags=["lint"])
def lint(session: nox.Session) -> None:
    """ruff check + format, workflows (schema, zizmor), requirements/ fresh and pip-installable."""
    _print_environment(session)
    _install(session, "lint")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    workflows = sorted(str(p) for p in (ROOT / ".github" / "workflows").glob("*.yml"))
    session.run("check-jsonschema", "--builtin-schema", "vendor.github-workflows", *workflows)
    session.run("zizmor", "--offline", "--min-severity=medium", *workflows)
    session.run("bash", "-n", ".ci/run", external=True)

    # requirements/ is stale when re-resolving it against pyproject.toml (existing pins
    # preferred, as `nox -s lock` does) would change a file.
    stale = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in LOCKS:
            committed = REQUIREMENTS / f"{name}.txt"
            fresh = Path(tmp) / f"{name}.txt"
            if committed.exists():
                shutil.copyfile(committed, fresh)
            session.run(*_compile_args(name, fresh), silent=True)
            if not committed.exists() or committed.read_text() != fresh.read_text():
                stale.append(str(committed.relative_to(ROOT)))
    if stale:
        session.error(f"stale vs pyproject.toml: {', '.join(stale)}; run `nox -s lock`")
    session.log("requirements/ is up to date with pyproject.toml")
    _check_pip_installable(session)


def _check_pip_installable(session: nox.Session) -> None:
    """Every requirements/*.txt resolves with plain pip in hash mode (as a Dockerfile or a user
    without uv installs it), not only with uv. `--dry-run` resolves and checks every hash
    without installing, so one fresh venv serves for all the files."""
    with tempfile.TemporaryDirectory() as tmp:
        session.run("python", "-m", "venv", tmp, silent=True)
        pip = str(Path(tmp) / ("Scripts" if os.name == "nt" else "bin") / "pip")
        for name in LOCKS:
            session.run(
                pip, "install", "--dry-run", "--quiet", "--disable-pip-version-check",
                "--require-hashes", "-r", f"requirements/{name}.txt",
                external=True, silent=True,
            )  # fmt: skip
    session.log("every file in requirements/ installs with pip --require-hashes")


@nox.session(tags=["lint"])
def typecheck(session: nox.Session) -> None:
    """mypy --strict server (configuration in pyproject.toml)."""
    _print_environment(session)
    _install(session, "types")
    session.run("mypy", "--strict", "server", *session.posargs)


@nox.session(tags=["lock"])
def lock(session: nox.Session) -> None:
    """Regenerate every requirements/*.txt from pyproject.toml (hashed, universal, 3.11+).

    Existing pins are kept where still allowed; `nox -s lock -- --upgrade` bumps them all.
    """
    _print_environment(session)
    REQUIREMENTS.mkdir(exist_ok=True)
    for name in LOCKS:
        session.run(*_compile_args(name, Path("requirements", f"{name}.txt")), *session.posargs)


@nox.session(tags=["automation"])
def automation(session: nox.Session) -> None:
    """Tests of this automation (tests/automation): sessions exist, gates bite, paths combine."""
    _print_environment(session)
    _install(session, "automation")
    session.run(
        "pytest",
        "tests/automation",
        # Only tests/automation's own conftest: the suite's fixtures are not needed here.
        "--confcutdir=tests/automation",
        "-p",
        "no:randomly",
        *PYTEST_ARGS,
        *session.posargs,
    )


@nox.session(python=PYTHONS[0], tags=["fuzz"], default=False)
def fuzz(session: nox.Session) -> None:
    """schemathesis on the app's OpenAPI (tests/fuzz); `-- --db=postgres`, `-- --max-examples N`."""
    _print_environment(session)
    _install(session, "fuzz", project=True)
    session.run(
        "pytest", "tests/fuzz", "-p", "no:randomly", *PYTEST_ARGS, *session.posargs,
        env={"RUN_FUZZ": "1"},
    )  # fmt: skip


@nox.session(tags=["coverage"])
def coverage(session: nox.Session) -> None:
    """Combine coverage/.coverage.*, write reports, fail below coverage/targets.toml."""
    _print_environment(session)
    data = sorted(COVERAGE_DIR.glob(".coverage.*"))
    if not data:
        session.error("no coverage data (coverage/.coverage.*): run an integration session first")
    _install(session, "coverage")

    # Not named .coverage: coverage's report commands combine (and delete) <data-file>.*
    combined = COVERAGE_DIR / "combined.coverage"
    combined.unlink(missing_ok=True)
    shutil.rmtree(COVERAGE_DIR / "html", ignore_errors=True)
    session.log("combining: " + ", ".join(p.name for p in data))
    # --keep: the inputs stay, so the session can be re-run (e.g. after more cells ran).
    session.run("coverage", "combine", "--keep", f"--data-file={combined}", *map(str, data))
    with_data = (f"--data-file={combined}",)
    session.run("coverage", "report", *with_data)
    session.run("coverage", "xml", *with_data, "-o", str(COVERAGE_DIR / "coverage.xml"))
    session.run("coverage", "html", *with_data, "--show-contexts", "-d", str(COVERAGE_DIR / "html"))
    coverage_json = COVERAGE_DIR / "coverage.json"
    session.run("coverage", "json", *with_data, "-o", str(coverage_json))
    table = session.run("coverage", "report", *with_data, "--format=markdown", silent=True)

    verdicts = {"all cells combined": _gate(session, coverage_json)}
    # Each backend must reach the targets on its own, not only thanks to the other's tests.
    for backend, files in _data_by_backend(data).items():
        alone = COVERAGE_DIR / f"{backend}.coverage"
        alone.unlink(missing_ok=True)
        session.run(
            "coverage", "combine", "--keep", "--quiet", f"--data-file={alone}", *map(str, files)
        )
        alone_json = COVERAGE_DIR / f"coverage-{backend}.json"
        session.run("coverage", "json", f"--data-file={alone}", "-o", str(alone_json), silent=True)
        verdicts[f"{backend} cells alone"] = _gate(session, alone_json)

    passed = all(ok for ok, _ in verdicts.values())
    cells = "\n".join(f"- `{p.name}`" for p in data)
    sections = "\n".join(
        f"#### {label}: {'passed' if ok else 'FAILED'}\n\n```\n{text}\n```\n"
        for label, (ok, text) in verdicts.items()
    )
    (COVERAGE_DIR / "summary.md").write_text(
        f"## Coverage\n\n{str(table).strip()}\n\n"
        f"### Per-module targets ({'passed' if passed else 'FAILED'})\n\n"
        "Every file in `server/routers/` and `server/services/` needs the line and branch "
        "coverage set in `coverage/targets.toml`, with all cells combined and with each "
        "backend's cells alone.\n\n"
        f"{sections}\n"
        f"<details><summary>Data files combined</summary>\n\n{cells}\n\n</details>\n"
    )
    for label, (_, text) in verdicts.items():
        print(f"{label}: {text}")
    session.log("reports: coverage/coverage.xml, coverage/html/, coverage/summary.md")
    if not passed:
        failed = ", ".join(label for label, (ok, _) in verdicts.items() if not ok)
        session.error(f"per-module coverage targets not met ({failed}; coverage/targets.toml)")


def _gate(session: nox.Session, coverage_json: Path) -> tuple[bool, str]:
    """Apply coverage/targets.toml to one coverage JSON report: (passed, the tool's verdict)."""
    output = session.run(
        "coverage-threshold",
        "--coverage-json",
        str(coverage_json),
        "--config",
        str(COVERAGE_TARGETS),
        silent=True,
        success_codes=[0, 1],
    )
    text = _strip_ansi(str(output)).strip()
    return text.startswith("Success"), text


def _data_by_backend(data: list[Path]) -> dict[str, list[Path]]:
    """coverage/.coverage.integration-<backend>-<python> files, grouped by backend."""
    groups: dict[str, list[Path]] = {}
    for path in data:
        # The cells write exactly .coverage.<session>; tolerate coverage's parallel suffixes.
        match = re.match(r"\.coverage\.integration-([a-z]+)-\d+\.\d+(\.|$)", path.name)
        if match:
            groups.setdefault(match.group(1), []).append(path)
    return groups


@nox.session(name="diff-cover", tags=["coverage"])
def diff_cover(session: nox.Session) -> None:
    """Changed lines vs origin/main must be >= 90 % covered, branches too; args go to diff-cover."""
    _print_environment(session)
    xml = COVERAGE_DIR / "coverage.xml"
    if not xml.exists():
        session.error("coverage/coverage.xml is missing: run `nox -s coverage` first")
    _install(session, "coverage")
    session.run("diff-cover", str(xml.relative_to(ROOT)), *DIFF_COVER_ARGS, *session.posargs)


@nox.session(python=PYTHONS[0], tags=["bench"], default=False)
def bench(session: nox.Session) -> None:
    """Wall time + peak memory of the SQLite suite, serial vs -n 2 (GNU time): bench/suite.md."""
    _print_environment(session)
    gnu_time = shutil.which("time", path="/usr/bin:/bin")
    if gnu_time is None:
        session.error("GNU time (/usr/bin/time) is needed: apt-get install time")
    _install(session, "test", project=True)
    runs = int(os.environ.get("BENCH_RUNS", "3"))
    variants = {"serial": [], "xdist -n 2": ["-n", "2"]}
    base = [
        "pytest",
        "tests",
        "--ignore=tests/automation",
        "--db=sqlite",
        "-q",
        "-p",
        "no:randomly",
    ]
    rows = []
    scratch = Path(session.create_tmp())
    for label, extra in variants.items():
        command = [*base, *extra, *session.posargs]
        for i in range(runs):
            report = scratch / f"time-{i}.txt"
            # A failing suite is no measurement: session.run stops the session on it.
            session.run(gnu_time, "-v", "-o", str(report), *command, external=True)
            text = report.read_text()
            status = re.search(r"Exit status: (\d+)", text)
            wall = re.search(r"Elapsed \(wall clock\) time .*: (?:(\d+):)?(\d+):([\d.]+)", text)
            rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
            if wall is None or rss is None:
                session.error(f"unexpected GNU time output:\n{text}")
            seconds = int(wall[1] or 0) * 3600 + int(wall[2]) * 60 + float(wall[3])
            exit_status = status[1] if status else "?"
            rows.append((label, i + 1, seconds, int(rss[1]) / 1024, exit_status, " ".join(command)))
    lines = [
        "# Benchmark: integration suite on SQLite",
        "",
        f"Made by `nox -s bench` ({runs} run(s) per variant, `BENCH_RUNS` to change) with "
        "`/usr/bin/time -v`; peak RSS is the largest single process.",
        f"Python {session.python}, {os.cpu_count()} CPUs, {platform.platform()}, "
        f"{datetime.date.today().isoformat()}.",
        "",
        "| variant | run | wall (s) | peak RSS (MiB) | pytest exit |",
        "| --- | --- | --- | --- | --- |",
        *(
            f"| {label} | {i} | {s:.2f} | {mib:.0f} | {code} |"
            for label, i, s, mib, code, _ in rows
        ),
        "",
        "Mean wall time: "
        + ", ".join(
            f"{label} {sum(r[2] for r in rows if r[0] == label) / runs:.1f} s" for label in variants
        )
        + ".",
        "",
        "Commands:",
        "",
        *sorted({f"- `{cmd}`" for *_, cmd in rows}),
        "",
    ]
    (ROOT / "bench").mkdir(exist_ok=True)
    (ROOT / "bench" / "suite.md").write_text("\n".join(lines))
    session.log("wrote bench/suite.md (bench/results.md holds the whole-matrix timings)")
