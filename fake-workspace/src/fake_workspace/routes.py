"""Every REST route the fake serves: its method, path template and how it authenticates.

Tests name routes with :class:`Route` to inject faults and to filter recorded requests.
Order matters: the first matching route wins (``/exists`` before the table itself).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from typing import Any

from starlette.convertors import Convertor
from starlette.routing import compile_path


class Auth(enum.Enum):
    NONE = "none"
    """Discovery documents and the OAuth token endpoint (which checks client credentials)."""
    BEARER = "bearer"
    """``Authorization: Bearer <PAT or OAuth access token>``."""


class Route(enum.Enum):
    """A route of the fake; ``value`` is ``(method, path template, auth)``."""

    WELL_KNOWN = ("GET", "/.well-known/databricks-config", Auth.NONE)
    OIDC_DISCOVERY = ("GET", "/oidc/.well-known/oauth-authorization-server", Auth.NONE)
    OIDC_TOKEN = ("POST", "/oidc/v1/token", Auth.NONE)
    SCIM_ME = ("GET", "/api/2.0/preview/scim/v2/Me", Auth.BEARER)
    CATALOGS_LIST = ("GET", "/api/2.1/unity-catalog/catalogs", Auth.BEARER)
    CATALOGS_GET = ("GET", "/api/2.1/unity-catalog/catalogs/{name}", Auth.BEARER)
    SCHEMAS_LIST = ("GET", "/api/2.1/unity-catalog/schemas", Auth.BEARER)
    SCHEMAS_GET = ("GET", "/api/2.1/unity-catalog/schemas/{full_name}", Auth.BEARER)
    TABLES_LIST = ("GET", "/api/2.1/unity-catalog/tables", Auth.BEARER)
    TABLES_EXISTS = ("GET", "/api/2.1/unity-catalog/tables/{full_name}/exists", Auth.BEARER)
    TABLES_GET = ("GET", "/api/2.1/unity-catalog/tables/{full_name}", Auth.BEARER)
    SQL_EXECUTE = ("POST", "/api/2.0/sql/statements", Auth.BEARER)
    SQL_GET = ("GET", "/api/2.0/sql/statements/{statement_id}", Auth.BEARER)
    SQL_CHUNK = (
        "GET",
        "/api/2.0/sql/statements/{statement_id}/result/chunks/{chunk_index}",
        Auth.BEARER,
    )
    SQL_CANCEL = ("POST", "/api/2.0/sql/statements/{statement_id}/cancel", Auth.BEARER)
    SERVING_LIST = ("GET", "/api/2.0/serving-endpoints", Auth.BEARER)
    SERVING_GET = ("GET", "/api/2.0/serving-endpoints/{name}", Auth.BEARER)
    SERVING_OPENAPI = ("GET", "/api/2.0/serving-endpoints/{name}/openapi", Auth.BEARER)
    INVOCATIONS = ("POST", "/serving-endpoints/{name}/invocations", Auth.BEARER)
    DATABASE_INSTANCE = ("GET", "/api/2.0/database/instances/{name}", Auth.BEARER)
    DATABASE_CREDENTIAL = ("POST", "/api/2.0/database/credentials", Auth.BEARER)
    POSTGRES_CREDENTIAL = ("POST", "/api/2.0/postgres/credentials", Auth.BEARER)
    POSTGRES_BRANCH_CREATE = ("POST", "/api/2.0/postgres/projects/{project}/branches", Auth.BEARER)
    POSTGRES_RESOURCE = ("GET", "/api/2.0/postgres/{name:path}", Auth.BEARER)
    """Endpoints, branches, databases (one or a listing) and operations, by resource name."""
    POSTGRES_DELETE = ("DELETE", "/api/2.0/postgres/{name:path}", Auth.BEARER)

    @property
    def method(self) -> str:
        return str(self.value[0])

    @property
    def template(self) -> str:
        return str(self.value[1])

    @property
    def auth(self) -> Auth:
        auth: Auth = self.value[2]
        return auth


@dataclass(frozen=True)
class RouteMatch:
    route: Route
    params: dict[str, str]

    @property
    def target(self) -> str | None:
        """The first path parameter (endpoint name, full name, statement id...), if any."""
        return next(iter(self.params.values()), None)


@dataclass(frozen=True)
class _Compiled:
    route: Route
    regex: re.Pattern[str]
    convertors: dict[str, Convertor[Any]]


_COMPILED: tuple[_Compiled, ...] = tuple(
    _Compiled(route, regex, convertors)
    for route in Route
    for regex, _fmt, convertors in [compile_path(route.template)]
)


def match_route(method: str, path: str) -> RouteMatch | None:
    """Find the route for ``method`` and a percent-decoded ``path``; ``None`` when unmatched."""
    for compiled in _COMPILED:
        if compiled.route.method != method:
            continue
        found = compiled.regex.match(path)
        if found is None:
            continue
        params = {k: str(compiled.convertors[k].convert(v)) for k, v in found.groupdict().items()}
        return RouteMatch(compiled.route, params)
    return None
