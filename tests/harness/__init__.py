"""The test harness: backend selection, isolated settings, app clients and live mode."""

from tests.harness.http import auth

__all__ = ["auth"]
