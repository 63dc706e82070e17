"""requirements/*.txt: how `nox -s lock` compiles each file from pyproject.toml, whether the
committed files are what it would write (decided from uv's cache, without the network, whenever
the cache can), and whether plain pip installs each of them (that one asks the index)."""

from __future__ import annotations

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
    "automation": (True, "automation"),  # its dev-server test runs the app
    "fuzz": (True, "fuzz"),
    "mutation": (True, "mutation"),
    "soak": (True, "soak"),
}
# A comment uv never writes: a compile that fails leaves its output file as it was, and this
# line then tells that apart from a compile that reproduced the committed file.
NOT_COMPILED = "# (not compiled)\n"


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
    """The files that `nox -s lock` would change: each is compiled again, its own pins
    preferred, first with `--offline` from uv's cache (no request at all). A file the cache
    reproduces byte for byte is up to date. Only one it does not - the cache lacks a package
    or a version the file pins, or the file is stale - is compiled again against the index,
    which also fills the cache, so the next run decides offline."""
    stale = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in LOCKS:
            committed = REQUIREMENTS / f"{name}.txt"
            fresh = Path(tmp) / f"{name}.txt"
            if _reproduces(session, name, committed, fresh, offline=True):
                continue
            session.log(f"{name}.txt: not reproduced from uv's cache; compiling against the index")
            if not _reproduces(session, name, committed, fresh, offline=False):
                stale.append(str(committed.relative_to(ROOT)))
    return stale


def _reproduces(
    session: nox.Session, name: str, committed: Path, fresh: Path, *, offline: bool
) -> bool:
    """Whether compiling into a copy of `committed` (its pins preferred) leaves it unchanged.
    Offline, a compile that fails is an answer (the cache cannot decide), not an error."""
    text = committed.read_text() if committed.exists() else ""
    fresh.write_text(text + NOT_COMPILED)
    if offline:
        session.run(*compile_args(name, fresh), "--offline", silent=True, success_codes=[0, 1])
    else:
        session.run(*compile_args(name, fresh), silent=True)
    return committed.exists() and fresh.read_text() == text


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
