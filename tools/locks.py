"""requirements/*.txt: how each file is compiled from pyproject.toml, and whether it is stale."""

from __future__ import annotations

import hashlib
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
    "fuzz": (True, "fuzz"),
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


def check_pip_installable(session: nox.Session) -> None:
    """Every requirements/*.txt resolves with plain pip in hash mode (as a Dockerfile or a user
    without uv installs it), not only with uv. `--dry-run` resolves and checks every hash
    without installing, so one fresh venv serves for all the files."""
    with tempfile.TemporaryDirectory() as tmp:
        session.run("python", "-m", "venv", tmp, silent=True)
        pip = str(Path(tmp) / "bin" / "pip")
        for name in LOCKS:
            session.run(
                pip, "install", "--dry-run", "--quiet", "--disable-pip-version-check",
                "--require-hashes", "-r", f"requirements/{name}.txt",
                external=True, silent=True,
            )  # fmt: skip
    session.log("every file in requirements/ installs with pip --require-hashes")


def _fingerprint(session: nox.Session) -> str:
    """What the lock check depends on: pyproject.toml, every pinned file, and uv's version."""
    digest = hashlib.sha256()
    for path in [ROOT / "pyproject.toml", *sorted(REQUIREMENTS.glob("*.txt"))]:
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(str(session.run("uv", "--version", silent=True)).encode())
    return digest.hexdigest()


def _stamp(session: nox.Session) -> Path:
    return Path(session.virtualenv.location) / "locks-checked"


def pending_check(session: nox.Session) -> str | None:
    """The fingerprint of what the lock check reads, or None when the check already passed for
    exactly that (warm runs skip it). Pass it to `record_check` once the check passes."""
    fingerprint = _fingerprint(session)
    stamp = _stamp(session)
    if stamp.exists() and stamp.read_text() == fingerprint:
        return None
    return fingerprint


def record_check(session: nox.Session, fingerprint: str) -> None:
    _stamp(session).write_text(fingerprint)
