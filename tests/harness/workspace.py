"""pytest plugin: the fake workspace, reset and checked by the fixture that hands it out.

`fake_server` (session, per xdist worker) is the running fake, or None against a live workspace;
session fixtures build on it. A test gets it through `workspace` (per test; None when live),
which is pytest-httpserver's way: the fake goes back to its seed before the test, whatever the
fake put in other servers is put back after it (`PerTestUndo`: the Lakebase stand-in's
passwords), and anything that went wrong inside the fake fails the test. `fake` is the same for
a test that drives the fake (skipped when live), and every fixture that builds an app pointed
at the workspace (`settings_factory`, hence `client`) depends on `workspace`. There is no
autouse fixture: a test that asks for none of these starts no server.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from typing import Protocol

import pytest

from fake_workspace import FakeUser, FakeWorkspace
from suite_environment import is_live
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


class Undoable(Protocol):
    """Something that follows the fake into another server and puts back, at the end of a
    test, what the test's requests changed there."""

    def start_test(self) -> None: ...

    def end_test(self) -> None: ...


class PerTestUndo:
    """The `Undoable`s of this session (registered by the session fixtures that make them),
    started and ended around every test that uses the workspace."""

    def __init__(self) -> None:
        self._undos: list[Undoable] = []
        self._in_test = False

    def register(self, undo: Undoable) -> Callable[[], None]:
        """Follow `undo` from now on (at once if a test is running); returns the unregister."""
        self._undos.append(undo)
        if self._in_test:
            undo.start_test()
        return lambda: self._undos.remove(undo)

    def start_test(self) -> None:
        self._in_test = True
        for undo in self._undos:
            undo.start_test()

    def end_test(self) -> None:
        self._in_test = False
        for undo in self._undos:
            undo.end_test()


@pytest.fixture(scope="session")
def fake_server(pytestconfig: pytest.Config) -> Iterator[FakeWorkspace | None]:
    """The running fake (base URL in ``.base_url``) for the whole session; None in live mode.
    Tests use `workspace` or `fake`, which reset it.

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


@pytest.fixture(scope="session")
def per_test_undo() -> PerTestUndo:
    """What the workspace's followers put back after each test (see `PerTestUndo`)."""
    return PerTestUndo()


@pytest.fixture
def workspace(
    fake_server: FakeWorkspace | None, per_test_undo: PerTestUndo
) -> Iterator[FakeWorkspace | None]:
    """The run's workspace for one test: the fake from its seed, its followers put back and
    its own errors raised after the test; None against a live workspace."""
    if fake_server is not None:
        fake_server.reset()
    per_test_undo.start_test()
    try:
        yield fake_server
    finally:
        per_test_undo.end_test()
    if fake_server is not None:
        fake_server.check_errors()


@pytest.fixture
def fake(workspace: FakeWorkspace | None) -> FakeWorkspace:
    """The fake, for a test that seeds, faults or inspects it (skipped against a live one)."""
    if workspace is None:
        pytest.skip("TEST_MODE=live: the fake workspace is not used")
    return workspace


@pytest.fixture
def fresh_user(fake: FakeWorkspace) -> Callable[..., FakeUser]:
    """Factory of brand-new users (unique names, own tokens) valid for this test only."""

    def make(prefix: str = "user", display_name: str | None = None) -> FakeUser:
        return fake.identity.add_user(f"{prefix}-{uuid.uuid4().hex[:10]}@example.com", display_name)

    return make
