"""Settings read from the environment (the variables Databricks Apps inject, plus our own)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Literal, Self

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from server.lakebase_flavours import LakebaseFlavour

MiB = 1024 * 1024

DatabaseMode = Literal["url", "lakebase", "none"]

# A Lakebase Autoscaling endpoint's resource name. Each id is 1-63 characters, a lowercase
# letter first, then lowercase letters, digits and hyphens (the Postgres API's rule).
RESOURCE_ID = r"[a-z][a-z0-9-]{0,62}"
ENDPOINT_PATH = re.compile(
    rf"projects/{RESOURCE_ID}/branches/{RESOURCE_ID}/endpoints/{RESOURCE_ID}"
)


class Settings(BaseSettings):
    """Every knob of the app; names are the environment variables, case-insensitive."""

    # `model_*` fields are ours (model serving), not pydantic's: only guard the settings_ names.
    model_config = SettingsConfigDict(
        extra="ignore", case_sensitive=False, frozen=True, protected_namespaces=("settings_",)
    )

    # Workspace and identity
    databricks_host: str | None = None
    databricks_warehouse_id: str | None = None
    databricks_client_id: str | None = None
    databricks_client_secret: SecretStr | None = None
    databricks_workspace_id: str | None = None

    # Storage: DATABASE_URL wins; otherwise the Lakebase variables Databricks Apps inject.
    database_url: SecretStr | None = None
    pghost: str | None = None
    pgport: int = Field(default=5432, ge=1, le=65535)
    pgdatabase: str | None = None
    pguser: str | None = None
    pgsslmode: str = "require"
    pgappname: str | None = None
    # Which Lakebase the credentials are minted for: an Autoscaling endpoint (every database
    # created since March 2026) or a Provisioned instance. One of the two, never both.
    lakebase_endpoint: str | None = None
    lakebase_instance_name: str | None = None
    lakebase_token_refresh_margin_seconds: float = Field(default=300.0, ge=0)
    db_pool_size: int = Field(default=5, ge=1, le=100)
    db_pool_timeout_seconds: float = Field(default=10.0, gt=0)
    db_connect_timeout_seconds: int = Field(default=5, ge=1, le=120)
    # PostgreSQL ends any statement (lock waits included) after this; 0 = no limit. A request
    # stuck behind a lock then answers 503 instead of waiting as long as the lock is held.
    db_statement_timeout_seconds: float = Field(default=30.0, ge=0, le=3600)
    # How long a statement waits on a lock another transaction holds (PostgreSQL `lock_timeout`);
    # 0 = only the statement timeout. Short, so a locked row stalls the requests that need it,
    # not everyone: a waiting request holds a pooled connection until it gives up.
    db_lock_timeout_seconds: float = Field(default=2.0, ge=0, le=3600)
    run_migrations_on_startup: bool = True
    # The PostgreSQL schema that holds the app's tables (None: the role's search_path, which is
    # `public`). Apps, or a live test run, can then share one database without sharing tables.
    db_schema: str | None = Field(default=None, pattern=r"^[a-z_][a-z0-9_]{0,62}$")

    # Unity Catalog defaults
    default_catalog: str = "main"
    default_schema: str = "default"

    # Control-plane calls through databricks-sdk (not the SDK's 300 s default)
    databricks_http_timeout_seconds: float = Field(default=15.0, gt=0, le=300)
    databricks_retry_timeout_seconds: int = Field(default=20, ge=1, le=600)
    # Worker threads for SDK calls (they block); their own pool, so they cannot starve others.
    databricks_max_concurrent_calls: int = Field(default=32, ge=1, le=512)

    # SQL statement execution
    sql_wait_timeout_seconds: int = Field(default=10, ge=0, le=50)
    query_timeout_seconds: float = Field(default=60.0, gt=0, le=3600)
    query_poll_interval_seconds: float = Field(default=0.5, gt=0, le=30)

    # Model serving
    model_max_input_bytes: int = Field(default=4 * MiB, ge=1)
    model_retry_attempts: int = Field(default=3, ge=1, le=10)
    model_retry_max_wait_seconds: float = Field(default=10.0, ge=0)
    schema_cache_ttl_seconds: float = Field(default=300.0, ge=0)
    # Writing the inference log never holds an answer back longer than this.
    inference_log_write_timeout_seconds: float = Field(default=5.0, gt=0, le=60)

    # HTTP edge
    max_body_bytes: int = Field(default=1 * MiB, ge=1)
    invoke_max_body_bytes: int = Field(default=16 * MiB, ge=1)
    # How long a token's identity is trusted without asking SCIM again: a revoked token still
    # works on database-only routes for up to this long. 0 asks on every request.
    identity_cache_ttl_seconds: float = Field(default=3.0, ge=0, le=60)
    identity_cache_size: int = Field(default=1024, ge=1, le=100_000)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"

    @field_validator("databricks_host")
    @classmethod
    def _normalise_host(cls, value: str | None) -> str | None:
        """Databricks Apps inject the host without a scheme; the SDK and httpx need one."""
        if value is None or not value.strip():
            return None
        host = value.strip().rstrip("/")
        if "://" not in host:
            host = f"https://{host}"
        return host

    @field_validator("lakebase_endpoint", "lakebase_instance_name", "db_schema", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        """An empty variable (e.g. a `valueFrom` that resolved to nothing) counts as unset."""
        if isinstance(value, str):
            return value.strip() or None
        return value

    @field_validator("lakebase_endpoint")
    @classmethod
    def _endpoint_path(cls, value: str | None) -> str | None:
        if value is not None and not ENDPOINT_PATH.fullmatch(value):
            raise ValueError(
                f"LAKEBASE_ENDPOINT={value!r} is not an endpoint path: set it to "
                "projects/<project>/branches/<branch>/endpoints/<endpoint> (in app.yaml, "
                "`valueFrom` the app's postgres resource)"
            )
        return value

    @model_validator(mode="after")
    def _one_lakebase(self) -> Self:
        if self.lakebase_endpoint and self.lakebase_instance_name:
            raise ValueError(
                "LAKEBASE_ENDPOINT and LAKEBASE_INSTANCE_NAME are both set: keep "
                "LAKEBASE_ENDPOINT for a Lakebase Autoscaling database or "
                "LAKEBASE_INSTANCE_NAME for a Provisioned instance, and unset the other"
            )
        url = self.database_url.get_secret_value() if self.database_url else ""
        if self.db_schema and url.startswith("sqlite"):
            raise ValueError(
                f"DB_SCHEMA={self.db_schema!r} names a PostgreSQL schema, but DATABASE_URL is a "
                "SQLite database, which has none: unset DB_SCHEMA"
            )
        return self

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_log_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @property
    def database_mode(self) -> DatabaseMode:
        """Which storage the app uses: an explicit URL, Lakebase from PG* variables, or none."""
        if self.database_url is not None and self.database_url.get_secret_value():
            return "url"
        if self.pghost and self.pgdatabase and self.pguser and self.lakebase_flavour:
            return "lakebase"
        return "none"

    @property
    def lakebase_flavour(self) -> LakebaseFlavour | None:
        """Autoscaling when an endpoint is named, Provisioned when an instance is."""
        if self.lakebase_endpoint:
            return "autoscaling"
        if self.lakebase_instance_name:
            return "provisioned"
        return None


class ConfigurationError(Exception):
    """The environment describes no app that can start; the message says what to change."""


def describe(error: ValidationError) -> str:
    """Every problem of `error` on one line, each naming its environment variable."""
    problems = []
    for item in error.errors():
        message = str(item["msg"]).removeprefix("Value error, ")
        name = "_".join(str(part) for part in item["loc"]).upper()
        problems.append(message if not name or message.startswith(name) else f"{name}: {message}")
    return "invalid configuration: " + "; ".join(problems)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    try:
        return Settings()
    except ValidationError as exc:
        raise ConfigurationError(describe(exc)) from None
