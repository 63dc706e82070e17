"""pytest plugin: which backend and workspace the run uses, checked before collection.

`--db` (or TEST_DB / TEST_DATABASE_URL) picks the storage backend, `--lakebase-flavour` which
Lakebase API the app mints credentials from (Autoscaling or Provisioned), TEST_MODE=live the
workspace (suite_environment.py). A backend that cannot work stops the run with a usage error
naming the fix; tests marked for another backend or for the fake only are skipped with a reason.
"""

from __future__ import annotations

import dataclasses

import pytest
from sqlalchemy.engine import make_url

from suite_environment import DATABASES, FLAVOUR_TITLES
from tests.harness.backends import (
    LAKEBASE_FLAVOURS,
    BackendChoice,
    BackendUnavailable,
    LakebaseFlavour,
    check_postgres,
    choose_backend,
)
from tests.harness.lakebase_fixtures import uses_standin
from tests.harness.lakebase_standin import LakebaseStandIn, StandInUnavailable, find_bindir
from tests.harness.lakebase_targets import APP_TARGETS, LakebaseTarget, live_lakebase_target
from tests.harness.live import is_live, missing_live_variables

_CHOICE = pytest.StashKey[BackendChoice]()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        action="store",
        default=None,
        choices=DATABASES,
        help="storage backend for the whole run (default: sqlite, or TEST_DB / TEST_DATABASE_URL)",
    )
    parser.addoption(
        "--lakebase-flavour",
        action="store",
        default=None,
        choices=LAKEBASE_FLAVOURS,
        help="with --db=lakebase: mint credentials for an Autoscaling endpoint or a Provisioned "
        "instance (default: the one LAKEBASE_ENDPOINT or LAKEBASE_INSTANCE_NAME names, else "
        "autoscaling)",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Fail fast, before collection, when the chosen backend or live mode cannot work."""
    try:
        choice = choose_backend(config.getoption("--db"), config.getoption("--lakebase-flavour"))
    except BackendUnavailable as exc:
        pytest.exit(str(exc), returncode=pytest.ExitCode.USAGE_ERROR)
    if is_live():
        missing = missing_live_variables(
            lakebase=choice.flavour if choice.name == "lakebase" else None
        )
        if missing:
            pytest.exit(
                "TEST_MODE=live needs these environment variables: " + ", ".join(missing),
                returncode=pytest.ExitCode.USAGE_ERROR,
            )
    if choice.name == "postgres":
        try:
            check_postgres(choice.url)
        except BackendUnavailable as exc:
            pytest.exit(str(exc), returncode=pytest.ExitCode.USAGE_ERROR)
    if uses_standin(choice):
        try:
            find_bindir()  # each worker starts its own stand-in later; fail before collecting
        except StandInUnavailable as exc:
            pytest.exit(str(exc), returncode=pytest.ExitCode.USAGE_ERROR)
    config.stash[_CHOICE] = choice


def pytest_report_header(config: pytest.Config) -> list[str]:
    choice = config.stash.get(_CHOICE, None)
    if choice is None:
        return []
    mode = "live workspace" if is_live() else "fake workspace"
    if choice.name == "lakebase":
        target = run_target(config)
        where = f"{FLAVOUR_TITLES[target.flavour]}, {target.variable}={target.name}"
        if uses_standin(choice):
            where += "; a stand-in per worker: SSL + tokens minted for it only"
    else:
        where = make_url(choice.url).render_as_string()
    return [f"backend: {choice.name} ({where}); {mode}"]


def run_target(config: pytest.Config) -> LakebaseTarget:
    """What the run's Lakebase credentials are minted for: the live variables' endpoint or
    instance, or the fake's seeded one of the chosen flavour."""
    flavour = config.stash[_CHOICE].flavour
    return live_lakebase_target(flavour) if is_live() else APP_TARGETS[flavour]


def exercised_flavours(config: pytest.Config) -> tuple[LakebaseFlavour, ...]:
    """The Lakebase flavours a test of the credential path can run with: the run's own on a
    Lakebase backend (its stand-in takes only that target's credentials), both elsewhere."""
    choice = config.stash[_CHOICE]
    return (choice.flavour,) if choice.name == "lakebase" else LAKEBASE_FLAVOURS


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    choice = config.stash[_CHOICE]
    live = is_live()
    for item in items:
        if live and item.get_closest_marker("fake_only"):
            item.add_marker(
                pytest.mark.skip(reason="needs the fake workspace (seeded data or faults)")
            )
        if live and item.get_closest_marker("postgres_server"):
            item.add_marker(
                pytest.mark.skip(
                    reason="creates databases on a local PostgreSQL server, which a live run "
                    "(the release runner) has none of"
                )
            )
        if choice.name == "sqlite" and item.get_closest_marker("postgres_only"):
            item.add_marker(
                pytest.mark.skip(reason="PostgreSQL-only behaviour (run with --db postgres)")
            )
        if choice.name != "lakebase" and item.get_closest_marker("lakebase_only"):
            item.add_marker(pytest.mark.skip(reason="Lakebase-only (run with --db lakebase)"))


@pytest.fixture(scope="session")
def chosen_backend(pytestconfig: pytest.Config) -> BackendChoice:
    """The backend as `--db` chose it (checked before collection)."""
    return pytestconfig.stash[_CHOICE]


@pytest.fixture(scope="session")
def backend(
    chosen_backend: BackendChoice, lakebase_standin: LakebaseStandIn | None
) -> BackendChoice:
    """The run's backend; offline Lakebase's URL is this worker's stand-in cluster."""
    if lakebase_standin is not None:
        return dataclasses.replace(chosen_backend, url=lakebase_standin.admin_url)
    return chosen_backend


@pytest.fixture(scope="session")
def lakebase_target(
    chosen_backend: BackendChoice, pytestconfig: pytest.Config
) -> LakebaseTarget | None:
    """What this run's Lakebase credentials are minted for (see `run_target`); None when the
    run is not on Lakebase."""
    return run_target(pytestconfig) if chosen_backend.name == "lakebase" else None
