"""`uvicorn server.app:app`, as Databricks Apps runs it, refuses a Lakebase configuration that
cannot work: it exits at start-up with one line naming the variables, not a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
# Only bounds a broken run on a saturated machine: a refusal takes about a second.
START_SECONDS = 120
PG = {"PGHOST": "instance.example.com", "PGDATABASE": "databricks_postgres", "PGUSER": "sp"}


def start_app(**variables: str) -> subprocess.CompletedProcess[str]:
    """uvicorn on the app module with only `variables` (and PATH) in its environment."""
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONDONTWRITEBYTECODE": "1", **variables}
    return subprocess.run(
        [sys.executable, "-m", "uvicorn", "server.app:app", "--host", "127.0.0.1", "--port", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=START_SECONDS,
        check=False,
    )


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        pytest.param(
            {
                **PG,
                "LAKEBASE_ENDPOINT": "projects/p/branches/b/endpoints/e",
                "LAKEBASE_INSTANCE_NAME": "x",
            },
            ("LAKEBASE_ENDPOINT", "LAKEBASE_INSTANCE_NAME"),
            id="both-flavours",
        ),
        pytest.param(
            {**PG, "LAKEBASE_ENDPOINT": "projects/p/branches/b"},
            ("LAKEBASE_ENDPOINT", "projects/<project>/branches/<branch>/endpoints/<endpoint>"),
            id="a-branch-not-an-endpoint",
        ),
    ],
)
def test_uvicorn_exits_at_start_up_with_one_line_naming_the_variables(
    variables: dict[str, str], named: tuple[str, ...]
) -> None:
    result = start_app(**variables)

    assert result.returncode == 1, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("the app cannot start: invalid configuration: ")
    for name in named:
        assert name in line
    assert "Traceback" not in result.stderr
