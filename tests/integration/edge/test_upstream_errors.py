"""Each Databricks call's failure as the client reads it, through the API: a "not found" in
Databricks' generic words becomes the specific code of what was looked for, and every message
names that thing."""

from __future__ import annotations

import httpx
import pytest

from fake_workspace import FakeWorkspace, Route
from fake_workspace.reference import ALICE, PRODUCTS
from tests.harness import auth
from tests.integration.api import UC, query_url
from tests.integration.expectations import assert_error

pytestmark = pytest.mark.fake_only

QUERY = query_url(PRODUCTS)


@pytest.mark.parametrize(
    ("path", "route", "code", "message"),
    [
        pytest.param(
            f"{UC}/schemas?catalog=main",
            Route.SCHEMAS_LIST,
            "CATALOG_NOT_FOUND",
            "The catalog was not found.",
            id="schemas",
        ),
        pytest.param(
            f"{UC}/table-names?catalog=main&schema=sales",
            Route.TABLES_LIST,
            "SCHEMA_NOT_FOUND",
            "The schema was not found.",
            id="table-names",
        ),
        pytest.param(
            f"{UC}/tables?catalog=main&schema=sales",
            Route.TABLES_LIST,
            "SCHEMA_NOT_FOUND",
            "The schema was not found.",
            id="tables",
        ),
        pytest.param(
            QUERY, Route.TABLES_GET, "TABLE_NOT_FOUND", "The table was not found.", id="query"
        ),
    ],
)
async def test_a_generic_not_found_names_what_was_looked_for(
    client: httpx.AsyncClient,
    fake: FakeWorkspace,
    path: str,
    route: Route,
    code: str,
    message: str,
) -> None:
    fake.faults.fail_next(route, status=404, error_code="NOT_FOUND")

    error = assert_error(await client.get(path, headers=auth(ALICE.token)), 404, code)

    assert error["message"] == message


@pytest.mark.parametrize(
    ("path", "route", "subject"),
    [
        pytest.param(f"{UC}/catalogs", Route.CATALOGS_LIST, "catalog list", id="catalogs"),
        pytest.param(f"{UC}/schemas?catalog=main", Route.SCHEMAS_LIST, "catalog", id="schemas"),
        pytest.param(
            f"{UC}/table-names?catalog=main&schema=sales",
            Route.TABLES_LIST,
            "schema",
            id="table-names",
        ),
        pytest.param(
            f"{UC}/tables?catalog=main&schema=sales", Route.TABLES_LIST, "schema", id="tables"
        ),
        pytest.param(QUERY, Route.TABLES_GET, "table", id="query"),
        pytest.param(
            "/api/model-serving/endpoints",
            Route.SERVING_LIST,
            "serving endpoints",
            id="endpoints",
        ),
        pytest.param(
            "/api/model-serving/endpoints/fraud-detector",
            Route.SERVING_GET,
            "serving endpoint",
            id="endpoint",
        ),
    ],
)
async def test_a_refused_request_names_what_it_was_for(
    client: httpx.AsyncClient, fake: FakeWorkspace, path: str, route: Route, subject: str
) -> None:
    fake.faults.fail_next(route, status=400, error_code="INVALID_PARAMETER_VALUE")

    error = assert_error(await client.get(path, headers=auth(ALICE.token)), 400, "INVALID_REQUEST")

    assert error["message"] == f"Databricks refused the request for this {subject}."
    assert error["details"] == {"databricks_error_code": "INVALID_PARAMETER_VALUE"}


@pytest.mark.parametrize(
    ("path", "route", "code", "subject"),
    [
        pytest.param(
            f"{UC}/catalogs",
            Route.CATALOGS_LIST,
            "CATALOG_PERMISSION_DENIED",
            "catalog list",
            id="catalogs",
        ),
        pytest.param(
            "/api/model-serving/endpoints",
            Route.SERVING_LIST,
            "PERMISSION_DENIED",
            "serving endpoints",
            id="endpoints",
        ),
    ],
)
async def test_a_denied_request_names_what_was_denied(
    client: httpx.AsyncClient,
    fake: FakeWorkspace,
    path: str,
    route: Route,
    code: str,
    subject: str,
) -> None:
    fake.faults.fail_next(route, status=403, error_code="PERMISSION_DENIED")

    error = assert_error(await client.get(path, headers=auth(ALICE.token)), 403, code)

    assert error["message"] == f"You do not have permission to access this {subject}."


@pytest.mark.parametrize("path", ["/api/user/me", f"{UC}/catalogs"])
async def test_an_app_without_a_workspace_host_says_so(client_factory, path: str) -> None:
    client = await client_factory(database=False, databricks_host=None)

    response = await client.get(path, headers=auth(ALICE.token))

    error = assert_error(response, 503, "DATABRICKS_UNAVAILABLE")
    assert error["message"] == (
        "The app is not connected to a workspace (DATABRICKS_HOST is not set)."
    )
