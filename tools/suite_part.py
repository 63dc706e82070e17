"""A pytest plugin (`-p tools.suite_part`): `--suite-part=backend` keeps the tests whose answer
may depend on the chosen database, `--suite-part=any` the others, which the SQLite cells alone
run (once per Python) instead of every backend's cells.

A test is backend-independent when it lives under one of tools/matrix.py's BACKEND_INDEPENDENT
paths, asks (directly or through its fixtures) for none of the fixtures that hand out the
chosen backend, and carries no marker that skips it on SQLite. So a test there that starts
using the database runs in every cell again without anyone having to notice.
"""

from __future__ import annotations

import pytest

# The `--db` choice itself, and the database and app fixtures built on it.
BACKEND_FIXTURES = frozenset(
    {"chosen_backend", "database", "run_database", "app_tables", "client", "client_factory"}
)
# Markers that skip a test unless the backend is PostgreSQL or Lakebase.
BACKEND_MARKERS = frozenset({"postgres_only", "lakebase_only", "postgres_server"})
PARTS = ("backend", "any")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--suite-part",
        choices=PARTS,
        default=None,
        help="only the tests that may depend on the database (backend), or only the others (any)",
    )


def backend_independent(item: pytest.Item) -> bool:
    # Imported here, not when the plugin loads: tools.matrix imports the app's
    # server/lakebase_flavours.py, which coverage must see imported once it measures.
    from tools.matrix import BACKEND_INDEPENDENT

    path = item.path.relative_to(item.config.rootpath).as_posix()
    return (
        any(path == p or path.startswith(f"{p}/") for p in BACKEND_INDEPENDENT)
        # pytest's own closure: what the test asks for, directly or through its fixtures.
        and not set(getattr(item, "fixturenames", ())) & BACKEND_FIXTURES
        and not {mark.name for mark in item.iter_markers()} & BACKEND_MARKERS
    )


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    part = config.getoption("suite_part")
    if part is None:
        return
    keep: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        (keep if backend_independent(item) == (part == "any") else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = keep
