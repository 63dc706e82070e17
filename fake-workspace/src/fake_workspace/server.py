"""The fake served by uvicorn on 127.0.0.1 (port 0) in a background thread, and its handle."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Self

from fake_workspace.app import FakeApp
from fake_workspace.branches import Branches
from fake_workspace.faults import Faults
from fake_workspace.fidelity.shapes import ShapeBook
from fake_workspace.identity import FakeUser, IdentityStore
from fake_workspace.lakebase import Lakebase
from fake_workspace.reference.specs import UserDef
from fake_workspace.request_log import RecordedRequest, RequestLog
from fake_workspace.serving import ServingState
from fake_workspace.state import FakeState
from fake_workspace.statements import StatementStore
from fake_workspace.unity_catalog import UnityCatalog
from fake_workspace.uvicorn_thread import ServerThread, serve_in_thread

if TYPE_CHECKING:
    from databricks.sdk import WorkspaceClient
    from databricks.sdk.clock import Clock as SdkClock


class FakeWorkspaceError(AssertionError):
    """Raised in the test thread for errors inside the fake or unexpected requests."""


class FakeWorkspace:
    """Handle on a running fake: its URL, control surfaces and request log."""

    def __init__(self) -> None:
        self._state = FakeState()
        self._app = FakeApp(self._state)
        self._serving: ServerThread | None = None
        self.base_url = ""

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self, port: int = 0) -> Self:
        """Serve on 127.0.0.1:``port`` (0: a free port); the URL is then ``base_url``."""
        self._serving = serve_in_thread(self._app, name="the fake Databricks workspace", port=port)
        self.base_url = self._serving.base_url
        return self

    def stop(self) -> None:
        self._app.closing.set()
        if self._serving is not None:
            self._serving.stop()
        self._state.table_store.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- per-test hooks ----------------------------------------------------------------------

    def reset(self) -> None:
        """Forget everything a test changed; reference data stays."""
        self._state.reset()

    def record_shapes(self) -> ShapeBook:
        """From now on, the shape of every answer (fidelity.shapes); resets keep it."""
        if self._app.shapes is None:
            self._app.shapes = ShapeBook()
        return self._app.shapes

    def on_answer(self, listener: Callable[[RecordedRequest], None] | None) -> None:
        """Call ``listener`` with every request once it is answered (or dropped), from the
        server's thread; ``None`` stops. ``python -m fake_workspace`` logs them this way."""
        self._app.answered = listener

    def allow_unmatched(self) -> None:
        """This test sends requests to unknown routes on purpose (``check_errors`` ignores them)."""
        self._state.allow_unmatched = True

    def check_errors(self) -> None:
        """Re-raise errors captured inside the fake and report unmatched requests."""
        errors = list(self._state.errors)
        unmatched = [] if self._state.allow_unmatched else self._state.requests.unmatched()
        self._state.errors = []
        if errors:
            detail = "\n".join(e.describe() for e in errors)
            raise FakeWorkspaceError(f"{len(errors)} error(s) inside the fake:\n{detail}") from (
                errors[0].error
            )
        if unmatched:
            lines = "\n".join(f"  {r.method} {r.path} {r.query}" for r in unmatched)
            raise FakeWorkspaceError(f"requests to routes the fake does not serve:\n{lines}")

    # -- control surfaces: the one way into each part ----------------------------------------

    @property
    def lock(self) -> threading.RLock:
        """The lock every part takes while the fake answers: hold it to act between answers."""
        return self._state.lock

    @property
    def faults(self) -> Faults:
        return self._state.faults

    @property
    def identity(self) -> IdentityStore:
        return self._state.identity

    @property
    def unity_catalog(self) -> UnityCatalog:
        return self._state.unity_catalog

    @property
    def sql(self) -> StatementStore:
        return self._state.statements

    @property
    def serving(self) -> ServingState:
        return self._state.serving

    @property
    def lakebase(self) -> Lakebase:
        """Lakebase of both generations: instances, endpoints and the credentials minted."""
        return self._state.lakebase

    @property
    def branches(self) -> Branches:
        """Lakebase Autoscaling branches, their databases and operations (``on_branch``)."""
        return self._state.branches

    # -- request log -------------------------------------------------------------------------

    @property
    def requests(self) -> RequestLog:
        """This test's requests: iterate, ``for_route(Route.X, target)`` or ``unmatched()``."""
        return self._state.requests

    # -- clients -----------------------------------------------------------------------------

    def workspace_client(
        self,
        user: UserDef | FakeUser | str,
        *,
        retry_timeout_seconds: int = 5,
        clock: SdkClock | None = None,
    ) -> WorkspaceClient:
        """A real SDK client authenticated with ``user``'s token (``auth_type="pat"``); with
        ``clock``, the SDK's retries wait on it instead of on real time."""
        from databricks.sdk import WorkspaceClient
        from databricks.sdk.config import Config

        token = user if isinstance(user, str) else user.token
        config = Config(
            host=self.base_url,
            token=token,
            auth_type="pat",
            retry_timeout_seconds=retry_timeout_seconds,
            http_timeout_seconds=5,
            clock=clock,
        )
        return WorkspaceClient(config=config)
