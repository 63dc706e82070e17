"""Small helpers for talking to the app as a given user."""

from __future__ import annotations

TOKEN_HEADER = "X-Forwarded-Access-Token"


def auth(token: str, **extra: str) -> dict[str, str]:
    """Headers the Databricks Apps proxy would add for a user holding `token`."""
    return {TOKEN_HEADER: token, **extra}
