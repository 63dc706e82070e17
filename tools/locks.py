"""requirements/*.txt: how each file is compiled from pyproject.toml, and whether it is stale."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import nox

from tools.suite import ROOT

REQUIREMENTS = ROOT / "requirements"
# --universal + the lowest supported Python: the pins are valid on every supported Python.
LOCK_PYTHON = "3.11"

# One pinned file per purpose: name -> (include the project's own dependencies?, group).
LOCKS: dict[str, tuple[bool, str]] = {
    "test": (True, "test"),
    "types": (True, "types"),
    "lint": (False, "lint"),
    "coverage": (False, "coverage"),
    "nox": (False, "nox"),
    "automation": (False, "automation"),
    "mutation": (True, "mutation"),
}


def compile_args(name: str, output: Path) -> list[str]:
    """`uv pip compile` for one file; existing pins in `output` are kept where still allowed."""
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
        "--universal",
        "--python-version",
        LOCK_PYTHON,
        "--custom-compile-command",
        "nox -s lock",
        "--quiet",
        "-o",
        str(output),
    ]


def stale_locks(session: nox.Session) -> list[str]:
    """The files that re-resolving against pyproject.toml (pins preferred) would change."""
    stale = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in LOCKS:
            committed = REQUIREMENTS / f"{name}.txt"
            fresh = Path(tmp) / f"{name}.txt"
            if committed.exists():
                shutil.copyfile(committed, fresh)
            session.run(*compile_args(name, fresh), silent=True)
            if not committed.exists() or committed.read_text() != fresh.read_text():
                stale.append(str(committed.relative_to(ROOT)))
    return stale
