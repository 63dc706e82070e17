"""pytest plugin and helpers: the app's settings in tests.

Every app a test builds gets `IsolatedSettings` (never the developer's shell variables), pointed
at the run's workspace (`workspace_target`: the fake, or a live one) by `session_settings` (for
session fixtures) and `settings_factory` (per test: it hands out the `workspace`, reset).
`lakebase_values` is the one place that spells out Lakebase storage settings, for the
`LakebaseTarget` (Autoscaling endpoint or Provisioned instance) the credentials are minted for.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

import pytest
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource
from sqlalchemy.engine import URL, make_url

from fake_workspace import FakeWorkspace
from fake_workspace.reference import APP_SP, WAREHOUSE_ID
from server.app import create_app
from server.config import Settings
from tests.harness.lakebase_targets import LakebaseTarget
from tests.harness.live import is_live, live_config
from tests.harness.shapes import recorded_host


class IsolatedSettings(Settings):
    """Only the values a test passes: no environment variable, `.env` file or secrets folder,
    so a DATABASE_URL or PGHOST in the shell never leaks into a test's app (and building one,
    five hundred times a run, does not scan the environment for every field)."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


def isolated_settings(**values: Any) -> Settings:
    return IsolatedSettings(**values)


def app_document() -> dict[str, Any]:
    """The document the app serves at /openapi.json, built without serving it (once per
    process; each caller gets a copy of its own)."""
    return copy.deepcopy(_built_document())


@cache
def _built_document() -> dict[str, Any]:
    return create_app(isolated_settings()).openapi()


def lakebase_values(url: URL | str, target: LakebaseTarget, **overrides: Any) -> dict[str, Any]:
    """Storage configured as Databricks Apps configures a Lakebase resource - PG* variables and
    the endpoint or instance, no DATABASE_URL, the password minted by the service principal for
    `target` - for the server and database of `url`. The role is the service principal's client
    id, as in Lakebase.

    SSL as `url` says (`sslmode=require` on the stand-in), else `disable` (the local PostgreSQL
    has no TLS); keyword arguments override any setting.
    """
    url = make_url(url)
    values: dict[str, Any] = {
        "pghost": url.host,
        "pgport": url.port or 5432,
        "pgdatabase": url.database,
        "pguser": APP_SP.application_id,
        "pgsslmode": url.query.get("sslmode", "disable"),
        **target.setting(),
    }
    return {**values, **overrides}


def live_lakebase_values(
    target: LakebaseTarget, env: Mapping[str, str] = os.environ
) -> dict[str, Any]:
    """The Lakebase settings of a live run for `target`, from the variables Databricks Apps
    would inject."""
    return {
        "pghost": env["PGHOST"],
        "pgport": int(env.get("PGPORT", "5432")),
        "pgdatabase": env["PGDATABASE"],
        "pguser": env["PGUSER"],
        "pgsslmode": env.get("PGSSLMODE", "require"),
        **target.setting(),
    }


@dataclass(frozen=True)
class WorkspaceTarget:
    """Where the app under test finds Databricks: the fake, or a live workspace."""

    host: str
    warehouse_id: str
    client_id: str | None
    client_secret: str | None


@pytest.fixture(scope="session")
def workspace_target(
    fake_server: FakeWorkspace | None, pytestconfig: pytest.Config
) -> WorkspaceTarget:
    if fake_server is None:  # live mode; with --record-shapes, through the recording proxy
        live = live_config()
        return WorkspaceTarget(
            recorded_host(pytestconfig, live.host),
            live.warehouse_id,
            os.environ.get("DATABRICKS_CLIENT_ID"),
            os.environ.get("DATABRICKS_CLIENT_SECRET"),
        )
    return WorkspaceTarget(
        fake_server.base_url,
        WAREHOUSE_ID,
        APP_SP.client_id,
        APP_SP.client_secret,
    )


@pytest.fixture(scope="session")
def session_settings(workspace_target: WorkspaceTarget) -> Callable[..., Settings]:
    """Settings pointing at the fake (or live) workspace, for session fixtures; keyword
    arguments override. Tests use `settings_factory`."""
    base: dict[str, Any] = {
        "databricks_host": workspace_target.host,
        "databricks_warehouse_id": workspace_target.warehouse_id,
        "databricks_client_id": workspace_target.client_id,
        "databricks_client_secret": workspace_target.client_secret,
        "databricks_http_timeout_seconds": 10,
        "databricks_retry_timeout_seconds": 5,
        "run_migrations_on_startup": False,
        "default_catalog": os.environ.get("LIVE_CATALOG", "main") if is_live() else "main",
        "default_schema": os.environ.get("LIVE_SCHEMA", "sales") if is_live() else "sales",
    }

    def make(**overrides: Any) -> Settings:
        return isolated_settings(**{**base, **overrides})

    return make


@pytest.fixture
def settings_factory(
    session_settings: Callable[..., Settings], workspace: FakeWorkspace | None
) -> Callable[..., Settings]:
    """`session_settings` for one test: the app it makes talks to the `workspace`, which is reset
    before the test and checked after it."""
    return session_settings
