"""Sandboxes for testing the automation: throwaway clones of this repository.

A sandbox is a temporary git clone whose automation files (noxfile, tools, pyproject,
requirements, coverage targets, workflows) are taken from the working tree, so uncommitted
changes are what gets tested, and whose `server/` is replaced by a tiny package: the gates are
then exercised on code whose coverage the test controls. Nested `nox` runs share one
`--envdir`, so each session's virtualenv is built once per test run.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

# What the sandbox takes from the working tree rather than from the last commit.
OVERLAY = (
    "noxfile.py",
    "suite_environment.py",
    "tools",
    "pyproject.toml",
    ".gitignore",
    "README.md",
    "requirements",
    "coverage/targets.toml",
    ".github/workflows",
    ".github/dependabot.yml",
    ".ci",
)

# A hang guard, not a time limit: no verdict here may depend on how fast or busy the machine is,
# so a nested run (git, pytest, `nox -s ...`) is stopped only when it has clearly hung. Measured
# on this project's 2-core machines, the slowest nested run took 13 s (`nox -s mutation`, load
# 4; 9 s with uv's cache and the nox environments starting empty, a cold `nox -s lint` 7 s), the
# whole `nox -s automation` about a minute: ten minutes is more than forty times the slowest.
HANG_GUARD_SECONDS = 600

GIT_ENV = {
    "GIT_AUTHOR_NAME": "automation-test",
    "GIT_AUTHOR_EMAIL": "automation-test@example.invalid",
    "GIT_COMMITTER_NAME": "automation-test",
    "GIT_COMMITTER_EMAIL": "automation-test@example.invalid",
    "GIT_CONFIG_NOSYSTEM": "1",
}


def clean_env(**extra: str) -> dict[str, str]:
    """The environment for nested tools: none of this run's coverage/pytest/nox settings."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("COVERAGE_", "PYTEST_", "NOX_", "LAKEBASE_", "DATABRICKS_", "PG"))
        and key not in {"VIRTUAL_ENV", "TEST_MODE"}
    }
    env.update(GIT_ENV)
    env.update(extra)
    return env


def run(
    args: list[str], cwd: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args,
        cwd=cwd,
        env=env if env is not None else clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=HANG_GUARD_SECONDS,
        check=False,
    )


@dataclass
class Sandbox:
    path: Path
    envdir: Path

    def git(self, *args: str) -> str:
        result = run(["git", "-c", "commit.gpgsign=false", *args], cwd=self.path)
        assert result.returncode == 0, result.stdout
        return result.stdout

    def write(self, relative: str, text: str) -> Path:
        target = self.path / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
        return target

    def commit(self, message: str) -> None:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)

    def nox(self, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        """Run the sandbox's noxfile; a session's virtualenv is reused across tests."""
        command = [sys.executable, "-m", "nox", "--envdir", str(self.envdir), *args]
        return run(command, cwd=self.path, env=clean_env(**env))

    def measure(
        self, tests: str, data_name: str, cwd: Path | None = None, context: str = ""
    ) -> None:
        """Run pytest under coverage, writing coverage/.coverage.<data_name>.* in the sandbox;
        `context` is the static context recorded, as a cell records `py<python>-<backend>`."""
        data_file = self.path / "coverage" / f".coverage.{data_name}"
        data_file.parent.mkdir(exist_ok=True)
        result = run(
            [
                sys.executable,
                "-m",
                "coverage",
                "run",
                "-m",
                "pytest",
                tests,
                "-q",
                "-p",
                "no:randomly",
                "-p",
                "no:cacheprovider",
            ],
            cwd=cwd or self.path,
            env=clean_env(COVERAGE_FILE=str(data_file), COVERAGE_CONTEXT=context),
        )
        assert result.returncode == 0, result.stdout

    def coverage_json(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads((self.path / "coverage" / "coverage.json").read_text())
        return data


MINIMAL_SERVER = {
    "server/__init__.py": "",
    "server/routers/__init__.py": "",
    "server/services/__init__.py": "",
    # The one module of the app that the automation imports (tools/matrix.py: the flavours),
    # imported by every sandbox test run too, so the per-module gate sees it covered.
    "server/lakebase_flavours.py": (ROOT / "server" / "lakebase_flavours.py").read_text(),
    "tests/conftest.py": "import server.lakebase_flavours  # noqa: F401\n",
}


def make_sandbox(workdir: Path, envdir: Path) -> Sandbox:
    """Clone the repository into `workdir`, overlay the working tree's automation files, empty
    `server/`, `tests/` and `coverage/` (but its targets) and commit that as `main`."""
    path = workdir / "repo"
    result = run(["git", "clone", "-q", str(ROOT), str(path)], cwd=workdir)
    assert result.returncode == 0, result.stdout
    for relative in OVERLAY:
        source, target = ROOT / relative, path / relative
        if source.is_dir():
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(source, target)
        elif source.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    for folder in ("server", "tests", "coverage"):
        for child in (path / folder).glob("*"):
            if folder == "coverage" and child.name == "targets.toml":
                continue
            if child.is_dir():
                shutil.rmtree(child)
            else:
                child.unlink()
    box = Sandbox(path, envdir)
    for relative, text in MINIMAL_SERVER.items():
        box.write(relative, text)
    box.git("checkout", "-q", "-B", "main")
    box.commit("baseline: the automation with a minimal server package")
    return box
