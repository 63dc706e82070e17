"""pytest plugin: the Lakebase stand-in for offline `--db=lakebase` runs, wired to the fake.

The stand-in plays the run's one endpoint (Autoscaling) or instance (Provisioned): only the
credentials the fake mints for that target become passwords, so a token minted for another
endpoint or instance is refused like an unknown one.

One cluster per session and xdist worker, not one shared by all workers: each worker has its
own fake workspace minting its own credentials, and a role has a single password, so workers
sharing a cluster would log each other's service principal out. A start costs about 1.5 s.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fake_workspace.database import MintedCredential
from fake_workspace.server import FakeWorkspace
from tests.harness.lakebase_standin import LakebaseStandIn, PasswordState
from tests.harness.lakebase_targets import LakebaseTarget


class _PasswordKeeper:
    """Follows the fake's credentials for `target` into the stand-in; while a test runs,
    remembers the password from before the test's first mint so that teardown can put it back."""

    def __init__(self, standin: LakebaseStandIn, target: LakebaseTarget) -> None:
        self.standin = standin
        self.target = target
        self.in_test = False
        self.saved: dict[str, PasswordState] = {}

    def follow(self, credential: MintedCredential) -> None:
        if credential.flavour != self.target.flavour or self.target.name not in credential.targets:
            return  # minted for another endpoint or instance: no way into this one
        role = credential.user_name
        if self.in_test and role not in self.saved:
            self.saved[role] = self.standin.password_state(role)
        self.standin.accept_credential(role, credential.token, credential.expires_at)

    def restore(self) -> None:
        for state in self.saved.values():
            self.standin.restore_password_state(state)
        self.saved.clear()


_keeper: _PasswordKeeper | None = None


@pytest.fixture(scope="session")
def lakebase_standin(
    fake: FakeWorkspace, lakebase_target: LakebaseTarget
) -> Iterator[LakebaseStandIn]:
    """A running stand-in whose roles' passwords follow what the fake workspace mints for the
    run's endpoint or instance."""
    global _keeper
    with LakebaseStandIn() as standin:
        keeper = _PasswordKeeper(standin, lakebase_target)
        stop_following = fake.database.on_credential(keeper.follow)
        _keeper = keeper
        try:
            yield standin
        finally:
            _keeper = None
            stop_following()


@pytest.fixture(autouse=True)
def _lakebase_password_isolation() -> Iterator[None]:
    """A test that mints credentials leaves the role's password as it found it, so the run's
    shared database keeps logging in: the stand-in lets only the newest credential in, where
    Lakebase accepts every unexpired one."""
    keeper = _keeper
    if keeper is None:
        yield
        return
    keeper.in_test = True
    try:
        yield
    finally:
        keeper.in_test = False
        keeper.restore()
