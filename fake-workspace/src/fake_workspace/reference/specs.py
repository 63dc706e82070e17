"""Immutable descriptions of the seeded workspace: identities, securables, endpoints.

These are plain frozen dataclasses so tests can import them and compute expectations
without starting the fake.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

Row = tuple[Any, ...]


class Privilege(enum.StrEnum):
    """The Unity Catalog privileges the fake understands (inherited downwards)."""

    USE_CATALOG = "USE_CATALOG"
    USE_SCHEMA = "USE_SCHEMA"
    SELECT = "SELECT"


@dataclass(frozen=True)
class UserDef:
    """A workspace user authenticated by a personal access token."""

    user_name: str
    display_name: str
    token: str
    scim_id: str
    is_admin: bool = False

    @property
    def given_name(self) -> str:
        return self.display_name.split(" ")[0]

    @property
    def family_name(self) -> str:
        return self.display_name.split(" ")[-1]


@dataclass(frozen=True)
class ServicePrincipalDef:
    """The app's service principal: OAuth M2M client credentials; user name = application id."""

    application_id: str
    client_secret: str
    display_name: str
    scim_id: str

    @property
    def user_name(self) -> str:
        return self.application_id

    @property
    def client_id(self) -> str:
        return self.application_id


@dataclass(frozen=True)
class ColumnDef:
    """A Unity Catalog column: ``type_name`` is the UC enum, ``type_text`` the SQL type."""

    name: str
    type_text: str
    nullable: bool = True
    comment: str | None = None

    @property
    def type_name(self) -> str:
        return type_name_of(self.type_text)

    @property
    def scale(self) -> int | None:
        if not self.type_text.startswith("decimal("):
            return None
        return int(self.type_text.rstrip(")").split(",")[1])

    @property
    def precision(self) -> int | None:
        if not self.type_text.startswith("decimal("):
            return None
        return int(self.type_text[len("decimal(") :].split(",")[0])


_TYPE_NAMES: dict[str, str] = {
    "tinyint": "BYTE",
    "smallint": "SHORT",
    "int": "INT",
    "bigint": "LONG",
    "float": "FLOAT",
    "double": "DOUBLE",
    "string": "STRING",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP",
    "void": "NULL",
}


def type_name_of(type_text: str) -> str:
    """Map a SQL type text (``decimal(10,2)``, ``bigint``) to the ``ColumnTypeName`` enum value."""
    base = type_text.split("(")[0].strip().lower()
    if base == "decimal":
        return "DECIMAL"
    return _TYPE_NAMES[base]


@dataclass(frozen=True)
class TableDef:
    """A table with its columns and deterministic rows (Python values, ``None`` = NULL)."""

    catalog: str
    schema: str
    name: str
    columns: tuple[ColumnDef, ...]
    rows: tuple[Row, ...]
    comment: str | None = None
    owner: str = "carol@example.com"

    @property
    def full_name(self) -> str:
        return f"{self.catalog}.{self.schema}.{self.name}"

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def as_dicts(self) -> list[dict[str, Any]]:
        """The rows as ``{column: value}`` dicts, in table order."""
        return [dict(zip(self.column_names, row, strict=True)) for row in self.rows]


@dataclass(frozen=True)
class SchemaDef:
    catalog: str
    name: str
    comment: str | None = None
    owner: str = "carol@example.com"

    @property
    def full_name(self) -> str:
        return f"{self.catalog}.{self.name}"


@dataclass(frozen=True)
class CatalogDef:
    name: str
    catalog_type: str
    isolation_mode: str = "OPEN"
    comment: str | None = None
    owner: str = "carol@example.com"


@dataclass(frozen=True)
class Grant:
    """``principal`` (user name, application id or group) holds ``privilege`` on ``securable``.

    ``securable`` is a full name: ``catalog``, ``catalog.schema`` or ``catalog.schema.table``.
    A grant applies to the securable and everything below it.
    """

    principal: str
    privilege: Privilege
    securable: str


class ModelKind(enum.Enum):
    """How a serving endpoint computes its answer."""

    FRAUD_SCORE = "fraud_score"
    PAIR_SUM = "pair_sum"
    CHAT_ECHO = "chat_echo"
    EMBEDDING = "embedding"
    UNTYPED_DOUBLE = "untyped_double"


@dataclass(frozen=True)
class InputColumn:
    name: str
    type: str  # MLflow schema type: "double", "integer", "long", "string", "boolean"


@dataclass(frozen=True)
class EndpointDef:
    """A model serving endpoint; ``input_schema`` drives both validation and ``/openapi``."""

    name: str
    kind: ModelKind
    entity_name: str
    entity_version: str
    task: str | None = None
    ready: str = "READY"
    config_update: str = "NOT_UPDATING"
    foundation_model: str | None = None
    input_schema: tuple[InputColumn, ...] | None = None
    tags: tuple[tuple[str, str], ...] = ()
    creator: str = "carol@example.com"
    endpoint_id: str = ""
    description: str | None = None

    @property
    def served_entity_name(self) -> str:
        short = self.entity_name.rsplit(".", 1)[-1]
        return f"{short}-{self.entity_version}"


@dataclass(frozen=True)
class DatabaseInstanceDef:
    name: str
    uid: str
    state: str = "AVAILABLE"
    pg_version: str = "PG_VERSION_16"
    capacity: str = "CU_1"
    creator: str = "carol@example.com"
    hostname: str | None = None
    """Where it is served, when a real server stands in for it (``--postgres``)."""

    @property
    def read_write_dns(self) -> str:
        if self.hostname is not None:
            return self.hostname
        return f"instance-{self.uid}.database.cloud.databricks.com"

    @property
    def read_only_dns(self) -> str:
        return f"instance-ro-{self.uid}.database.cloud.databricks.com"


@dataclass(frozen=True)
class PostgresEndpointDef:
    """A Lakebase Autoscaling compute endpoint: ``projects/<p>/branches/<b>/endpoints/<e>``."""

    project: str
    branch: str
    endpoint_id: str
    uid: str
    state: str = "ACTIVE"
    endpoint_type: str = "ENDPOINT_TYPE_READ_WRITE"
    min_cu: float = 0.5
    max_cu: float = 4.0
    hostname: str | None = None
    """Where it is served, when a real server stands in for it (``--postgres``); otherwise a
    made-up Databricks host derived from the uid."""

    @property
    def branch_name(self) -> str:
        return f"projects/{self.project}/branches/{self.branch}"

    @property
    def name(self) -> str:
        return f"{self.branch_name}/endpoints/{self.endpoint_id}"

    @property
    def host(self) -> str:
        if self.hostname is not None:
            return self.hostname
        return f"{self.endpoint_id}-{self.uid[:8]}.database.cloud.databricks.com"
