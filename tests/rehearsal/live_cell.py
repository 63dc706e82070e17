"""Rehearse the release job's live Lakebase cell on one machine, as the release runner runs it.

The workspace is the fake served on its own (`python -m fake_workspace --postgres URL`), backing
Lakebase branches with a stand-in cluster (SSL, tokens minted for an endpoint or instance only)
that plays the configured Lakebase database, holding production rows. The cell runs in a copy
of the checkout with exactly the variables the release job sets, `LAKEBASE_REQUIRED` included,
and no local PostgreSQL URL: `TEST_POSTGRES_URL` points where nothing listens, so a test that
still reached for a local superuser would fail here as it would on the runner.

Then the verdicts (`verdicts.py`): exit 0, LIVE first, the production rows untouched, nothing the
run created left, every request routed and no error inside the fake. The one difference from
the runner: the stand-in listens on a free port, so PGPORT is set (Lakebase's is 5432).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from databricks.sdk import WorkspaceClient

from fake_workspace.reference import ALICE, APP_SP, LAKEBASE, LAKEBASE_ENDPOINT
from suite_environment import FLAVOUR_TITLES
from tests.harness.backends import UNREACHABLE_POSTGRES, ensure_login_role, libpq_url
from tests.harness.lakebase_standin import LakebaseStandIn
from tests.harness.live_database import RUN_PREFIX
from tests.rehearsal.verdicts import (
    Probe,
    Verdict,
    judge,
    parse_fake_summary,
    requests_answered,
)

ROOT = Path(__file__).resolve().parents[2]
REPORTS = ROOT / "coverage"
CONFIGURED_DATABASE = "app_production"
PYTHON = "3.11"
# The release job's `lakebase` cell: its variables, with the fake and the stand-in behind them.
RELEASE_CELLS = {
    "autoscaling": f"integration-lakebase-autoscaling-{PYTHON}",
    "provisioned": f"integration-lakebase-provisioned-{PYTHON}",
}
# What the suite may read from the shell that the release runner does not set.
_CLEARED = ("TEST_", "DATABASE_URL", "PG", "LAKEBASE_", "DATABRICKS_", "LIVE_", "COVERAGE_")
PRODUCTION_ROWS = (
    ("production-user", "theme", '"dark"'),
    ("production-user", "catalog.default", '"main"'),
    ("another-user", "page_size", "50"),
)
FAKE_START_SECONDS = 60
# Live runs that end badly on purpose, and how pytest must end them: failed, interrupted.
PROBES = (
    ("a failing run", "test_a_run_that_fails", 1),
    ("an interrupted run", "test_a_run_that_is_interrupted", 2),
)


@dataclass(frozen=True)
class Rehearsal:
    flavour: str
    verdicts: list[Verdict]
    requests: int
    shapes: int
    log: Path

    @property
    def passed(self) -> bool:
        return all(v.passed for v in self.verdicts)


def rehearse(flavour: str, scratch: Path) -> Rehearsal:
    """One flavour's cell, start to finish, in `scratch`."""
    with LakebaseStandIn() as standin:
        admin = _configured_database(standin)
        rows_before = _rows(admin)
        with _fake_workspace(admin, scratch / f"fake-{flavour}.log") as (ready, fake_log):
            checkout = _copy_checkout(scratch / f"checkout-{flavour}")
            env = release_env(flavour, ready, standin)
            cell_log = scratch / f"cell-{flavour}.log"
            exit_code = _run_cell(RELEASE_CELLS[flavour], checkout, env, cell_log)
            cell_requests = requests_answered(fake_log.read_text(errors="replace"))
            migrations_exit = (
                _run_cell_command(["-m", "tests.rehearsal", "migrations"], env, cell_log)
                if flavour == "autoscaling"
                else None
            )
            left = _left_behind(admin, ready)
            probes = [
                _probe(name, test, expected, flavour, env, cell_log, admin, ready)
                for name, test, expected in PROBES
            ]
        rows_after = _rows(admin)
    output = cell_log.read_text(errors="replace")
    fake = parse_fake_summary(fake_log.read_text(errors="replace"))
    verdicts = judge(
        exit_code=exit_code,
        output=output,
        rows_before=rows_before,
        rows_after=rows_after,
        left_behind=left,
        fake=fake,
        migrations_exit=migrations_exit,
        probes=probes,
    )
    shapes = _shapes_recorded(checkout)
    return Rehearsal(flavour, verdicts, cell_requests, shapes, cell_log)


def release_env(flavour: str, ready: Mapping[str, Any], standin: LakebaseStandIn) -> dict[str, str]:
    """The release job's `lakebase` cell environment (.github/workflows/release.yml), its
    workspace the fake and its database the stand-in."""
    target = (
        {"LAKEBASE_ENDPOINT": LAKEBASE_ENDPOINT.name}
        if flavour == "autoscaling"
        else {"LAKEBASE_INSTANCE_NAME": LAKEBASE.name}
    )
    return {
        **_plain_env(),
        **target,
        "LAKEBASE_REQUIRED": "1",
        "DATABRICKS_HOST": ready["base_url"],
        "DATABRICKS_TOKEN": ALICE.token,
        "DATABRICKS_CLIENT_ID": ready["app_client_id"],
        "DATABRICKS_CLIENT_SECRET": ready["app_client_secret"],
        "DATABRICKS_WAREHOUSE_ID": ready["warehouse_id"],
        "PGHOST": standin.host,
        "PGPORT": str(standin.port),
        "PGDATABASE": CONFIGURED_DATABASE,
        "PGUSER": APP_SP.application_id,
        "LIVE_CATALOG": "main",
        "LIVE_SCHEMA": "sales",
        "LIVE_TABLE": "orders",
        "LIVE_ENDPOINT": "fraud-detector",
        # Nothing listens there: a test that reaches for a local server fails, as on the runner.
        "TEST_POSTGRES_URL": UNREACHABLE_POSTGRES,
    }


def _configured_database(standin: LakebaseStandIn) -> str:
    """The database the `lakebase` environment names: migrated, holding production's rows."""
    with psycopg.connect(libpq_url(standin.admin_url), autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{CONFIGURED_DATABASE}"')
    admin = standin.admin_url.rsplit("/", 1)[0] + f"/{CONFIGURED_DATABASE}"
    subprocess.run(
        [sys.executable, "-m", "alembic", "upgrade", "head"],
        cwd=ROOT,
        env={**_plain_env(), "DATABASE_URL": admin},
        check=True,
    )
    ensure_login_role(standin.admin_url, APP_SP.application_id, CONFIGURED_DATABASE)
    with psycopg.connect(libpq_url(admin), autocommit=True) as conn:
        for user, key, value in PRODUCTION_ROWS:
            conn.execute(
                "INSERT INTO user_preferences (user_name, key, value, created_at, updated_at) "
                "VALUES (%s, %s, %s, now(), now())",
                (user, key, value),
            )
    return admin


def _rows(admin: str) -> list[tuple[object, ...]]:
    with psycopg.connect(libpq_url(admin)) as conn:
        return list(
            conn.execute(
                "SELECT user_name, key, value::text, created_at, updated_at "
                "FROM public.user_preferences ORDER BY user_name, key"
            )
        )


@contextmanager
def _fake_workspace(admin: str, log: Path) -> Iterator[tuple[dict[str, Any], Path]]:
    """`python -m fake_workspace` backing branches with the stand-in; stopped with SIGINT, so
    it prints its summary line last."""
    ready_file = log.with_suffix(".json")
    ready_file.unlink(missing_ok=True)
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "fake_workspace",
                "--port",
                "0",
                "--postgres",
                admin,
                "--ready-file",
                str(ready_file),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=_plain_env(),
        )
        try:
            deadline = time.monotonic() + FAKE_START_SECONDS
            while not ready_file.exists():
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the fake workspace did not start: {log}")
                time.sleep(0.1)
            yield json.loads(ready_file.read_text()), log
        finally:
            process.send_signal(signal.SIGINT)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _copy_checkout(target: Path) -> Path:
    """The tracked files as they are in the working tree: a fresh runner's checkout, with the
    change under test, and a `.nox` and `coverage/` of its own."""
    files = (
        subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, check=True, capture_output=True)
        .stdout.decode()
        .split("\0")
    )
    shutil.rmtree(target, ignore_errors=True)
    for name in filter(None, files):
        source = ROOT / name
        if source.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def _run_cell(cell: str, checkout: Path, env: dict[str, str], log: Path) -> int:
    """`nox -s <cell>`, as the release job's step runs it; its output to `log` and ours."""
    return _run_cell_command(["-m", "nox", "-s", cell], env, log, cwd=checkout, mode="w")


def _run_cell_command(
    args: list[str], env: dict[str, str], log: Path, *, cwd: Path = ROOT, mode: str = "a"
) -> int:
    """`python ARGS` in `cwd`; its output appended to `log` and shown."""
    with log.open(mode) as out:
        process = subprocess.Popen(
            [sys.executable, *args],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert process.stdout is not None
        for line in process.stdout:
            out.write(line)
            print(f"  | {line}", end="", flush=True)
        return process.wait()


def _probe(
    name: str,
    test: str,
    expected: int,
    flavour: str,
    env: dict[str, str],
    log: Path,
    admin: str,
    ready: Mapping[str, Any],
) -> Probe:
    """One bad ending: the probe test alone, live, then what it left."""
    args = [
        "-m",
        "pytest",
        f"tests/rehearsal/probe_live_run.py::{test}",
        "--db=lakebase",
        f"--lakebase-flavour={flavour}",
        "-p",
        "no:randomly",
        "-p",
        "no:cacheprovider",
    ]
    exit_code = _run_cell_command(args, {**env, "TEST_MODE": "live"}, log)
    return Probe(name, exit_code, expected, _left_behind(admin, ready))


def _left_behind(admin: str, ready: Mapping[str, Any]) -> list[str]:
    """Branches, databases and schemas a run made that are still there."""
    workspace = WorkspaceClient(host=ready["base_url"], token=ALICE.token, auth_type="pat")
    project = LAKEBASE_ENDPOINT.branch_name.rsplit("/branches/", 1)[0]
    left = [
        f"branch {b.name}"
        for b in workspace.postgres.list_branches(parent=project)
        if b.name and b.name.rsplit("/", 1)[1].startswith(f"{RUN_PREFIX}-")
    ]
    server = admin.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(libpq_url(server)) as conn:
        databases = [
            name
            for (name,) in conn.execute("SELECT datname FROM pg_database")
            if name.startswith(CONFIGURED_DATABASE) and name != CONFIGURED_DATABASE
        ]
    with psycopg.connect(libpq_url(admin)) as conn:
        schemas = [
            name
            for (name,) in conn.execute("SELECT nspname FROM pg_namespace")
            if name.startswith(f"{RUN_PREFIX}_")
        ]
    return (
        left + [f"database {name}" for name in databases] + [f"schema {name}" for name in schemas]
    )


def _shapes_recorded(checkout: Path) -> int:
    """Distinct route x status shapes the live cell recorded (its books under coverage/)."""
    keys: set[str] = set()
    for book in (checkout / "coverage" / "shapes" / "live").glob("*.json"):
        keys.update(json.loads(book.read_text()))
    return len(keys)


def _plain_env() -> dict[str, str]:
    """This shell's environment without what the release runner does not set."""
    return {k: v for k, v in os.environ.items() if not k.startswith(_CLEARED)}


def report(rehearsals: list[Rehearsal]) -> str:
    lines = ["# Rehearsal of the release job's live Lakebase cell", ""]
    lines += ["`nox -s rehearse-live`: the fake workspace and a Lakebase stand-in, offline.", ""]
    for r in rehearsals:
        title = FLAVOUR_TITLES[r.flavour]
        lines.append(f"## {title}: {'passed' if r.passed else 'FAILED'}")
        lines.append("")
        lines.append(
            f"- the cell: {r.requests} requests to the workspace, {r.shapes} distinct "
            "route x status shapes recorded"
        )
        lines += [f"- {'ok' if v.passed else 'FAILED'}: {v.name} ({v.detail})" for v in r.verdicts]
        lines.append("")
    return "\n".join(lines)


def main(flavours: list[str]) -> int:
    scratch = Path(tempfile.mkdtemp(prefix="rehearse-live-"))
    rehearsals = [rehearse(flavour, scratch) for flavour in flavours]
    text = report(rehearsals)
    REPORTS.mkdir(exist_ok=True)
    (REPORTS / "rehearse-live.md").write_text(text)
    print(text)
    if all(r.passed for r in rehearsals):
        shutil.rmtree(scratch, ignore_errors=True)
        return 0
    print(f"logs kept in {scratch}", file=sys.stderr)
    return 1
