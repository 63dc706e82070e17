"""Test automation: `nox -l` lists the sessions, `nox` runs the local matrix.

Plain `nox` runs the sessions `nox -l` marks `*`: `nox.options.sessions` below, in its order
(each entry says why it is where it is), two at a time, the coverage gate last and alone.
Every environment is built with uv from the pinned, hashed files in requirements/
(`nox -s lock`). The logic lives in tools/, one job a module; docs/sessions.md describes each
session.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import nox

sys.path.insert(0, str(Path(__file__).parent))  # nox does not put tools/ on the path

from suite_environment import is_live, is_truthy, lakebase_mode
from tools import bench as benchmarks
from tools import coverage_gate, locks
from tools import fidelity as fidelity_checks
from tools import flakes as flake_hunter
from tools import mutation as mutation_runner
from tools.matrix import (
    BACKENDS,
    INDEPENDENT_TESTS_BACKEND,
    LAKEBASE_CELLS,
    LOCAL_BACKENDS,
    PYTHONS,
    WHERE,
    optional_python_missing,
    suite_args,
)
from tools.suite import (
    COMPILE_AT_INSTALL,
    COVERAGE_DIR,
    FAKE_WORKSPACE,
    PYTEST_ARGS,
    ROOT,
    backend_env,
    choose_workers,
    default_workers,
    install,
    pytest_command,
    run_suite,
    start_session,
)

nox.needs_version = ">=2025.10.16"  # for `nox.options.download_python`
nox.options.default_venv_backend = "uv"
nox.options.reuse_venv = "yes"  # every session re-installs its pinned file, so reuse is safe
# uv could fetch a missing interpreter from the internet; say "not found" and skip instead.
nox.options.download_python = "never"
# Locally a missing Python is skipped with a message; on CI (CI set) it is an error.
nox.options.error_on_missing_interpreters = is_truthy(os.environ.get("CI"))
# Two sessions at a time (`-j 1` for one): the light ones (lint, typecheck, installs, the
# coverage combine of a cell) overlap the suites. Only sessions marked allow_parallel=True take
# part; every other one (coverage, last) runs alone, once the ones before it have finished.
nox.options.parallel = 2

DIFF_COVER_ARGS = (
    "--compare-branch=origin/main",
    "--fail-under=90",
    "--branch-coverage",  # a partially covered branch counts as an uncovered line
    "--format=markdown:coverage/diff-cover.md,json:coverage/diff-cover.json",
)

nox.options.sessions = [
    "lint",
    "typecheck",
    # Mostly downloads (pip checks every hash): it overlaps the cells' CPU instead of running
    # before them as a step of its own.
    "installable",
    # Early: its two minutes (mostly nested nox and pip) overlap the cells instead of running
    # on after them, and the last cell then has the machine to itself.
    "automation",
    "fidelity",  # a few minutes on 2 cores: the fake against the SDK's models and recordings
    "lowest",  # the lower bounds pyproject.toml promises: one SQLite cell's time
    *(f"integration-{db}-{py}" for db in LOCAL_BACKENDS for py in PYTHONS),
    # Both Lakebase flavours, offline here, on the Python Databricks Apps run (3.11).
    *(f"integration-{db}-{PYTHONS[0]}" for db in LAKEBASE_CELLS),
    # The release job's live Lakebase cell, both flavours, against the fake served on its own
    # and a stand-in holding "production" rows (tests/rehearsal): it must leave them as found.
    "rehearse-live",
    "coverage",  # last: it combines what the sessions above wrote
]


# Sessions that only pull in others (`requires`): selecting one runs several at once.
UMBRELLAS: list[str] = []


def integration_cell(db: str, python: str) -> None:
    """Register `integration-<db>-<python>`: the suite on one backend and one Python."""
    missing = optional_python_missing(python)

    def cell(session: nox.Session) -> None:
        if missing:
            session.skip(f"Python {python} not found; its cells are optional here (CI runs them)")
        flavour = LAKEBASE_CELLS.get(db)
        env = lakebase_env(session, flavour) if flavour else {}
        start_session(session)
        install(session, "test", project=True)
        if not is_live(env):
            run_suite(session, db, env, session.posargs)
            return
        # Live: every answer's shape recorded on its way to the app, then compared with the
        # fake's answers to the same tests offline (tools/fidelity.py, coverage/fidelity.md).
        try:
            run_suite(session, db, env, (*fidelity_checks.live_args(), *session.posargs))
        finally:
            fidelity_checks.check_live(session, db)

    which = "all tests" if db == INDEPENDENT_TESTS_BACKEND else "the tests it can change"
    cell.__doc__ = f"pytest {' '.join(suite_args(db))} on Python {python}: {WHERE[db]}; {which}."
    nox.session(
        name=f"integration-{db}-{python}",
        python=False if missing else python,  # False: nothing to look for, the cell only skips
        # `nox -t lakebase` selects both Lakebase flavours.
        tags=sorted({db, db.split("-")[0], f"py{python}", "integration"}),
        allow_parallel=True,
    )(cell)


def umbrella(name: str, cells: list[str], doc: str) -> None:
    """Register `name`, a session that only runs `cells` (`requires`): selecting it runs
    several at once, so a cell under it runs serially (tools/suite.py)."""

    def run_all(session: nox.Session) -> None:
        session.log(f"{name} ran: {', '.join(cells)}")

    run_all.__doc__ = doc
    UMBRELLAS.append(name)
    nox.session(name=name, python=False, requires=cells)(run_all)


def lakebase_env(session: nox.Session, flavour: str) -> dict[str, str]:
    """Live, offline or an error, as suite_environment.lakebase_mode decides; says which."""
    mode, message = lakebase_mode(flavour)
    if mode == "error":
        session.error(message)
    session.log(message)
    return {"TEST_MODE": "live"} if mode == "live" else {}


for _db in BACKENDS:
    for _python in PYTHONS:
        integration_cell(_db, _python)
    umbrella(
        f"integration-{_db}",
        [f"integration-{_db}-{py}" for py in PYTHONS],
        f"All integration-{_db}-* cells ({', '.join(PYTHONS)}).",
    )
# The name Lakebase runs had before each flavour got cells of its own: both flavours.
for _python in PYTHONS:
    umbrella(
        f"integration-lakebase-{_python}",
        [f"integration-{db}-{_python}" for db in LAKEBASE_CELLS],
        f"Both Lakebase flavours' cells on Python {_python}.",
    )
umbrella(
    "integration-lakebase",
    [f"integration-lakebase-{PYTHONS[0]}"],
    f"Both Lakebase flavours' cells on the Python Databricks Apps run ({PYTHONS[0]}).",
)


# The suite cells' parallelism, by a fixed rule from this run's command line (tools/suite.py):
# only when nox itself runs, not when a test loads this file.
if Path(sys.argv[0]).name == "nox" or Path(sys.argv[0]).parent.name == "nox":
    choose_workers(sys.argv[1:], nox.options.parallel or 1, UMBRELLAS)


@nox.session(python=PYTHONS[0], tags=["lowest"], allow_parallel=True)
def lowest(session: nox.Session) -> None:
    """SQLite suite on the lowest versions pyproject.toml allows (--resolution lowest-direct),
    without coverage."""
    start_session(session)
    session.install(
        "--resolution",
        "lowest-direct",
        "--group",
        "test",
        "-e",
        ".",
        "-e",
        FAKE_WORKSPACE,
        env=COMPILE_AT_INSTALL,
    )
    session.run("uv", "pip", "list")
    # Without coverage: the 3.11 SQLite cell measures the same code on the pinned versions.
    env = backend_env("sqlite")
    session.run(*pytest_command("sqlite", *session.posargs, workers=default_workers(env)), env=env)


@nox.session(python=PYTHONS[0], tags=["flakes"], default=False)
def flakes(session: nox.Session) -> None:
    """The suite N times in random order, more workers than cores: `-- --runs 20 --stress`."""
    options = flake_hunter.parse(session.posargs)
    start_session(session)
    install(session, "test", project=True)
    found = flake_hunter.hunt(session, options)
    report = flake_hunter.summary(options, found)
    flake_hunter.REPORT.parent.mkdir(exist_ok=True)
    flake_hunter.REPORT.write_text(report)
    print(report)
    if found:
        session.error(f"{len(found)} test(s) failed in some run: {flake_hunter.REPORT}")


@nox.session(tags=["lint"], allow_parallel=True)
def lint(session: nox.Session) -> None:
    """ruff check + format, workflows and Dependabot (schema, zizmor), requirements/ fresh."""
    start_session(session)
    install(session, "lint")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    workflows = sorted(str(p) for p in (ROOT / ".github" / "workflows").glob("*.yml"))
    dependabot = str(ROOT / ".github" / "dependabot.yml")
    session.run("check-jsonschema", "--builtin-schema", "vendor.github-workflows", *workflows)
    session.run("check-jsonschema", "--builtin-schema", "vendor.dependabot", dependabot)
    session.run("zizmor", "--offline", "--min-severity=medium", *workflows, dependabot)
    session.run("bash", "-n", ".ci/run", external=True)
    stale = locks.stale_locks(session)
    if stale:
        session.error(f"stale vs pyproject.toml: {', '.join(stale)}; run `nox -s lock`")
    session.log("requirements/ is up to date with pyproject.toml")


@nox.session(name="format", tags=["format"], default=False)
def format_code(session: nox.Session) -> None:
    """Rewrite the code as `lint` wants it: `ruff check --fix`, then `ruff format`.

    The fixes come first (a sorted import block may need formatting again); a finding ruff
    cannot fix is reported by the last `ruff check` and fails the session.
    """
    install(session, "lint")
    session.run("ruff", "check", "--fix-only", "--quiet", ".")
    session.run("ruff", "format", ".")
    session.run("ruff", "check", ".")


@nox.session(tags=["lint"], allow_parallel=True)
def typecheck(session: nox.Session) -> None:
    """mypy --strict server (configuration in pyproject.toml)."""
    start_session(session)
    install(session, "types")
    session.run("mypy", "--strict", "server", *session.posargs)


@nox.session(tags=["lock"])
def lock(session: nox.Session) -> None:
    """Regenerate every requirements/*.txt from pyproject.toml (hashed, universal, 3.11+).

    Existing pins are kept where still allowed; `nox -s lock -- --upgrade` bumps them all.
    Then the same check as `nox -s installable`: plain pip installs every file.
    """
    start_session(session)
    locks.REQUIREMENTS.mkdir(exist_ok=True)
    for name in locks.LOCKS:
        output = Path("requirements", f"{name}.txt")
        session.run(*locks.compile_args(name, output), *session.posargs)
    locks.check_pip_installable(session)


@nox.session(tags=["installable"], allow_parallel=True)
def installable(session: nox.Session) -> None:
    """Every requirements/*.txt installs with plain `pip install --require-hashes` (network).

    Resolved and hash-checked with `--dry-run` in a fresh venv, so it asks the index: `lint`
    only checks offline that requirements/ matches pyproject.toml; CI runs this as well.
    """
    start_session(session)
    locks.check_pip_installable(session)


@nox.session(tags=["automation"], allow_parallel=True)
def automation(session: nox.Session) -> None:
    """Tests of this automation (tools/tests): sessions exist, gates bite, paths combine."""
    start_session(session)
    install(session, "automation", project=True)  # the dev server's test runs the app and fake
    session.run(
        "pytest",
        "tools/tests",
        # Only tools/tests' own conftest: the suite's fixtures are not needed here.
        "--confcutdir=tools/tests",
        "-p",
        "no:randomly",
        *PYTEST_ARGS,
        *session.posargs,
    )


@nox.session(python=PYTHONS[0], tags=["fidelity"], allow_parallel=True)
def fidelity(session: nox.Session) -> None:
    """The fake against the SDK's models, recorded real answers and itself (tests/fidelity)."""
    start_session(session)
    install(session, "test", project=True)
    fidelity_checks.run(session)


@nox.session(python=PYTHONS[0], tags=["fuzz"], default=False)
def fuzz(session: nox.Session) -> None:
    """schemathesis on the app's OpenAPI (tests/fuzz); `-- --db=postgres`, `-- --max-examples N`."""
    start_session(session)
    install(session, "fuzz", project=True)
    env = {**backend_env("postgres"), "RUN_FUZZ": "1"}  # the server URL is used with --db=postgres
    session.run(
        "pytest", "tests/fuzz", "-p", "no:randomly", *PYTEST_ARGS, *session.posargs, env=env
    )


@nox.session(python=PYTHONS[0], tags=["soak"], default=False)
def soak(session: nox.Session) -> None:
    """The app under load and faults at once (tests/soak): coverage/soak.md, verdicts that fail.

    `-- --db=sqlite|postgres|lakebase` (default postgres), `--users 50`, `--duration 60`,
    `--no-faults`, `--seed N` (the fault times).
    """
    start_session(session)
    install(session, "soak", project=True)
    session.run("python", "-m", "tests.soak", *session.posargs, env=backend_env("postgres"))


@nox.session(name="rehearse-live", python=PYTHONS[0], tags=["rehearsal"], allow_parallel=True)
def rehearse_live(session: nox.Session) -> None:
    """The release job's live Lakebase cells, offline: `-- --flavour autoscaling|provisioned`.

    Each runs as the release runner would (its variables, LAKEBASE_REQUIRED, no local
    PostgreSQL) against `python -m fake_workspace --postgres` and a stand-in holding rows that
    must survive; coverage/rehearse-live.md says what it saw, requests and shapes included.
    """
    start_session(session)
    install(session, "test", project=True)
    session.install("--require-hashes", "-r", "requirements/nox.txt")
    session.run("python", "-m", "tests.rehearsal", "live", *session.posargs)


@nox.session(name="rehearse-migrations", python=PYTHONS[0], tags=["rehearsal"], default=False)
def rehearse_migrations(session: nox.Session) -> None:
    """`alembic upgrade head` on a branch of production, then the app until /ready (live
    Lakebase Autoscaling variables); coverage/rehearse-migrations.md. Deletes the branch."""
    start_session(session)
    install(session, "test", project=True)
    session.run("python", "-m", "tests.rehearsal", "migrations")


@nox.session(tags=["coverage"])
def coverage(session: nox.Session) -> None:
    """Combine coverage/.coverage.*, write reports, fail below coverage/targets.toml."""
    start_session(session)
    data = sorted(COVERAGE_DIR.glob(".coverage.*"))
    if not data:
        session.error("no coverage data (coverage/.coverage.*): run an integration session first")
    install(session, "coverage")
    verdicts = coverage_gate.write_reports(session, data)
    for label, (_, text) in verdicts.items():
        print(f"{label}: {text}")
    session.log("reports: coverage/coverage.xml, coverage/html/, coverage/summary.md")
    failed = [label for label, (ok, _) in verdicts.items() if not ok]
    if failed:
        targets = coverage_gate.TARGETS.relative_to(ROOT)
        session.error(f"per-module coverage targets not met ({', '.join(failed)}; {targets})")


@nox.session(name="diff-cover", tags=["coverage"])
def diff_cover(session: nox.Session) -> None:
    """Changed lines vs origin/main must be >= 90 % covered, branches too; args go to diff-cover."""
    start_session(session)
    xml = COVERAGE_DIR / "coverage.xml"
    if not xml.exists():
        session.error("coverage/coverage.xml is missing: run `nox -s coverage` first")
    install(session, "coverage")
    session.run("diff-cover", str(xml.relative_to(ROOT)), *DIFF_COVER_ARGS, *session.posargs)


@nox.session(python=PYTHONS[0], tags=["dev"], default=False)
def dev(session: nox.Session) -> None:
    """The app on uvicorn against the fake workspace, behind a local Apps proxy; Ctrl-C stops.

    Arguments after `--` go to tools/devserver.py: `--user bob`, `--port 8001`, `--database`.
    """
    install(session, "test", project=True)
    session.run("python", "-m", "tools.devserver", *session.posargs)


@nox.session(python=PYTHONS[0], tags=["mutation"], default=False)
def mutation(session: nox.Session) -> None:
    """mutmut on server/ (migrations aside) vs the SQLite suite: coverage/mutation.md, a gate.

    `-- FILE...` limits it to those files; `-- --changed-since=origin/main` to the functions
    changed against that ref (the PR gate). Logic and thresholds: tools/mutation.py.
    """
    start_session(session)
    mutation_runner.run(session)


@nox.session(python=PYTHONS[0], tags=["bench"], default=False)
def bench(session: nox.Session) -> None:
    """Suite timings and CPU per request route by route beside bare FastAPI: bench/results.md.

    `-- --only suite|routes`, `--runs N`, `--matrix` (plain `nox` too), `--requests N` (per
    route, 1000), `--baseline REV --rounds N` (REV's app beside this one, in turns), `--label`.
    """
    options = benchmarks.parse(session.posargs)
    start_session(session)
    install(session, "soak", project=True)  # the suite's tools, and the soak's uvicorn runner
    scratch = Path(session.create_tmp())
    if options.suite:
        load_before = benchmarks.load_average()
        rows, median_test = benchmarks.suite_rows(session, options, scratch)
        if options.matrix:
            rows.append(benchmarks.matrix_row(session, scratch))
        load = (load_before, benchmarks.load_average())
        benchmarks.write(rows, median_test, load, session.python)
    if options.routes:
        load_before = benchmarks.load_average()
        costs = benchmarks.route_costs(session, options, scratch)
        load = (load_before, benchmarks.load_average())
        benchmarks.write_routes(costs, options, load, session.python)
    session.log(f"wrote {benchmarks.RESULTS.relative_to(ROOT)}")
