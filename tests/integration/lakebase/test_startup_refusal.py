"""`uvicorn server.app:app`, as Databricks Apps runs it, refuses a Lakebase configuration that
cannot work: it exits at start-up with one line naming the variables, not a traceback. The
same module attribute read in-process: that line, or one app built once from the environment."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest

from server.config import Settings, get_settings

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


@pytest.fixture
def app_module(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    """`server.app` as uvicorn imports it, with no app built yet and the environment holding
    none of the app's variables (a test sets its own); the settings are read afresh."""
    module = importlib.import_module("server.app")
    monkeypatch.setattr(module, "_default_app", None)
    for name in Settings.model_fields:
        monkeypatch.delenv(name.upper(), raising=False)
    get_settings.cache_clear()
    yield module
    get_settings.cache_clear()


def test_the_module_attribute_refuses_in_process_with_the_same_line(
    app_module: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in {**PG, "LAKEBASE_ENDPOINT": "projects/p/branches/b"}.items():
        monkeypatch.setenv(name, value)

    with pytest.raises(SystemExit) as stopped:
        _ = app_module.app

    message = str(stopped.value)
    assert message.startswith("the app cannot start: invalid configuration: LAKEBASE_ENDPOINT=")
    assert "projects/<project>/branches/<branch>/endpoints/<endpoint>" in message
    assert stopped.value.__cause__ is None
    assert stopped.value.__suppress_context__


def test_the_module_attribute_is_one_app_built_from_the_environment(
    app_module: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABRICKS_HOST", "adb-1.azuredatabricks.net")

    first = app_module.app

    assert app_module.app is first
    assert first.title == "Databricks App backend"
    assert get_settings().databricks_host == "https://adb-1.azuredatabricks.net"
    with pytest.raises(AttributeError, match="application"):
        _ = app_module.application
