"""A request uses the database in at most one transaction, on one connection, opened only by
routes that need it; that transaction is committed before the answer is sent."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from fake_workspace.reference import ALICE, ORDERS, TRIPS
from server.db.database import Database
from tests.harness import auth
from tests.harness.backends import BackendChoice
from tests.harness.pg_faults import commit_fails
from tests.integration.api import INVOKE, LOGS, MS, PREFS, UC, fraud_inputs, query_url, save_pref
from tests.integration.expectations import assert_error
from tests.integration.rows import preference_count

pytestmark = pytest.mark.fake_only


@contextmanager
def counted(database: Database) -> Iterator[dict[str, int]]:
    """How many transactions begin, and connections are taken from the pool, on the run's
    engine (which every app of the test shares) while the block runs."""
    counts = {"transactions": 0, "checkouts": 0}
    engine = database.engine.sync_engine

    def began(*_: Any) -> None:
        counts["transactions"] += 1

    def checked_out(*_: Any) -> None:
        counts["checkouts"] += 1

    event.listen(engine, "begin", began)
    event.listen(engine, "checkout", checked_out)
    try:
        yield counts
    finally:
        event.remove(engine, "begin", began)
        event.remove(engine, "checkout", checked_out)


async def request_counted(
    client: httpx.AsyncClient, database: Database, method: str, url: str, body: Any = None
) -> tuple[httpx.Response, dict[str, int]]:
    with counted(database) as counts:
        response = await client.request(method, url, json=body, headers=auth(ALICE.token))
    return response, counts


ONE_TRANSACTION = {"transactions": 1, "checkouts": 1}
NONE = {"transactions": 0, "checkouts": 0}


async def test_a_query_reads_all_its_saved_defaults_in_one_transaction(
    client: httpx.AsyncClient, database: Database
) -> None:
    await save_pref(client, "default_catalog", TRIPS.catalog)
    await save_pref(client, "default_schema", TRIPS.schema)
    await save_pref(client, "default_query_limit", 7)

    response, counts = await request_counted(
        client, database, "GET", f"{UC}/query?table={TRIPS.name}"
    )

    assert response.status_code == 200, response.text
    assert (response.json()["schema"], response.json()["limit"]) == (TRIPS.schema, 7)
    assert counts == ONE_TRANSACTION


@pytest.mark.parametrize(
    ("method", "url", "body", "status"),
    [
        pytest.param("POST", PREFS, {"key": "theme", "value": "light"}, 200, id="save"),
        pytest.param("GET", PREFS, None, 200, id="list"),
        pytest.param("GET", f"{PREFS}/theme", None, 200, id="read"),
        pytest.param("GET", f"{PREFS}/absent", None, 404, id="read-absent"),
        pytest.param("DELETE", f"{PREFS}/theme", None, 204, id="delete"),
        pytest.param("GET", LOGS, None, 200, id="logs"),
        pytest.param("POST", INVOKE, {"endpoint_name": "fraud-detector"}, 200, id="invoke"),
    ],
)
async def test_a_route_that_uses_the_database_does_so_in_one_transaction(
    client: httpx.AsyncClient,
    database: Database,
    method: str,
    url: str,
    body: Any,
    status: int,
) -> None:
    await save_pref(client, "theme", "dark")
    if url == INVOKE:
        body = {**body, "inputs": fraud_inputs()}

    response, counts = await request_counted(client, database, method, url, body)

    assert response.status_code == status, response.text
    assert counts == ONE_TRANSACTION


@pytest.mark.parametrize(
    ("method", "url"),
    [
        pytest.param("GET", "/health", id="health"),
        pytest.param("GET", "/api/user/me", id="me"),
        pytest.param("GET", f"{UC}/catalogs", id="catalogs"),
        pytest.param("GET", query_url(ORDERS, limit=5), id="query-with-everything-given"),
        pytest.param("GET", f"{MS}/endpoints", id="endpoints"),
    ],
)
async def test_a_route_that_does_not_need_the_database_opens_no_transaction(
    client: httpx.AsyncClient, database: Database, method: str, url: str
) -> None:
    response, counts = await request_counted(client, database, method, url)

    assert response.status_code == 200, response.text
    assert counts == NONE


async def test_a_refused_token_never_reaches_the_database(
    client: httpx.AsyncClient, database: Database
) -> None:
    with counted(database) as counts:
        response = await client.post(PREFS, json={"key": "k", "value": 1})

    assert_error(response, 401, "AUTH_MISSING")
    assert counts == NONE


@pytest.mark.postgres_only
async def test_a_save_whose_commit_fails_is_503_and_keeps_nothing(
    client: httpx.AsyncClient, backend: BackendChoice, database: Database
) -> None:
    name = database.engine.url.database
    assert name is not None

    with commit_fails(backend.url, name, "user_preferences", key="doomed"):
        response = await client.post(
            PREFS, json={"key": "doomed", "value": 1}, headers=auth(ALICE.token)
        )

    assert_error(response, 503, "DATABASE_UNAVAILABLE")
    assert await preference_count(database, ALICE.user_name) == 0
    assert (await save_pref(client, "doomed", 1)).status_code == 201
