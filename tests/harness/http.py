"""Talking as a given user: the headers for the app and for the fake workspace, and the type of
the contract tests' SDK client factory."""

from __future__ import annotations

from collections.abc import Callable

from databricks.sdk import WorkspaceClient

from fake_workspace import FakeUser
from fake_workspace.reference import UserDef

TOKEN_HEADER = "X-Forwarded-Access-Token"

# `sdk(user, retry_timeout_seconds=5)`: a real WorkspaceClient on the fake (tests/contract).
SdkFactory = Callable[..., WorkspaceClient]


def auth(token: str, **extra: str) -> dict[str, str]:
    """Headers the Databricks Apps proxy would add for a user holding `token` (for the app)."""
    return {TOKEN_HEADER: token, **extra}


def bearer(user: UserDef | FakeUser | str) -> dict[str, str]:
    """The Authorization header a Databricks client sends for `user` (for the fake)."""
    token = user if isinstance(user, str) else user.token
    return {"Authorization": f"Bearer {token}"}
