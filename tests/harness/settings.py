"""App settings for tests, isolated from whatever the developer's shell exports."""

from __future__ import annotations

from typing import Any

from pydantic_settings import SettingsConfigDict

from server.config import Settings


class IsolatedSettings(Settings):
    """Reads no real environment variables (only the improbable APP_TEST_ISOLATED_* names), so a
    DATABASE_URL or PGHOST in the shell never leaks into a test's app."""

    model_config = SettingsConfigDict(env_prefix="APP_TEST_ISOLATED_")


def isolated_settings(**values: Any) -> Settings:
    return IsolatedSettings(**values)
