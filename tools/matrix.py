"""The matrix axes (the default first) and which cells this machine can run."""

from __future__ import annotations

PYTHONS = ["3.11", "3.12", "3.13", "3.14"]
# Cells on these are skipped, with a message, where the interpreter is missing, even with CI
# set: GitHub's runners install them, and a machine that cannot must still pass plain `nox`.
OPTIONAL_PYTHONS = {"3.14"}
BACKENDS = ["sqlite", "postgres", "lakebase"]
LOCAL_BACKENDS = ["sqlite", "postgres"]  # need no workspace: what a bare `nox` runs
WHERE = {
    "sqlite": "SQLite (in-process)",
    "postgres": "a database per worker on $TEST_POSTGRES_URL",
    "lakebase": "the Lakebase path, offline on a local stand-in or live (TEST_MODE=live)",
}


def optional_python_missing(python: str) -> bool:
    """An optional Python that nox's own interpreter discovery cannot find here."""
    if python not in OPTIONAL_PYTHONS:
        return False
    from python_discovery import get_interpreter  # nox's dependency: what nox itself asks

    return get_interpreter(python) is None
