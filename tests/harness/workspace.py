"""pytest plugin: the fake workspace, and the one reset every test gets.

`fake_server` (session, per xdist worker) is the running fake, or None against a live workspace;
`fake` (per test) is the same server for tests that drive it, skipped in live mode. Before every
test `reset_between_tests` puts the fake back to its seed (and the Lakebase stand-in's passwords
back to the run's), and after it re-raises anything that went wrong inside the fake: it is the
suite's only autouse fixture, and it depends on nothing a previous test did.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest

from fake_workspace import FakeUser, FakeWorkspace
from suite_environment import is_live
from tests.harness.lakebase_fixtures import PasswordKeeper
from tests.harness.shapes import record_fake

_PROXY_VARIABLES = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
)
_LOOPBACK = "127.0.0.1,localhost"


@pytest.fixture(scope="session")
def fake_server(pytestconfig: pytest.Config) -> Iterator[FakeWorkspace | None]:
    """The running fake (base URL in ``.base_url``) for the whole session; None in live mode.

    With ``--record-shapes`` it records the shape of every answer (harness/shapes.py)."""
    if is_live():
        yield None
        return
    with pytest.MonkeyPatch.context() as env:
        for name in _PROXY_VARIABLES:
            env.delenv(name, raising=False)
        env.setenv("NO_PROXY", _LOOPBACK)
        env.setenv("no_proxy", _LOOPBACK)
        with FakeWorkspace() as workspace:
            record_fake(pytestconfig, workspace)
            yield workspace


@pytest.fixture
def fake(fake_server: FakeWorkspace | None) -> FakeWorkspace:
    """The fake, for a test that seeds, faults or inspects it (skipped against a live one)."""
    if fake_server is None:
        pytest.skip("TEST_MODE=live: the fake workspace is not used")
    return fake_server


@pytest.fixture(autouse=True)
def reset_between_tests(
    fake_server: FakeWorkspace | None, lakebase_passwords: PasswordKeeper | None
) -> Iterator[None]:
    """Every test starts from the fake's seed and the run's Lakebase password, and fails if
    anything inside the fake failed while it ran."""
    if fake_server is not None:
        fake_server.reset()
    if lakebase_passwords is not None:
        lakebase_passwords.start_test()
    try:
        yield
    finally:
        if lakebase_passwords is not None:
            lakebase_passwords.end_test()
    if fake_server is not None:
        fake_server.check_errors()


@pytest.fixture
def fresh_user(fake: FakeWorkspace) -> Callable[..., FakeUser]:
    """Factory of brand-new users (unique names, own tokens) valid for this test only."""

    def make(prefix: str = "user", display_name: str | None = None) -> FakeUser:
        return fake.identity.add_user(f"{prefix}-{uuid.uuid4().hex[:10]}@example.com", display_name)

    return make
