"""Which Lakebase the settings describe: an Autoscaling endpoint, a Provisioned instance, or a
configuration the app refuses before it starts (with one line that names what to change)."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from server.config import ConfigurationError, describe, get_settings
from tests.harness.settings import isolated_settings

ENDPOINT = "projects/app-state/branches/production/endpoints/primary"
PG = {"pghost": "instance.example.com", "pgdatabase": "databricks_postgres", "pguser": "sp-id"}


@pytest.mark.parametrize(
    ("values", "flavour", "mode"),
    [
        pytest.param(
            {**PG, "lakebase_endpoint": ENDPOINT}, "autoscaling", "lakebase", id="endpoint"
        ),
        pytest.param(
            {**PG, "lakebase_instance_name": "app-db"}, "provisioned", "lakebase", id="instance"
        ),
        pytest.param({"lakebase_endpoint": ENDPOINT}, "autoscaling", "none", id="no-pg-variables"),
        pytest.param({**PG}, None, "none", id="neither"),
        pytest.param(
            {**PG, "lakebase_endpoint": " ", "lakebase_instance_name": "app-db"},
            "provisioned",
            "lakebase",
            id="blank-endpoint-is-unset",
        ),
    ],
)
def test_the_flavour_follows_the_variable_that_is_set(
    values: dict[str, str], flavour: str | None, mode: str
) -> None:
    settings = isolated_settings(**values)

    assert settings.lakebase_flavour == flavour
    assert settings.database_mode == mode


@pytest.mark.parametrize(
    "endpoint",
    [
        "projects/app-state/branches/production/endpoints/ep-1",
        "projects/p/branches/b/endpoints/e",
        "projects/" + "p" * 63 + "/branches/b/endpoints/e",
    ],
)
def test_an_endpoint_path_is_accepted(endpoint: str) -> None:
    assert isolated_settings(lakebase_endpoint=endpoint).lakebase_endpoint == endpoint


@pytest.mark.parametrize(
    "endpoint",
    [
        "primary",
        "projects/app-state/branches/production",
        "projects/app-state/branches/production/endpoints/",
        "projects/App/branches/b/endpoints/e",
        "projects/1p/branches/b/endpoints/e",
        "projects/" + "p" * 64 + "/branches/b/endpoints/e",
        "/projects/p/branches/b/endpoints/e",
        "projects/p/branches/b/endpoints/e/",
        "https://x/projects/p/branches/b/endpoints/e",
    ],
)
def test_anything_but_an_endpoint_path_is_refused_naming_the_variable(endpoint: str) -> None:
    with pytest.raises(ValidationError) as raised:
        isolated_settings(lakebase_endpoint=endpoint)

    line = describe(raised.value)
    assert line.startswith(f"invalid configuration: LAKEBASE_ENDPOINT={endpoint!r} is not")
    assert "projects/<project>/branches/<branch>/endpoints/<endpoint>" in line
    assert "\n" not in line


def test_both_flavours_at_once_are_refused_naming_both_variables() -> None:
    with pytest.raises(ValidationError) as raised:
        isolated_settings(**PG, lakebase_endpoint=ENDPOINT, lakebase_instance_name="app-db")

    line = describe(raised.value)
    assert line == (
        "invalid configuration: LAKEBASE_ENDPOINT and LAKEBASE_INSTANCE_NAME are both set: keep "
        "LAKEBASE_ENDPOINT for a Lakebase Autoscaling database or LAKEBASE_INSTANCE_NAME for a "
        "Provisioned instance, and unset the other"
    )


def test_every_problem_is_named_with_its_variable_on_one_line() -> None:
    with pytest.raises(ValidationError) as raised:
        isolated_settings(pgport="abc", db_pool_size=0)

    line = describe(raised.value)
    assert line.startswith("invalid configuration: ")
    assert "PGPORT: Input should be a valid integer" in line
    assert "; DB_POOL_SIZE: Input should be greater than or equal to 1" in line


def test_the_process_settings_raise_one_configuration_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LAKEBASE_ENDPOINT", "primary")
    get_settings.cache_clear()
    try:
        with pytest.raises(ConfigurationError, match="LAKEBASE_ENDPOINT='primary' is not"):
            get_settings()
    finally:
        get_settings.cache_clear()


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("it_20261207_120000_abc123", "it_20261207_120000_abc123", id="run-schema"),
        pytest.param("app", "app", id="plain"),
        pytest.param(" ", None, id="blank-is-unset"),
    ],
)
def test_db_schema_takes_a_plain_postgresql_name(value: str, expected: str | None) -> None:
    assert isolated_settings(**PG, lakebase_endpoint=ENDPOINT, db_schema=value).db_schema == (
        expected
    )


@pytest.mark.parametrize(
    "value", ['app"; DROP TABLE x; --', "App", "1app", "a" * 64, "app-data", "public.app"]
)
def test_db_schema_refuses_anything_it_would_have_to_quote(value: str) -> None:
    with pytest.raises(ValidationError) as raised:
        isolated_settings(**PG, lakebase_endpoint=ENDPOINT, db_schema=value)

    assert describe(raised.value).startswith("invalid configuration: DB_SCHEMA: ")


def test_db_schema_with_a_sqlite_database_is_refused_naming_both_variables() -> None:
    with pytest.raises(ValidationError) as raised:
        isolated_settings(database_url="sqlite:///app.db", db_schema="app")

    message = describe(raised.value)
    assert "DB_SCHEMA='app'" in message
    assert "DATABASE_URL is a SQLite database" in message
