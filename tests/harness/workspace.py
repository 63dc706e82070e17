"""pytest plugin: the fake workspace (one per session / xdist worker) and fresh users.

The fake starts only when a test (or fixture) asks for ``fake``; with
``TEST_MODE=live`` asking for it skips the test. Before each test the fake is reset and after
it ``check_errors()`` runs - but only if the fake was already started, so tests that never
use it never start it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator

import pytest

from fake_workspace.identity import FakeUser
from fake_workspace.server import FakeWorkspace
from suite_environment import is_live

_PROXY_VARIABLES = (
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
)
_LOOPBACK = "127.0.0.1,localhost"

_active: FakeWorkspace | None = None


@pytest.fixture(scope="session")
def fake() -> Iterator[FakeWorkspace]:
    """The running fake (base URL in ``.base_url``), shared by the whole session."""
    global _active
    if is_live():
        pytest.skip("TEST_MODE=live: the fake workspace is not used")
    with pytest.MonkeyPatch.context() as env:
        for name in _PROXY_VARIABLES:
            env.delenv(name, raising=False)
        env.setenv("NO_PROXY", _LOOPBACK)
        env.setenv("no_proxy", _LOOPBACK)
        with FakeWorkspace() as workspace:
            _active = workspace
            try:
                yield workspace
            finally:
                _active = None


@pytest.fixture(autouse=True)
def _reset_fake() -> Iterator[None]:
    """Reset the fake before each test; surface errors inside it after each test."""
    if _active is not None:
        _active.reset()
    yield
    if _active is not None:
        _active.check_errors()


@pytest.fixture
def fresh_user(fake: FakeWorkspace) -> Callable[..., FakeUser]:
    """Factory of brand-new users (unique names, own tokens) valid for this test only."""

    def make(prefix: str = "user", display_name: str | None = None) -> FakeUser:
        return fake.identity.add_user(f"{prefix}-{uuid.uuid4().hex[:10]}@example.com", display_name)

    return make
