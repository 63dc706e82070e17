"""Rehearse a deployment's migrations on a copy of production before deploying them.

`nox -s rehearse-migrations`, with the live variables of the `lakebase` environment (the
workspace, the runner's token, the app's service principal, LAKEBASE_ENDPOINT and the PG*
variables of the production database): branches the endpoint's branch (a copy-on-write copy of
production's data, with a time to live), runs `alembic upgrade head` on the copy as the app's
service principal, starts the app against it (`uvicorn server.app:app`, as app.yaml does) until
`/ready` answers 200, writes what it did to `coverage/rehearse-migrations.md`, and deletes the
branch whatever happened. Production's own branch is only read. Lakebase Autoscaling only:
Provisioned has no branches.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path

import httpx

from tests.harness.live_database import OwnDatabase, branch_of_endpoint, runner_workspace
from tests.harness.ports import free_loopback_port

ROOT = Path(__file__).resolve().parents[2]
REPORT = ROOT / "coverage" / "rehearse-migrations.md"
READY_SECONDS = 120
# What it reads: the workspace as the runner (to branch) and as the app (to mint and connect).
REQUIRED = (
    "DATABRICKS_HOST",
    "DATABRICKS_TOKEN",
    "DATABRICKS_CLIENT_ID",
    "DATABRICKS_CLIENT_SECRET",
    "LAKEBASE_ENDPOINT",
    "PGDATABASE",
    "PGUSER",
)
# The app's own variables: what Databricks Apps would inject, pointed at the branch.
_APP_VARIABLES = (
    "DATABRICKS_HOST",
    "DATABRICKS_CLIENT_ID",
    "DATABRICKS_CLIENT_SECRET",
    "DATABRICKS_WAREHOUSE_ID",
    "PGPORT",
    "PGUSER",
    "PGSSLMODE",
)


def app_env(env: Mapping[str, str], own: OwnDatabase) -> dict[str, str]:
    """The app's environment on the branch: the injected variables, the branch's host,
    database and endpoint instead of production's, and nothing of the runner's token."""
    base = {k: v for k, v in env.items() if not k.startswith(("PG", "LAKEBASE_", "DATABRICKS_"))}
    app = {k: env[k] for k in _APP_VARIABLES if env.get(k)}
    branch = {
        "PGHOST": own.values["pghost"],
        "PGDATABASE": own.values["pgdatabase"],
        "LAKEBASE_ENDPOINT": own.values["lakebase_endpoint"],
    }
    return {**base, **app, **branch}


def _run(
    args: list[str], env: Mapping[str, str], lines: list[str]
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(args, cwd=ROOT, env=dict(env), capture_output=True, text=True)
    lines += [f"$ {' '.join(args)}", "```", (done.stdout + done.stderr).strip(), "```", ""]
    return done


def _serve_until_ready(env: Mapping[str, str], lines: list[str]) -> bool:
    port = free_loopback_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "server.app:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--no-access-log",
        ],
        cwd=ROOT,
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + READY_SECONDS
        while time.monotonic() < deadline and server.poll() is None:
            try:
                ready = httpx.get(f"http://127.0.0.1:{port}/ready", timeout=5)
            except httpx.TransportError:
                ready = None
            if ready is not None and ready.status_code == 200:
                lines.append(f"`GET /ready` answered 200: `{ready.text}`")
                return True
            time.sleep(0.5)
        lines.append(f"`GET /ready` never answered 200 within {READY_SECONDS} s")
        return False
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
        lines += ["", "The app's output:", "```", output.strip(), "```", ""]


async def rehearse(env: Mapping[str, str]) -> tuple[bool, list[str]]:
    """Branch, upgrade, serve, delete; (passed, the report's lines)."""
    own = await branch_of_endpoint(
        runner_workspace(env), env["LAKEBASE_ENDPOINT"], env["PGDATABASE"]
    )
    lines = ["# Migration rehearsal", "", f"Created {own.what}.", ""]
    try:
        on_branch = app_env(env, own)
        before = _run([sys.executable, "-m", "alembic", "current"], on_branch, lines)
        upgraded = _run([sys.executable, "-m", "alembic", "upgrade", "head"], on_branch, lines)
        passed = before.returncode == 0 and upgraded.returncode == 0
        if passed:
            _run([sys.executable, "-m", "alembic", "current"], on_branch, lines)
            passed = _serve_until_ready(on_branch, lines)
    finally:
        await own.remove_once()
        lines.append(f"Deleted {own.what}.")
    lines.insert(
        2,
        f"**{'Passed' if passed else 'FAILED'}**: `alembic upgrade head` on a branch "
        "of production, then the app until `/ready`.",
    )
    return passed, lines


def main() -> int:
    missing = [name for name in REQUIRED if not os.environ.get(name, "").strip()]
    if missing:
        print(
            "rehearse-migrations needs the live Lakebase Autoscaling variables; missing: "
            + ", ".join(missing),
            file=sys.stderr,
        )
        return 2
    passed, lines = asyncio.run(rehearse(os.environ))
    REPORT.parent.mkdir(exist_ok=True)
    REPORT.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0 if passed else 1
