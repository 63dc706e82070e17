"""The matrix axes (the default first), the cells they make, and which this machine can run.

The one list of Python versions: noxfile.py registers its cells from it, and the workflows read
it from `python -m tools.matrix` (a job's outputs, then `fromJSON`) rather than repeating it.
The databases (`--db` values) come from suite_environment.DATABASES and the Lakebase flavours
from server/lakebase_flavours.py; a cell's backend is a database, or Lakebase and a flavour.
"""

from __future__ import annotations

import json

from server.lakebase_flavours import LAKEBASE_FLAVOURS
from suite_environment import DATABASES

PYTHONS = ["3.11", "3.12", "3.13", "3.14"]
# Cells on these are skipped, with a message, where the interpreter is missing, even with CI
# set: GitHub's runners install them, and a machine that cannot must still pass plain `nox`.
OPTIONAL_PYTHONS = {"3.14"}
# What must run everywhere, e.g. the release's live Lakebase cells (one workspace, in turn).
REQUIRED_PYTHONS = [python for python in PYTHONS if python not in OPTIONAL_PYTHONS]
# Coverage is measured in this Python's cells only (the one Databricks Apps runs): the code is
# the same on every Python (server/ has no version-dependent branch), so the other cells would
# record the same lines at 2-3x the CPU of a bare run; they check that the suite passes there.
COVERAGE_PYTHON = PYTHONS[0]
# A cell's backend -> the Lakebase flavour it runs (`lakebase-autoscaling`: an endpoint, every
# database created since March 2026; `lakebase-provisioned`: a database instance).
LAKEBASE_CELLS = {f"lakebase-{flavour}": flavour for flavour in LAKEBASE_FLAVOURS}
# sqlite, postgres, lakebase-autoscaling, lakebase-provisioned: what `integration-<backend>-<py>`
# names, and what each cell's coverage context records (tools/coverage_gate.py).
BACKENDS = [*(db for db in DATABASES if db != "lakebase"), *LAKEBASE_CELLS]
LOCAL_BACKENDS = [db for db in BACKENDS if db not in LAKEBASE_CELLS]  # need no workspace
WHERE = {
    "sqlite": "SQLite (in-process)",
    "postgres": "a database per worker on $TEST_POSTGRES_URL",
    "lakebase-autoscaling": "Lakebase Autoscaling (an endpoint), offline on a stand-in or live",
    "lakebase-provisioned": "Lakebase Provisioned (an instance), offline on a stand-in or live",
}
# Tests whose answer does not depend on the database: they run once per Python, in the SQLite
# cells, not in every backend's (tools/tests/test_matrix_split.py checks that none of them asks
# for a database). Paths relative to the repository; every other test under tests/ runs on
# each backend.
BACKEND_INDEPENDENT = (
    "tests/unit",
    "tests/contract",
    "tests/soak/test_verdicts.py",
    "tests/rehearsal/test_verdicts.py",
)
# The backend whose cells run them: every Python has a SQLite cell, and SQLite is the cheapest.
INDEPENDENT_TESTS_BACKEND = "sqlite"
# Those cells run them as a pytest run of its own, under the coverage context `py<python>-any`,
# which every backend's coverage gate counts as its own (tools/coverage_gate.py).
ANY_BACKEND = "any"


def suite_args(backend: str) -> tuple[str, ...]:
    """How a backend's cells choose it: `--db`, and for Lakebase its flavour."""
    flavour = LAKEBASE_CELLS.get(backend)
    if flavour is None:
        return (f"--db={backend}",)
    return ("--db=lakebase", f"--lakebase-flavour={flavour}")


def github_outputs() -> str:
    """The Python axes as `name=JSON` lines for $GITHUB_OUTPUT: `all`, `required`, and
    `coverage`, the Python whose cells measure coverage."""
    return (
        f"all={json.dumps(PYTHONS)}\nrequired={json.dumps(REQUIRED_PYTHONS)}\n"
        f"coverage={COVERAGE_PYTHON}\n"
    )


def optional_python_missing(python: str) -> bool:
    """An optional Python that nox's own interpreter discovery cannot find here."""
    if python not in OPTIONAL_PYTHONS:
        return False
    from python_discovery import get_interpreter  # nox's dependency: what nox itself asks

    return get_interpreter(python) is None


if __name__ == "__main__":
    print(github_outputs(), end="")
