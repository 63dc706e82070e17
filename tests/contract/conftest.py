"""Fixtures for the fake's fidelity tests: real SDK clients and a raw httpx client."""

from __future__ import annotations

import ssl
from collections.abc import Iterator

import httpx
import pytest
from databricks.sdk import WorkspaceClient

from fake_workspace import FakeUser, FakeWorkspace
from fake_workspace.reference import UserDef
from server.clock import SdkClock
from tests.harness.clock import FakeClock
from tests.harness.http import SdkFactory


@pytest.fixture
def sdk(fake: FakeWorkspace) -> SdkFactory:
    """``sdk(user)``: a real ``WorkspaceClient`` with a PAT; ``retry_timeout_seconds`` kwarg.
    Its retries wait on a test clock: a retry budget is counted in attempts, not real seconds."""

    def make(user: UserDef | FakeUser | str, retry_timeout_seconds: int = 5) -> WorkspaceClient:
        return fake.workspace_client(
            user, retry_timeout_seconds=retry_timeout_seconds, clock=SdkClock(FakeClock())
        )

    return make


@pytest.fixture(scope="session")
def ssl_context() -> ssl.SSLContext:
    """Built once: httpx loads the CA bundle for every client otherwise (slow)."""
    return ssl.create_default_context()


@pytest.fixture
def http(fake: FakeWorkspace, ssl_context: ssl.SSLContext) -> Iterator[httpx.Client]:
    """A raw HTTP client on the fake (what the app's own httpx code paths look like)."""
    with httpx.Client(base_url=fake.base_url, timeout=5, verify=ssl_context) as client:
        yield client
