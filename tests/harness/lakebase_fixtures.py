"""pytest plugin: the Lakebase stand-in for offline `--db=lakebase` runs, wired to the fake.

The stand-in plays the run's one endpoint (Autoscaling) or instance (Provisioned): only the
credentials the fake mints for that target become passwords, so a token minted for another
endpoint or instance is refused like an unknown one. In Autoscaling runs it also plays every
branch made from the run's branch (`lakebase_branches`): a database per branch, copied from the
source's, that only credentials minted for the branch's endpoint open.

One cluster per session and xdist worker, not one shared by all workers: each worker has its
own fake workspace minting its own credentials, and a role has a single password, so workers
sharing a cluster would log each other's service principal out. A start costs about 1.5 s.
The fixtures are None in runs that use no stand-in. The password a test's requests made the
fake mint is put back after the test by the `workspace` fixture (`PerTestUndo`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from fake_workspace import FakeWorkspace
from fake_workspace.postgres_backing import BranchBacking, PasswordKeeper
from tests.harness.backends import BackendChoice
from tests.harness.lakebase_standin import LakebaseStandIn
from tests.harness.lakebase_targets import LakebaseTarget
from tests.harness.live import is_live
from tests.harness.workspace import PerTestUndo


def uses_standin(choice: BackendChoice) -> bool:
    """Offline Lakebase runs against the stand-in (tests/harness/lakebase_standin.py)."""
    return choice.name == "lakebase" and not is_live()


@pytest.fixture(scope="session")
def lakebase_standin(chosen_backend: BackendChoice) -> Iterator[LakebaseStandIn | None]:
    """The running stand-in cluster of an offline Lakebase run; None otherwise."""
    if not uses_standin(chosen_backend):
        yield None
        return
    with LakebaseStandIn() as standin:
        yield standin


@pytest.fixture(scope="session")
def lakebase_passwords(
    lakebase_standin: LakebaseStandIn | None,
    fake_server: FakeWorkspace | None,
    lakebase_target: LakebaseTarget | None,
    per_test_undo: PerTestUndo,
) -> Iterator[PasswordKeeper | None]:
    """The stand-in's roles' passwords following what the fake mints for the run's endpoint or
    instance, and for the endpoints of branches made from it (None without a stand-in); what a
    test changed is put back after it (`workspace`)."""
    if lakebase_standin is None or fake_server is None or lakebase_target is None:
        yield None
        return
    backing = None
    stops: list[Callable[[], None]] = []
    if lakebase_target.flavour == "autoscaling":
        backing = BranchBacking(lakebase_standin.admin_url, fake_server.branches)
        stops.append(fake_server.branches.on_branch(backing.on_branch))
    keeper = PasswordKeeper(
        lakebase_standin.passwords,
        lakebase_target.flavour,
        lakebase_target.name,
        backing,
        lock=fake_server.lock,
    )
    stops.append(fake_server.lakebase.on_credential(keeper.follow))
    stops.append(per_test_undo.register(keeper))
    try:
        yield keeper
    finally:
        for stop in stops:
            stop()


@pytest.fixture(scope="session")
def lakebase_branches(lakebase_passwords: PasswordKeeper | None) -> BranchBacking | None:
    """Branches backed in the stand-in (None unless this is an offline Lakebase Autoscaling
    run): ``back(branch, database)`` makes a seeded branch hold a database of the stand-in, and
    from then on each branch made from it gets a copy of its own, dropped with it. A database
    is copied only while no session uses it: back one the run's pool does not hold open."""
    return lakebase_passwords.backing if lakebase_passwords is not None else None
