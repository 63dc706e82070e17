"""The liveness and readiness probes: /health needs no token, /ready names the database
it stores in or what is wrong with it, and HEAD answers as GET does, without a body."""

from __future__ import annotations

import httpx
import pytest

from tests.harness.backends import UNREACHABLE_POSTGRES, BackendChoice
from tests.integration.expectations import assert_error

pytestmark = pytest.mark.fake_only


async def test_health_needs_no_token(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_ready_with_a_working_database_names_what_it_stores_in(
    client: httpx.AsyncClient, backend: BackendChoice
) -> None:
    response = await client.get("/ready")
    assert response.status_code == 200
    kind = {"sqlite": "sqlite", "postgres": "postgresql"}.get(
        backend.name, f"lakebase-{backend.flavour}"
    )
    assert response.json() == {"status": "ready", "checks": {"database": "ok"}, "database": kind}


async def test_ready_without_a_database_names_it(client_factory) -> None:
    client = await client_factory(database=False)

    response = await client.get("/ready")

    error = assert_error(response, 503, "DATABASE_NOT_CONFIGURED")
    assert error["details"] == {"dependency": "database"}


async def test_ready_with_an_unreachable_database_names_it(client_factory) -> None:
    client = await client_factory(database=False, database_url=UNREACHABLE_POSTGRES)

    response = await client.get("/ready")

    error = assert_error(response, 503, "DATABASE_UNAVAILABLE")
    assert error["details"] == {"dependency": "database"}


@pytest.mark.parametrize("path", ["/health", "/ready"])
async def test_head_on_the_probes(client: httpx.AsyncClient, path: str) -> None:
    get = await client.get(path)
    head = await client.head(path)

    assert head.status_code == get.status_code == 200
    assert head.content == b""
    assert head.headers["x-request-id"]


async def test_head_on_ready_reports_the_failing_dependency_status(client_factory) -> None:
    client = await client_factory(database=False)

    response = await client.head("/ready")

    assert response.status_code == 503
    assert int(response.headers["retry-after"]) >= 1
