"""databricks.yml, app.yaml and server/config.py agree: a renamed resource key, `valueFrom` or
setting fails here, not at deployment.

The bundle's resources are read through small pydantic models of the keys this project uses
(unknown keys refused, so a misspelt key fails too); `mismatches` names every disagreement.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any, Literal

import pytest
import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from server.config import Settings

ROOT = Path(__file__).resolve().parents[2]
APP_KEY = "databricks_app_backend"
# What Databricks Apps injects for a database resource (no `valueFrom` needed).
DATABASE_VARIABLES = ("PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGSSLMODE")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SqlWarehouse(_Strict):
    id: str
    permission: Literal["CAN_USE", "CAN_MANAGE", "IS_OWNER"]


class Database(_Strict):
    instance_name: str
    database_name: str
    permission: Literal["CAN_CONNECT_AND_CREATE"]


class AppResource(_Strict):
    name: str
    description: str | None = None
    sql_warehouse: SqlWarehouse | None = None
    database: Database | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> AppResource:
        if (self.sql_warehouse is None) == (self.database is None):
            raise ValueError(f"resource {self.name!r} needs exactly one of sql_warehouse, database")
        return self

    @property
    def kind(self) -> str:
        return "sql_warehouse" if self.sql_warehouse is not None else "database"


class BundleApp(_Strict):
    name: str
    description: str
    source_code_path: str
    resources: list[AppResource]
    user_api_scopes: list[str]


class EnvVar(_Strict):
    name: str
    value: str | None = None
    value_from: str | None = Field(default=None, alias="valueFrom")


class AppYaml(_Strict):
    command: list[str]
    env: list[EnvVar]


def load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / name).read_text())
    return data


def settings_names() -> set[str]:
    return {field.upper() for field in Settings.model_fields}


def mismatches(bundle: dict[str, Any], app_yaml: dict[str, Any], settings: set[str]) -> list[str]:
    """Every disagreement between the bundle, app.yaml and the settings, in words."""
    app = BundleApp.model_validate(bundle["resources"]["apps"][APP_KEY])
    config = AppYaml.model_validate(app_yaml)
    resources = {r.name: r for r in app.resources}
    problems = []
    for env in config.env:
        if env.name not in settings:
            problems.append(f"app.yaml sets {env.name}, which server/config.py does not read")
        if env.value_from is not None and env.value_from not in resources:
            problems.append(f"app.yaml {env.name}: valueFrom {env.value_from!r} is no resource")
    for resource in resources.values():
        if resource.kind == "sql_warehouse":
            readers = [e.name for e in config.env if e.value_from == resource.name]
            if readers != ["DATABRICKS_WAREHOUSE_ID"]:
                problems.append(f"resource {resource.name!r} reaches {readers}, not the warehouse")
        else:
            missing = [v for v in DATABASE_VARIABLES if v not in settings]
            if missing:
                problems.append(f"resource {resource.name!r} injects unread {missing}")
    instance = {e.name: e.value for e in config.env}.get("LAKEBASE_INSTANCE_NAME")
    if instance != bundle["variables"]["lakebase_instance"].get("default"):
        problems.append("LAKEBASE_INSTANCE_NAME differs from the bundle's lakebase_instance")
    return problems


def test_bundle_app_yaml_and_settings_agree() -> None:
    assert mismatches(load("databricks.yml"), load("app.yaml"), settings_names()) == []


def _rename_resource(bundle: dict[str, Any], _: dict[str, Any]) -> None:
    bundle["resources"]["apps"][APP_KEY]["resources"][0]["name"] = "warehouse"


def _rename_value_from(_: dict[str, Any], app_yaml: dict[str, Any]) -> None:
    app_yaml["env"][0]["valueFrom"] = "sql_warehouse"


def _rename_variable(_: dict[str, Any], app_yaml: dict[str, Any]) -> None:
    app_yaml["env"][0]["name"] = "DATABRICKS_SQL_WAREHOUSE_ID"


def _change_instance(bundle: dict[str, Any], _: dict[str, Any]) -> None:
    bundle["variables"]["lakebase_instance"]["default"] = "another-instance"


@pytest.mark.parametrize(
    ("rename", "words"),
    [
        pytest.param(_rename_resource, "valueFrom 'sql-warehouse' is no resource", id="resource"),
        pytest.param(_rename_value_from, "valueFrom 'sql_warehouse'", id="valueFrom"),
        pytest.param(_rename_variable, "server/config.py does not read", id="setting"),
        pytest.param(_change_instance, "LAKEBASE_INSTANCE_NAME differs", id="instance"),
    ],
)
def test_a_rename_on_one_side_is_named(rename: Any, words: str) -> None:
    bundle, app_yaml = copy.deepcopy(load("databricks.yml")), copy.deepcopy(load("app.yaml"))
    rename(bundle, app_yaml)
    assert any(words in problem for problem in mismatches(bundle, app_yaml, settings_names()))


def test_a_setting_renamed_in_server_config_is_named() -> None:
    settings = settings_names() - {"DATABRICKS_WAREHOUSE_ID", "PGHOST"}
    problems = mismatches(load("databricks.yml"), load("app.yaml"), settings)
    assert "app.yaml sets DATABRICKS_WAREHOUSE_ID, which server/config.py does not read" in problems
    assert "resource 'database' injects unread ['PGHOST']" in problems


def test_a_misspelt_resource_key_is_refused() -> None:
    bundle = copy.deepcopy(load("databricks.yml"))
    warehouse = bundle["resources"]["apps"][APP_KEY]["resources"][0]
    warehouse["sql_warehous"] = warehouse.pop("sql_warehouse")
    with pytest.raises(ValueError, match="sql_warehous"):
        mismatches(bundle, load("app.yaml"), settings_names())


def test_the_bundle_deploys_this_repository_as_the_app_with_user_authorization() -> None:
    bundle = load("databricks.yml")
    app = BundleApp.model_validate(bundle["resources"]["apps"][APP_KEY])
    assert (ROOT / app.source_code_path / "app.yaml").is_file()
    assert {"dev", "prod"} <= set(bundle["targets"])
    assert {r.kind: r.name for r in app.resources} == {
        "sql_warehouse": "sql-warehouse",
        "database": "database",
    }
    database = next(r.database for r in app.resources if r.database is not None)
    assert database.permission == "CAN_CONNECT_AND_CREATE"
    assert database.instance_name == "${var.lakebase_instance}"
    assert "sql" in app.user_api_scopes
    # The command app.yaml runs names a module that exists.
    module, _, attribute = AppYaml.model_validate(load("app.yaml")).command[1].partition(":")
    assert (ROOT / (module.replace(".", "/") + ".py")).is_file()
    assert attribute == "app"
