"""The settings every test app gets read only what the test passes, never the shell's."""

from __future__ import annotations

import pytest

from server.config import Settings
from tests.harness.settings import isolated_settings


def test_the_shells_storage_variables_do_not_reach_a_test_app(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://leak.example.com/app")
    monkeypatch.setenv("PGHOST", "leak.example.com")
    monkeypatch.setenv("DATABRICKS_HOST", "https://leak.example.com")
    assert Settings().pghost == "leak.example.com", "the app itself does read them"

    settings = isolated_settings(pgdatabase="app")

    assert settings.database_url is None
    assert settings.pghost is None
    assert settings.databricks_host is None
    assert settings.pgdatabase == "app"
