"""pytest plugin: the Lakebase stand-in for offline `--db=lakebase` runs, wired to the fake.

The stand-in plays the run's one endpoint (Autoscaling) or instance (Provisioned): only the
credentials the fake mints for that target become passwords, so a token minted for another
endpoint or instance is refused like an unknown one.

One cluster per session and xdist worker, not one shared by all workers: each worker has its
own fake workspace minting its own credentials, and a role has a single password, so workers
sharing a cluster would log each other's service principal out. A start costs about 1.5 s.
Both fixtures are None in runs that use no stand-in, so everything may depend on them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fake_workspace.database import MintedCredential
from fake_workspace.server import FakeWorkspace
from tests.harness.backends import BackendChoice
from tests.harness.lakebase_standin import LakebaseStandIn, PasswordState
from tests.harness.lakebase_targets import LakebaseTarget
from tests.harness.live import is_live


class PasswordKeeper:
    """Follows the fake's credentials for `target` into the stand-in. While a test runs it
    remembers each role's password from before the test's first mint, and puts it back when the
    test ends: the stand-in lets only the newest credential in (Lakebase accepts every
    unexpired one), and the run's shared database must keep logging in."""

    def __init__(self, standin: LakebaseStandIn, target: LakebaseTarget) -> None:
        self.standin = standin
        self.target = target
        self._in_test = False
        self._saved: dict[str, PasswordState] = {}

    def follow(self, credential: MintedCredential) -> None:
        if credential.flavour != self.target.flavour or self.target.name not in credential.targets:
            return  # minted for another endpoint or instance: no way into this one
        role = credential.user_name
        if self._in_test and role not in self._saved:
            self._saved[role] = self.standin.password_state(role)
        self.standin.accept_credential(role, credential.token, credential.expires_at)

    def start_test(self) -> None:
        self._in_test = True

    def end_test(self) -> None:
        self._in_test = False
        for state in self._saved.values():
            self.standin.restore_password_state(state)
        self._saved.clear()


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
) -> Iterator[PasswordKeeper | None]:
    """The stand-in's roles' passwords following what the fake mints for the run's endpoint or
    instance (None without a stand-in)."""
    if lakebase_standin is None or fake_server is None or lakebase_target is None:
        yield None
        return
    keeper = PasswordKeeper(lakebase_standin, lakebase_target)
    stop_following = fake_server.lakebase.on_credential(keeper.follow)
    try:
        yield keeper
    finally:
        stop_following()
