"""databricks.yml, app.yaml and server/config.py agree: a renamed resource key, `valueFrom` or
setting fails here, not at deployment. The same holds for docs/deploy.md's Provisioned variant (a
`database` resource and LAKEBASE_INSTANCE_NAME instead of the `postgres` resource and
LAKEBASE_ENDPOINT).

The bundle's resources are read through small pydantic models of the keys this project uses
(unknown keys refused, so a misspelt key fails too); `mismatches` names every disagreement.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any, Literal

import pytest
import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from server.config import Settings

ROOT = Path(__file__).resolve().parents[2]
APP_KEY = "databricks_app_backend"
# What Databricks Apps injects for a Lakebase resource of either kind (no `valueFrom` needed).
DATABASE_VARIABLES = ("PGHOST", "PGPORT", "PGDATABASE", "PGUSER", "PGSSLMODE")
BRANCH_PATH = re.compile(r"projects/[a-z][a-z0-9-]{0,62}/branches/[a-z][a-z0-9-]{0,62}")
VARIABLE_REFERENCE = re.compile(r"\$\{var\.([\w-]+)\}")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SqlWarehouse(_Strict):
    id: str
    permission: Literal["CAN_USE", "CAN_MANAGE", "IS_OWNER"]


class Database(_Strict):
    """Lakebase Provisioned: an instance and a database in it."""

    instance_name: str
    database_name: str
    permission: Literal["CAN_CONNECT_AND_CREATE"]


class Postgres(_Strict):
    """Lakebase Autoscaling: a branch and a database on it, as resource paths."""

    branch: str
    database: str
    permission: Literal["CAN_CONNECT_AND_CREATE"]


KINDS = ("sql_warehouse", "database", "postgres")


class AppResource(_Strict):
    name: str
    description: str | None = None
    sql_warehouse: SqlWarehouse | None = None
    database: Database | None = None
    postgres: Postgres | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> AppResource:
        if sum(getattr(self, kind) is not None for kind in KINDS) != 1:
            raise ValueError(f"resource {self.name!r} needs exactly one of {', '.join(KINDS)}")
        return self

    @property
    def kind(self) -> str:
        return next(kind for kind in KINDS if getattr(self, kind) is not None)


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


def resolve(value: str, bundle: dict[str, Any]) -> str:
    """`${var.x}` replaced by variable x's default, as `databricks bundle` would without --var."""
    variables = bundle.get("variables", {})
    return VARIABLE_REFERENCE.sub(lambda m: str(variables[m[1]].get("default", m[0])), value)


def mismatches(bundle: dict[str, Any], app_yaml: dict[str, Any], settings: set[str]) -> list[str]:
    """Every disagreement between the bundle, app.yaml and the settings, in words."""
    app = BundleApp.model_validate(bundle["resources"]["apps"][APP_KEY])
    config = AppYaml.model_validate(app_yaml)
    resources = {r.name: r for r in app.resources}
    values = {e.name: e.value for e in config.env}
    problems = []
    for env in config.env:
        if env.name not in settings:
            problems.append(f"app.yaml sets {env.name}, which server/config.py does not read")
        if env.value_from is not None and env.value_from not in resources:
            problems.append(f"app.yaml {env.name}: valueFrom {env.value_from!r} is no resource")
    lakebase = [r for r in resources.values() if r.kind != "sql_warehouse"]
    if len(lakebase) != 1:
        problems.append(f"{len(lakebase)} Lakebase resources: Databricks injects PG* for one")
    for resource in resources.values():
        readers = [e.name for e in config.env if e.value_from == resource.name]
        if resource.kind == "sql_warehouse" and readers != ["DATABRICKS_WAREHOUSE_ID"]:
            problems.append(f"resource {resource.name!r} reaches {readers}, not the warehouse")
        if resource.kind == "sql_warehouse":
            continue
        missing = [v for v in DATABASE_VARIABLES if v not in settings]
        if missing:
            problems.append(f"resource {resource.name!r} injects unread {missing}")
        if resource.postgres is not None:
            # `valueFrom` a postgres resource is the endpoint the credentials are minted for.
            if readers != ["LAKEBASE_ENDPOINT"]:
                problems.append(f"resource {resource.name!r} reaches {readers}, not the endpoint")
            problems += _postgres_paths(resource.postgres, bundle)
            if "LAKEBASE_INSTANCE_NAME" in values:
                problems.append("app.yaml sets LAKEBASE_INSTANCE_NAME beside a postgres resource")
        if resource.database is not None:
            instance = resolve(resource.database.instance_name, bundle)
            if values.get("LAKEBASE_INSTANCE_NAME") != instance:
                problems.append("LAKEBASE_INSTANCE_NAME differs from the resource's instance_name")
            if "LAKEBASE_ENDPOINT" in values:
                problems.append("app.yaml sets LAKEBASE_ENDPOINT beside a database resource")
    return problems


def _postgres_paths(postgres: Postgres, bundle: dict[str, Any]) -> list[str]:
    branch, database = resolve(postgres.branch, bundle), resolve(postgres.database, bundle)
    problems = []
    if not BRANCH_PATH.fullmatch(branch):
        problems.append(f"postgres branch {branch!r} is not projects/<p>/branches/<b>")
    if not re.fullmatch(re.escape(branch) + r"/databases/[a-z][a-z0-9-]{0,62}", database):
        problems.append(f"postgres database {database!r} is not a database of {branch!r}")
    return problems


def documented_provisioned(
    bundle: dict[str, Any], app_yaml: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any]]:
    """docs/deploy.md's Provisioned variant applied to copies of `bundle` and `app_yaml`: its
    `database` resource in place of the `postgres` one, its LAKEBASE_INSTANCE_NAME in place of
    LAKEBASE_ENDPOINT."""
    text = (ROOT / "docs" / "deploy.md").read_text()
    blocks = dict(
        re.findall(
            r"```yaml\n# (databricks\.yml|app\.yaml), Provisioned\b[^\n]*\n(.*?)```", text, re.S
        )
    )
    assert set(blocks) == {"databricks.yml", "app.yaml"}, "docs/deploy.md lacks the variant"
    resources, env = yaml.safe_load(blocks["databricks.yml"]), yaml.safe_load(blocks["app.yaml"])
    bundle, app_yaml = copy.deepcopy(bundle), copy.deepcopy(app_yaml)
    app = bundle["resources"]["apps"][APP_KEY]
    app["resources"] = [r for r in app["resources"] if "postgres" not in r] + resources
    app_yaml["env"] = [e for e in app_yaml["env"] if e["name"] != "LAKEBASE_ENDPOINT"] + env
    return bundle, app_yaml


def both_flavours() -> dict[str, tuple[dict[str, Any], dict[str, Any]]]:
    bundle, app_yaml = load("databricks.yml"), load("app.yaml")
    return {
        "autoscaling": (bundle, app_yaml),
        "provisioned": documented_provisioned(bundle, app_yaml),
    }


@pytest.mark.parametrize("flavour", ["autoscaling", "provisioned"])
def test_bundle_app_yaml_and_settings_agree(flavour: str) -> None:
    bundle, app_yaml = both_flavours()[flavour]
    assert mismatches(bundle, app_yaml, settings_names()) == []


def _rename_resource(bundle: dict[str, Any], _: dict[str, Any]) -> None:
    bundle["resources"]["apps"][APP_KEY]["resources"][0]["name"] = "warehouse"


def _rename_value_from(_: dict[str, Any], app_yaml: dict[str, Any]) -> None:
    app_yaml["env"][0]["valueFrom"] = "sql_warehouse"


def _rename_variable(_: dict[str, Any], app_yaml: dict[str, Any]) -> None:
    app_yaml["env"][0]["name"] = "DATABRICKS_SQL_WAREHOUSE_ID"


def _lakebase_env(app_yaml: dict[str, Any]) -> dict[str, Any]:
    return next(e for e in app_yaml["env"] if e["name"].startswith("LAKEBASE_"))


def _endpoint_from_the_warehouse(_: dict[str, Any], app_yaml: dict[str, Any]) -> None:
    _lakebase_env(app_yaml)["valueFrom"] = "sql-warehouse"


def _database_on_another_branch(bundle: dict[str, Any], _: dict[str, Any]) -> None:
    bundle["variables"]["lakebase_database"]["default"] = (
        "projects/your-project/branches/development/databases/databricks-postgres"
    )


def _branch_not_a_path(bundle: dict[str, Any], _: dict[str, Any]) -> None:
    bundle["variables"]["lakebase_branch"]["default"] = "production"


def _instance_name_in_app_yaml(_: dict[str, Any], app_yaml: dict[str, Any]) -> None:
    app_yaml["env"].append({"name": "LAKEBASE_INSTANCE_NAME", "value": "x"})


def _change_instance(_: dict[str, Any], app_yaml: dict[str, Any]) -> None:
    _lakebase_env(app_yaml)["value"] = "another-instance"


def _endpoint_beside_the_instance(_: dict[str, Any], app_yaml: dict[str, Any]) -> None:
    app_yaml["env"].append(
        {"name": "LAKEBASE_ENDPOINT", "value": "projects/p/branches/b/endpoints/e"}
    )


@pytest.mark.parametrize(
    ("flavour", "rename", "words"),
    [
        pytest.param(
            "autoscaling",
            _rename_resource,
            "valueFrom 'sql-warehouse' is no resource",
            id="resource",
        ),
        pytest.param(
            "autoscaling", _rename_value_from, "valueFrom 'sql_warehouse'", id="valueFrom"
        ),
        pytest.param(
            "autoscaling", _rename_variable, "server/config.py does not read", id="setting"
        ),
        pytest.param(
            "autoscaling",
            _endpoint_from_the_warehouse,
            "reaches [], not the endpoint",
            id="endpoint",
        ),
        pytest.param(
            "autoscaling", _database_on_another_branch, "is not a database of", id="database"
        ),
        pytest.param(
            "autoscaling", _branch_not_a_path, "is not projects/<p>/branches/<b>", id="branch"
        ),
        pytest.param(
            "autoscaling", _instance_name_in_app_yaml, "LAKEBASE_INSTANCE_NAME beside", id="both"
        ),
        pytest.param(
            "provisioned", _change_instance, "LAKEBASE_INSTANCE_NAME differs", id="instance"
        ),
        pytest.param(
            "provisioned",
            _endpoint_beside_the_instance,
            "LAKEBASE_ENDPOINT beside",
            id="both-provisioned",
        ),
    ],
)
def test_a_rename_on_one_side_is_named(flavour: str, rename: Any, words: str) -> None:
    bundle, app_yaml = (copy.deepcopy(part) for part in both_flavours()[flavour])
    rename(bundle, app_yaml)
    assert any(words in problem for problem in mismatches(bundle, app_yaml, settings_names()))


def test_a_setting_renamed_in_server_config_is_named() -> None:
    settings = settings_names() - {"DATABRICKS_WAREHOUSE_ID", "PGHOST", "LAKEBASE_ENDPOINT"}
    problems = mismatches(load("databricks.yml"), load("app.yaml"), settings)
    assert "app.yaml sets DATABRICKS_WAREHOUSE_ID, which server/config.py does not read" in problems
    assert "app.yaml sets LAKEBASE_ENDPOINT, which server/config.py does not read" in problems
    assert "resource 'postgres' injects unread ['PGHOST']" in problems


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
    # Lakebase Autoscaling, what a database created today is, under its default key.
    assert {r.kind: r.name for r in app.resources} == {
        "sql_warehouse": "sql-warehouse",
        "postgres": "postgres",
    }
    postgres = next(r.postgres for r in app.resources if r.postgres is not None)
    assert postgres.permission == "CAN_CONNECT_AND_CREATE"
    assert (postgres.branch, postgres.database) == (
        "${var.lakebase_branch}",
        "${var.lakebase_database}",
    )
    assert "sql" in app.user_api_scopes
    # The command app.yaml runs names a module that exists.
    module, _, attribute = AppYaml.model_validate(load("app.yaml")).command[1].partition(":")
    assert (ROOT / (module.replace(".", "/") + ".py")).is_file()
    assert attribute == "app"
