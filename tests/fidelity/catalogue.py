"""Every kind of answer the fake gives: one case per route and per thing its reference data
can make it say (each listing page, catalog, table and column type, statement state,
endpoint state and task, Lakebase API, and every error), with the SDK class that decodes it.

A case is a function of the running fake: it arranges what it needs (a fault, a small page
size, a statement left running) and makes one HTTP request, whose answer is judged. The
cases are listed statically, from `fake_workspace.reference`, so each one is a test id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
from databricks.sdk.oauth import HostMetadata
from databricks.sdk.service import catalog, database, iam, postgres, serving, sql

from fake_workspace import FakeWorkspace, Route
from fake_workspace.reference import (
    ALICE,
    APP_SP,
    BOB,
    CAROL,
    CATALOGS,
    DATABASE_INSTANCES,
    ENDPOINTS,
    FRAUD_DETECTOR,
    LAKEBASE,
    LAKEBASE_ENDPOINT,
    SCHEMAS,
    TABLES,
    USERS,
    WAREHOUSE_ID,
    WARMING_UP,
    ModelKind,
)
from tests.harness.http import bearer

Call = Callable[[FakeWorkspace, httpx.Client], httpx.Response]


class EmptyAnswer:
    """The SDK reads nothing from the answer (``cancel_execution`` returns None): ``{}``."""


@dataclass(frozen=True)
class Case:
    route: Route | None
    """None: a route the fake does not serve (its 404 is judged too)."""
    name: str
    call: Call
    model: type[Any] | None
    """The SDK dataclass of the answer; None for an error (judged by the SDK's error parser)."""

    @property
    def id(self) -> str:
        return f"{self.route.name if self.route else 'UNMATCHED'}:{self.name}"


def _get(path: str, token: str = ALICE.token, **params: Any) -> Call:
    def call(fake: FakeWorkspace, http: httpx.Client) -> httpx.Response:
        return http.get(path, params=params, headers=bearer(token))

    return call


def _post(path: str, body: dict[str, Any], token: str = ALICE.token) -> Call:
    def call(fake: FakeWorkspace, http: httpx.Client) -> httpx.Response:
        return http.post(path, json=body, headers=bearer(token))

    return call


def _statement(sql_text: str, **extra: Any) -> dict[str, Any]:
    return {"statement": sql_text, "warehouse_id": WAREHOUSE_ID, **extra}


UC = "/api/2.1/unity-catalog"
# Request parts as the SDK models them (its own as_dict() writes the JSON sent).
QUERY_TAGS = [sql.QueryTag(key="team", value="data"), sql.QueryTag(key="nightly")]
TABLE_CLAIM = database.RequestedClaims(
    permission_set=database.RequestedClaimsPermissionSet.READ_ONLY,
    resources=[database.RequestedResource(table_name="main.sales.orders")],
)
STATEMENTS = "/api/2.0/sql/statements"


def _paged(path: str, **params: Any) -> Call:
    """The second page of a listing at page size 1 (the SDK follows every token)."""

    def call(fake: FakeWorkspace, http: httpx.Client) -> httpx.Response:
        fake.unity_catalog.page_size = 1
        first = _get(path, CAROL.token, max_results=1, **params)(fake, http).json()
        token = first["next_page_token"]
        return _get(path, CAROL.token, max_results=1, page_token=token, **params)(fake, http)

    return call


def _empty_page(path: str, **params: Any) -> Call:
    def call(fake: FakeWorkspace, http: httpx.Client) -> httpx.Response:
        fake.unity_catalog.page_size = 1
        fake.unity_catalog.insert_empty_pages = True
        return _get(path, CAROL.token, max_results=1, **params)(fake, http)

    return call


def unity_catalog_cases() -> Iterator[Case]:
    yield Case(
        Route.CATALOGS_LIST,
        "all",
        _get(f"{UC}/catalogs", CAROL.token),
        catalog.ListCatalogsResponse,
    )
    yield Case(Route.CATALOGS_LIST, "page", _paged(f"{UC}/catalogs"), catalog.ListCatalogsResponse)
    yield Case(
        Route.CATALOGS_LIST,
        "empty-page",
        _empty_page(f"{UC}/catalogs"),
        catalog.ListCatalogsResponse,
    )
    for cat in CATALOGS:
        yield Case(
            Route.CATALOGS_GET,
            cat.name,
            _get(f"{UC}/catalogs/{cat.name}", CAROL.token),
            catalog.CatalogInfo,
        )
        yield Case(
            Route.SCHEMAS_LIST,
            cat.name,
            _get(f"{UC}/schemas", CAROL.token, catalog_name=cat.name),
            catalog.ListSchemasResponse,
        )
    yield Case(
        Route.SCHEMAS_LIST,
        "page",
        _paged(f"{UC}/schemas", catalog_name="main"),
        catalog.ListSchemasResponse,
    )
    for schema in SCHEMAS:
        full = f"{schema.catalog}.{schema.name}"
        yield Case(
            Route.SCHEMAS_GET,
            full,
            _get(f"{UC}/schemas/{quote(full)}", CAROL.token),
            catalog.SchemaInfo,
        )
        yield Case(
            Route.TABLES_LIST,
            full,
            _get(f"{UC}/tables", CAROL.token, catalog_name=schema.catalog, schema_name=schema.name),
            catalog.ListTablesResponse,
        )
    yield Case(
        Route.TABLES_LIST,
        "page",
        _paged(f"{UC}/tables", catalog_name="main", schema_name="sales"),
        catalog.ListTablesResponse,
    )
    for full in TABLES:
        yield Case(
            Route.TABLES_GET,
            full,
            _get(f"{UC}/tables/{quote(full)}", CAROL.token),
            catalog.TableInfo,
        )
    yield Case(
        Route.TABLES_EXISTS,
        "true",
        _get(f"{UC}/tables/main.sales.orders/exists", CAROL.token),
        catalog.TableExistsResponse,
    )
    yield Case(
        Route.TABLES_EXISTS,
        "false",
        _get(f"{UC}/tables/main.sales.nowhere/exists", CAROL.token),
        catalog.TableExistsResponse,
    )


def _run(sql_text: str, **extra: Any) -> Call:
    return _post(STATEMENTS, _statement(sql_text, **extra))


def _select_all(full_name: str) -> Call:
    """Rows of a seeded table, as its owner: every column type it has, in a SUCCEEDED answer."""
    quoted = ".".join(f"`{part}`" for part in full_name.split("."))

    def call(fake: FakeWorkspace, http: httpx.Client) -> httpx.Response:
        body = _statement(f"SELECT * FROM {quoted} LIMIT 3")
        answer = _post(STATEMENTS, body, CAROL.token)(fake, http)
        assert answer.json()["status"]["state"] == "SUCCEEDED", answer.text
        return answer

    return call


def _failed(fake: FakeWorkspace, http: httpx.Client) -> httpx.Response:
    fake.sql.fail_next(message="[DIVIDE_BY_ZERO] Division by zero.", sql_state="22012")
    return _run("SELECT 1")(fake, http)


def _running(polls: int) -> Call:
    def call(fake: FakeWorkspace, http: httpx.Client) -> httpx.Response:
        fake.sql.stay_running_for(polls)
        return _run("SELECT 1", wait_timeout="0s")(fake, http)

    return call


def _after(setup: Call, then: Callable[[str], Call]) -> Call:
    def call(fake: FakeWorkspace, http: httpx.Client) -> httpx.Response:
        statement_id = setup(fake, http).json()["statement_id"]
        return then(statement_id)(fake, http)

    return call


def _canceled_then_get(fake: FakeWorkspace, http: httpx.Client) -> httpx.Response:
    statement_id = _running(5)(fake, http).json()["statement_id"]
    _post(f"{STATEMENTS}/{statement_id}/cancel", {})(fake, http)
    return _get(f"{STATEMENTS}/{statement_id}")(fake, http)


def _closed_then_get(fake: FakeWorkspace, http: httpx.Client) -> httpx.Response:
    statement_id = _run("SELECT 1")(fake, http).json()["statement_id"]
    fake.sql.close(statement_id)
    return _get(f"{STATEMENTS}/{statement_id}")(fake, http)


def sql_cases() -> Iterator[Case]:
    for full in TABLES:
        yield Case(
            Route.SQL_EXECUTE,
            f"select {full}",
            _select_all(full),
            sql.StatementResponse,
        )
    yield Case(
        Route.SQL_EXECUTE,
        "no rows",
        _run("SELECT * FROM main.sales.orders WHERE 1 = 0"),
        sql.StatementResponse,
    )
    yield Case(
        Route.SQL_EXECUTE,
        "literals",
        _run("SELECT 1 AS i, 2147483648 AS b, 12.50 AS d, 1e3 AS f, 'x' AS s, true AS t"),
        sql.StatementResponse,
    )
    yield Case(
        Route.SQL_EXECUTE,
        "parameters",
        _post(
            STATEMENTS,
            _statement(
                "SELECT :d AS d, :n AS n",
                parameters=[
                    {"name": "d", "value": "12.50", "type": "DECIMAL(10,2)"},
                    {"name": "n", "type": "INT"},
                ],
            ),
        ),
        sql.StatementResponse,
    )
    yield Case(Route.SQL_EXECUTE, "chunked", _chunked_first, sql.StatementResponse)
    yield Case(Route.SQL_EXECUTE, "failed", _failed, sql.StatementResponse)
    yield Case(Route.SQL_EXECUTE, "running", _running(2), sql.StatementResponse)
    yield Case(Route.SQL_EXECUTE, "syntax error", _run("SELEC oops"), sql.StatementResponse)
    yield Case(
        Route.SQL_GET,
        "running",
        _after(_running(3), lambda s: _get(f"{STATEMENTS}/{s}")),
        sql.StatementResponse,
    )
    yield Case(
        Route.SQL_GET,
        "succeeded",
        _after(_running(1), lambda s: _get(f"{STATEMENTS}/{s}")),
        sql.StatementResponse,
    )
    yield Case(Route.SQL_GET, "canceled", _canceled_then_get, sql.StatementResponse)
    yield Case(Route.SQL_GET, "closed", _closed_then_get, sql.StatementResponse)
    yield Case(Route.SQL_CHUNK, "next chunk", _chunk(1), sql.ResultData)
    yield Case(Route.SQL_CHUNK, "last chunk", _chunk(-1), sql.ResultData)
    yield Case(
        Route.SQL_CANCEL,
        "running",
        _after(_running(5), lambda s: _post(f"{STATEMENTS}/{s}/cancel", {})),
        EmptyAnswer,
    )
    yield Case(
        Route.SQL_EXECUTE,
        "query tags",
        _run("SELECT 1", query_tags=[tag.as_dict() for tag in QUERY_TAGS]),
        sql.StatementResponse,
    )


def _chunked_first(fake: FakeWorkspace, http: httpx.Client) -> httpx.Response:
    fake.sql.rows_per_chunk = 2
    return _run("SELECT * FROM main.sales.orders LIMIT 5")(fake, http)


def _chunk(index: int) -> Call:
    def call(fake: FakeWorkspace, http: httpx.Client) -> httpx.Response:
        first = _chunked_first(fake, http).json()
        n = index if index >= 0 else first["manifest"]["total_chunk_count"] - 1
        return _get(f"{STATEMENTS}/{first['statement_id']}/result/chunks/{n}")(fake, http)

    return call


_INPUTS: dict[ModelKind, dict[str, Any]] = {
    ModelKind.FRAUD_SCORE: {
        "dataframe_records": [{"amount": 12.5, "merchant_score": 0.5, "hour": 3}]
    },
    ModelKind.PAIR_SUM: {"dataframe_records": [{"x": 1.25, "y": 2}]},
    ModelKind.CHAT_ECHO: {"messages": [{"role": "user", "content": "one two"}], "max_tokens": 5},
    ModelKind.EMBEDDING: {"input": ["a", "b c"]},
}


def _not_ready(fake: FakeWorkspace, http: httpx.Client) -> httpx.Response:
    fake.serving.set_state(FRAUD_DETECTOR.name, ready="NOT_READY", config_update="IN_PROGRESS")
    return _get(f"/api/2.0/serving-endpoints/{FRAUD_DETECTOR.name}")(fake, http)


def _update_failed(fake: FakeWorkspace, http: httpx.Client) -> httpx.Response:
    fake.serving.set_state(FRAUD_DETECTOR.name, ready="READY", config_update="UPDATE_FAILED")
    return _get(f"/api/2.0/serving-endpoints/{FRAUD_DETECTOR.name}")(fake, http)


def serving_cases() -> Iterator[Case]:
    yield Case(
        Route.SERVING_LIST, "all", _get("/api/2.0/serving-endpoints"), serving.ListEndpointsResponse
    )
    yield Case(
        Route.SERVING_LIST,
        "as an admin",
        _get("/api/2.0/serving-endpoints", CAROL.token),
        serving.ListEndpointsResponse,
    )
    for endpoint in ENDPOINTS:
        yield Case(
            Route.SERVING_GET,
            endpoint.name,
            _get(f"/api/2.0/serving-endpoints/{quote(endpoint.name)}"),
            serving.ServingEndpointDetailed,
        )
        body = _INPUTS.get(endpoint.kind)
        if body is not None and endpoint.ready == "READY":
            yield Case(
                Route.INVOCATIONS,
                endpoint.name,
                _post(f"/serving-endpoints/{quote(endpoint.name)}/invocations", body),
                serving.QueryEndpointResponse,
            )
    yield Case(
        Route.SERVING_GET, "not ready, updating", _not_ready, serving.ServingEndpointDetailed
    )
    yield Case(Route.SERVING_GET, "update failed", _update_failed, serving.ServingEndpointDetailed)


def _as_service_principal(call: Callable[[str], Call]) -> Call:
    def run(fake: FakeWorkspace, http: httpx.Client) -> httpx.Response:
        token = http.post(
            "/oidc/v1/token",
            data={"grant_type": "client_credentials", "scope": "all-apis"},
            auth=(APP_SP.application_id, APP_SP.client_secret),
        ).json()["access_token"]
        return call(token)(fake, http)

    return run


def lakebase_cases() -> Iterator[Case]:
    for instance in DATABASE_INSTANCES:
        yield Case(
            Route.DATABASE_INSTANCE,
            instance.name,
            _get(f"/api/2.0/database/instances/{instance.name}"),
            database.DatabaseInstance,
        )
    yield Case(
        Route.DATABASE_CREDENTIAL,
        "instance",
        _as_service_principal(
            lambda t: _post(
                "/api/2.0/database/credentials",
                {"instance_names": [LAKEBASE.name], "request_id": "fidelity"},
                t,
            )
        ),
        database.DatabaseCredential,
    )
    yield Case(
        Route.POSTGRES_CREDENTIAL,
        "endpoint",
        _as_service_principal(
            lambda t: _post(
                "/api/2.0/postgres/credentials", {"endpoint": LAKEBASE_ENDPOINT.name}, t
            )
        ),
        postgres.DatabaseCredential,
    )
    yield Case(
        Route.POSTGRES_RESOURCE,
        "endpoint",
        _get(f"/api/2.0/postgres/{LAKEBASE_ENDPOINT.name}"),
        postgres.Endpoint,
    )
    yield Case(
        Route.DATABASE_CREDENTIAL,
        "claims only",
        _as_service_principal(
            lambda t: _post(
                "/api/2.0/database/credentials",
                {"claims": [TABLE_CLAIM.as_dict()], "request_id": "fidelity"},
                t,
            )
        ),
        database.DatabaseCredential,
    )
    yield Case(
        Route.POSTGRES_CREDENTIAL,
        "endpoint with claims",
        _as_service_principal(
            lambda t: _post(
                "/api/2.0/postgres/credentials",
                {"endpoint": LAKEBASE_ENDPOINT.name, "claims": [TABLE_CLAIM.as_dict()]},
                t,
            )
        ),
        postgres.DatabaseCredential,
    )


PG = "/api/2.0/postgres"
PROJECT = f"projects/{LAKEBASE_ENDPOINT.project}"
SOURCE = LAKEBASE_ENDPOINT.branch_name
NEW_BRANCH = f"{PROJECT}/branches/fidelity"


def _create_branch(branch_id: str = "fidelity", polls: int = 0, **spec: Any) -> Call:
    """``create_branch`` of the app's branch (an hour to live unless ``spec`` says otherwise);
    its operation ends after ``polls`` polls."""

    def call(fake: FakeWorkspace, http: httpx.Client) -> httpx.Response:
        fake.branches.operation_polls = polls
        body = {"spec": {"source_branch": SOURCE, **(spec or {"ttl": "3600s"})}}
        return http.post(
            f"{PG}/{PROJECT}/branches",
            params={"branch_id": branch_id},
            json=body,
            headers=bearer(ALICE.token),
        )

    return call


def _with_branch(then: Call, polls: int = 0) -> Call:
    """``then``, once the branch ``fidelity`` exists."""

    def call(fake: FakeWorkspace, http: httpx.Client) -> httpx.Response:
        created = _create_branch(polls=polls)(fake, http)
        assert created.status_code == 200, created.text
        return then(fake, http)

    return call


def _operation_of(setup: Call) -> Call:
    """GET of the operation ``setup`` answered."""

    def call(fake: FakeWorkspace, http: httpx.Client) -> httpx.Response:
        name = setup(fake, http).json()["name"]
        return _get(f"{PG}/{name}")(fake, http)

    return call


def _delete(name: str, **params: Any) -> Call:
    def call(fake: FakeWorkspace, http: httpx.Client) -> httpx.Response:
        return http.delete(f"{PG}/{name}", params=params, headers=bearer(ALICE.token))

    return call


def _failing(then: Call) -> Call:
    def call(fake: FakeWorkspace, http: httpx.Client) -> httpx.Response:
        fake.branches.operation_error = {"error_code": "INTERNAL_ERROR", "message": "failed"}
        return then(fake, http)

    return call


def _revoked(then: Call) -> Call:
    def call(fake: FakeWorkspace, http: httpx.Client) -> httpx.Response:
        fake.lakebase.revoke_access(ALICE.user_name)
        return then(fake, http)

    return call


def _second_branch_page(fake: FakeWorkspace, http: httpx.Client) -> httpx.Response:
    first = _get(f"{PG}/{PROJECT}/branches", page_size=1)(fake, http).json()
    return _get(f"{PG}/{PROJECT}/branches", page_size=1, page_token=first["next_page_token"])(
        fake, http
    )


# GET answers of the Postgres API, each one case: (case name, resource path, SDK model).
SEEDED_READS: tuple[tuple[str, str, type[Any]], ...] = (
    ("seeded branch", SOURCE, postgres.Branch),
    ("child branch", f"{PROJECT}/branches/development", postgres.Branch),
    ("database", f"{SOURCE}/databases/databricks-postgres", postgres.Database),
)
# The same, once the branch ``fidelity`` was created from the app's branch.
NEW_BRANCH_READS: tuple[tuple[str, str, type[Any]], ...] = (
    ("new branch", NEW_BRANCH, postgres.Branch),
    ("branches", f"{PROJECT}/branches", postgres.ListBranchesResponse),
    ("new branch endpoint", f"{NEW_BRANCH}/endpoints/primary", postgres.Endpoint),
    ("endpoints", f"{NEW_BRANCH}/endpoints", postgres.ListEndpointsResponse),
    ("databases", f"{NEW_BRANCH}/databases", postgres.ListDatabasesResponse),
    ("branch's database", f"{NEW_BRANCH}/databases/databricks-postgres", postgres.Database),
)


def branch_cases() -> Iterator[Case]:
    """Lakebase Autoscaling branches: operations, branches, their endpoints and databases."""
    create, resource, delete = (
        Route.POSTGRES_BRANCH_CREATE,
        Route.POSTGRES_RESOURCE,
        Route.POSTGRES_DELETE,
    )
    yield Case(create, "operation done", _create_branch(), postgres.Operation)
    yield Case(create, "operation pending", _create_branch(polls=1), postgres.Operation)
    yield Case(create, "no expiry", _create_branch(no_expiry=True), postgres.Operation)
    yield Case(create, "operation failed", _failing(_create_branch()), postgres.Operation)
    yield Case(resource, "create operation", _operation_of(_create_branch()), postgres.Operation)
    yield Case(
        resource,
        "create operation pending",
        _operation_of(_create_branch(polls=2)),
        postgres.Operation,
    )
    for name, path, model in SEEDED_READS:
        yield Case(resource, name, _get(f"{PG}/{path}"), model)
    for name, path, model in NEW_BRANCH_READS:
        yield Case(resource, name, _with_branch(_get(f"{PG}/{path}")), model)
    yield Case(
        resource,
        "new branch initialising",
        _with_branch(_get(f"{PG}/{NEW_BRANCH}"), polls=1),
        postgres.Branch,
    )
    yield Case(resource, "branches page 2", _second_branch_page, postgres.ListBranchesResponse)
    yield Case(delete, "operation", _with_branch(_delete(NEW_BRANCH)), postgres.Operation)
    yield Case(
        delete,
        "allow_missing",
        _delete(f"{PROJECT}/branches/gone", allow_missing="true"),
        postgres.Operation,
    )
    yield Case(
        resource,
        "delete operation",
        _operation_of(_with_branch(_delete(NEW_BRANCH))),
        postgres.Operation,
    )
    yield Case(
        Route.POSTGRES_CREDENTIAL,
        "branch endpoint",
        _with_branch(
            _as_service_principal(
                lambda t: _post(
                    "/api/2.0/postgres/credentials",
                    {"endpoint": f"{NEW_BRANCH}/endpoints/primary"},
                    t,
                )
            )
        ),
        postgres.DatabaseCredential,
    )


def branch_error_cases() -> Iterator[Case]:
    create, resource, delete = (
        Route.POSTGRES_BRANCH_CREATE,
        Route.POSTGRES_RESOURCE,
        Route.POSTGRES_DELETE,
    )
    yield Case(create, "409 taken", _with_branch(_create_branch()), None)
    yield Case(create, "400 no expiry", _create_branch(ttl=None), None)
    yield Case(create, "400 two expiries", _create_branch(ttl="60s", no_expiry=True), None)
    yield Case(create, "400 ttl too long", _create_branch(ttl=f"{31 * 86400}s"), None)
    yield Case(create, "400 branch_id", _create_branch("Not_An_Id"), None)
    yield Case(create, "403 revoked", _revoked(_create_branch()), None)
    yield Case(
        create,
        "404 project",
        _post(f"{PG}/projects/nope/branches?branch_id=x", {"spec": {"no_expiry": True}}),
        None,
    )
    yield Case(
        create,
        "404 source branch",
        _create_branch(source_branch=f"{PROJECT}/branches/nope", no_expiry=True),
        None,
    )
    yield Case(resource, "404 branch", _get(f"{PG}/{PROJECT}/branches/nope"), None)
    yield Case(
        resource,
        "404 operation",
        _get(f"{PG}/{NEW_BRANCH}/operations/00000000-0000-0000-0000-000000000000"),
        None,
    )
    yield Case(resource, "404 database", _get(f"{PG}/{SOURCE}/databases/nope"), None)
    yield Case(resource, "400 page_size", _get(f"{PG}/{PROJECT}/branches", page_size=-1), None)
    yield Case(resource, "403 revoked", _revoked(_get(f"{PG}/{SOURCE}")), None)
    yield Case(delete, "404", _delete(f"{PROJECT}/branches/gone"), None)
    yield Case(delete, "400 protected", _delete(SOURCE), None)
    yield Case(delete, "403 revoked", _with_branch(_revoked(_delete(NEW_BRANCH))), None)


def identity_cases() -> Iterator[Case]:
    yield Case(
        Route.WELL_KNOWN, "host metadata", _get("/.well-known/databricks-config"), HostMetadata
    )
    for user in USERS:
        yield Case(
            Route.SCIM_ME, user.user_name, _get("/api/2.0/preview/scim/v2/Me", user.token), iam.User
        )
    yield Case(
        Route.SCIM_ME,
        "service principal",
        _as_service_principal(lambda t: _get("/api/2.0/preview/scim/v2/Me", t)),
        iam.User,
    )


def _fault(route: Route, status: int, error_code: str, then: Call) -> Call:
    def call(fake: FakeWorkspace, http: httpx.Client) -> httpx.Response:
        fake.faults.fail_next(route, status=status, error_code=error_code, retry_after=1)
        return then(fake, http)

    return call


def _another_users_statement(fake: FakeWorkspace, http: httpx.Client) -> httpx.Response:
    statement_id = _run("SELECT 1")(fake, http).json()["statement_id"]
    return _get(f"{STATEMENTS}/{statement_id}", BOB.token)(fake, http)


def _credential_refused(fake: FakeWorkspace, http: httpx.Client) -> httpx.Response:
    fake.lakebase.revoke_access(APP_SP.application_id)
    body = {"endpoint": LAKEBASE_ENDPOINT.name}
    return _as_service_principal(lambda t: _post("/api/2.0/postgres/credentials", body, t))(
        fake, http
    )


def _unknown_route(fake: FakeWorkspace, http: httpx.Client) -> httpx.Response:
    fake.allow_unmatched()
    return _get("/api/2.0/clusters/list")(fake, http)


def error_cases() -> Iterator[Case]:
    """Every error the fake answers by itself, and the ones tests inject."""
    me = "/api/2.0/preview/scim/v2/Me"
    yield Case(Route.SQL_GET, "403 another user's", _another_users_statement, None)
    yield Case(
        Route.SQL_CHUNK,
        "404 chunk",
        _after(_run("SELECT 1"), lambda s: _get(f"{STATEMENTS}/{s}/result/chunks/7")),
        None,
    )
    yield Case(Route.SQL_EXECUTE, "400 wait_timeout", _run("SELECT 1", wait_timeout="3s"), None)
    yield Case(Route.POSTGRES_CREDENTIAL, "403 revoked", _credential_refused, None)
    yield Case(None, "404 unknown route", _unknown_route, None)
    yield Case(Route.SCIM_ME, "401 invalid token", _get(me, "dapi-not-a-token"), None)
    yield Case(Route.SCIM_ME, "401 no credential", lambda f, h: h.get(me), None)
    yield Case(Route.CATALOGS_GET, "403", _get(f"{UC}/catalogs/restricted"), None)
    yield Case(Route.CATALOGS_GET, "404", _get(f"{UC}/catalogs/nowhere"), None)
    yield Case(Route.SCHEMAS_GET, "404", _get(f"{UC}/schemas/main.nowhere"), None)
    yield Case(Route.TABLES_GET, "404", _get(f"{UC}/tables/main.sales.nowhere"), None)
    yield Case(Route.TABLES_EXISTS, "404 schema", _get(f"{UC}/tables/main.nowhere.t/exists"), None)
    yield Case(Route.CATALOGS_LIST, "400 max_results", _get(f"{UC}/catalogs", max_results=-1), None)
    yield Case(
        Route.SQL_EXECUTE,
        "404 warehouse",
        _post(STATEMENTS, {"statement": "SELECT 1", "warehouse_id": "nope"}),
        None,
    )
    yield Case(
        Route.SQL_EXECUTE,
        "400 no statement",
        _post(STATEMENTS, {"warehouse_id": WAREHOUSE_ID}),
        None,
    )
    yield Case(
        Route.SQL_EXECUTE,
        "501 external links",
        _run("SELECT 1", disposition="EXTERNAL_LINKS"),
        None,
    )
    yield Case(
        Route.SQL_GET, "404", _get(f"{STATEMENTS}/01f00000-0000-0000-0000-000000000000"), None
    )
    yield Case(Route.SERVING_GET, "404", _get("/api/2.0/serving-endpoints/nowhere"), None)
    yield Case(
        Route.INVOCATIONS,
        "503 not ready",
        _post(
            f"/serving-endpoints/{WARMING_UP.name}/invocations", {"dataframe_records": [{"a": 1}]}
        ),
        None,
    )
    yield Case(
        Route.INVOCATIONS,
        "400 bad input",
        _post(f"/serving-endpoints/{FRAUD_DETECTOR.name}/invocations", {"messages": []}),
        None,
    )
    yield Case(Route.DATABASE_INSTANCE, "404", _get("/api/2.0/database/instances/nowhere"), None)
    yield Case(
        Route.POSTGRES_CREDENTIAL,
        "400 endpoint path",
        _post("/api/2.0/postgres/credentials", {"endpoint": "x"}),
        None,
    )
    yield Case(
        Route.INVOCATIONS,
        "429 injected",
        _fault(
            Route.INVOCATIONS,
            429,
            "REQUEST_LIMIT_EXCEEDED",
            _post(
                f"/serving-endpoints/{FRAUD_DETECTOR.name}/invocations",
                _INPUTS[ModelKind.FRAUD_SCORE],
            ),
        ),
        None,
    )
    yield Case(
        Route.SQL_EXECUTE,
        "500 injected",
        _fault(Route.SQL_EXECUTE, 500, "INTERNAL_ERROR", _run("SELECT 1")),
        None,
    )
    yield Case(
        Route.SQL_EXECUTE,
        "400 21 query tags",
        _run("SELECT 1", query_tags=[{"key": f"k{i}"} for i in range(21)]),
        None,
    )
    yield Case(
        Route.DATABASE_CREDENTIAL,
        "400 neither instances nor claims",
        _post("/api/2.0/database/credentials", {"request_id": "fidelity"}),
        None,
    )


def all_cases() -> list[Case]:
    return [
        *identity_cases(),
        *unity_catalog_cases(),
        *sql_cases(),
        *serving_cases(),
        *lakebase_cases(),
        *branch_cases(),
        *error_cases(),
        *branch_error_cases(),
    ]
