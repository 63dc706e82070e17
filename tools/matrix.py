"""The matrix axes (the default first) and which cells this machine can run.

The one list of Python versions: noxfile.py registers its cells from it, and the workflows read
it from `python -m tools.matrix` (a job's outputs, then `fromJSON`) rather than repeating it.
"""

from __future__ import annotations

import json

PYTHONS = ["3.11", "3.12", "3.13", "3.14"]
# Cells on these are skipped, with a message, where the interpreter is missing, even with CI
# set: GitHub's runners install them, and a machine that cannot must still pass plain `nox`.
OPTIONAL_PYTHONS = {"3.14"}
# What must run everywhere, e.g. the release's live Lakebase cells (one workspace, in turn).
REQUIRED_PYTHONS = [python for python in PYTHONS if python not in OPTIONAL_PYTHONS]
# `lakebase` is Lakebase Autoscaling (every database created since March 2026),
# `lakebase-provisioned` a Provisioned database instance.
BACKENDS = ["sqlite", "postgres", "lakebase", "lakebase-provisioned"]
LOCAL_BACKENDS = ["sqlite", "postgres"]  # need no workspace: what a bare `nox` runs
LAKEBASE_FLAVOURS = {"lakebase": "autoscaling", "lakebase-provisioned": "provisioned"}
WHERE = {
    "sqlite": "SQLite (in-process)",
    "postgres": "a database per worker on $TEST_POSTGRES_URL",
    "lakebase": "Lakebase Autoscaling (an endpoint), offline on a local stand-in or live",
    "lakebase-provisioned": "Lakebase Provisioned (an instance), offline on a stand-in or live",
}


def suite_args(backend: str) -> tuple[str, ...]:
    """How a backend's cells choose it: `--db`, and for Lakebase its flavour."""
    flavour = LAKEBASE_FLAVOURS.get(backend)
    if flavour is None:
        return (f"--db={backend}",)
    return ("--db=lakebase", f"--lakebase-flavour={flavour}")


def github_outputs() -> str:
    """The Python axes as `name=JSON` lines for $GITHUB_OUTPUT: `all` and `required`."""
    return f"all={json.dumps(PYTHONS)}\nrequired={json.dumps(REQUIRED_PYTHONS)}\n"


def optional_python_missing(python: str) -> bool:
    """An optional Python that nox's own interpreter discovery cannot find here."""
    if python not in OPTIONAL_PYTHONS:
        return False
    from python_discovery import get_interpreter  # nox's dependency: what nox itself asks

    return get_interpreter(python) is None


if __name__ == "__main__":
    print(github_outputs(), end="")
