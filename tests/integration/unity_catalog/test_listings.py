"""Browsing Unity Catalog as the caller: catalogs, schemas, table names and tables, only
what the caller may see, each answer compared field by field with the fake's reference data,
and paging refused when it makes no sense."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from fake_workspace import Route
from fake_workspace.handlers.unity_catalog import CREATED_AT_MS, UPDATED_AT_MS
from fake_workspace.reference import (
    ALICE,
    BOB,
    CAROL,
    CATALOGS,
    ORDERS,
    PRODUCTS,
    SCHEMAS,
    tables_in,
)
from tests.harness import auth
from tests.integration.api import UC, query_url
from tests.integration.expectations import (
    HIDDEN_FROM_ALICE,
    assert_error,
    assert_utc_timestamps,
    iso,
)

pytestmark = pytest.mark.fake_only


async def test_catalogs_are_exactly_those_the_caller_can_see(client, fake) -> None:
    response = await client.get(f"{UC}/catalogs", headers=auth(ALICE.token))

    assert response.status_code == 200
    body = response.json()
    assert [c["name"] for c in body["items"]] == ["main", "samples", "system"]
    assert (body["total"], body["limit"], body["offset"]) == (3, 100, 0)
    assert body["items"][1]["catalog_type"] == "DELTASHARING_CATALOG"
    assert_utc_timestamps(body)
    assert body["items"][0]["created_at"] == "2024-01-01T00:00:00Z"


async def test_an_admin_also_sees_the_restricted_catalog(client, fake) -> None:
    response = await client.get(f"{UC}/catalogs?limit=2&offset=1", headers=auth(CAROL.token))

    assert response.json()["items"][0]["name"] == "restricted"
    assert (response.json()["total"], len(response.json()["items"])) == (4, 2)


async def test_upstream_calls_carry_the_callers_token(client, fake) -> None:
    await client.get(f"{UC}/catalogs", headers=auth(BOB.token))
    await client.get(query_url(PRODUCTS), headers=auth(BOB.token))

    calls = fake.requests.for_route(Route.CATALOGS_LIST) + fake.requests.for_route(
        Route.SQL_EXECUTE
    )
    assert len(calls) == 2
    assert {r.bearer_token for r in calls} == {BOB.token}


async def test_schemas_of_a_catalog(client, fake) -> None:
    response = await client.get(f"{UC}/schemas?catalog=main", headers=auth(ALICE.token))

    assert response.status_code == 200
    names = [s["name"] for s in response.json()["items"]]
    assert names == ["analytics", "default", "information_schema", "sales", "ventes 2024"]
    assert response.json()["items"][3]["full_name"] == "main.sales"
    assert_utc_timestamps(response.json())


async def test_table_names_follow_every_upstream_page_including_empty_ones(client, fake) -> None:
    fake.unity_catalog.page_size = 2
    fake.unity_catalog.insert_empty_pages = True

    url = f"{UC}/table-names?catalog=main&schema=sales&limit=3&offset=2"
    response = await client.get(url, headers=auth(ALICE.token))

    visible = [n for n in tables_in("main", "sales") if n not in HIDDEN_FROM_ALICE]
    assert response.json() == {"items": visible[2:5], "total": 5, "limit": 3, "offset": 2}
    pages = fake.requests.for_route(Route.TABLES_LIST)
    assert len(pages) >= 6
    assert all(p.query.get("omit_columns") == "true" for p in pages)


async def test_tables_are_described_with_their_columns(client, fake) -> None:
    response = await client.get(f"{UC}/tables?catalog=main&schema=sales", headers=auth(ALICE.token))

    tables = {t["name"]: t for t in response.json()["items"]}
    assert set(tables) == set(tables_in("main", "sales")) - HIDDEN_FROM_ALICE
    orders = tables["orders"]
    assert (orders["catalog"], orders["schema"], orders["full_name"]) == (
        "main",
        "sales",
        "main.sales.orders",
    )
    assert (orders["table_type"], orders["data_source_format"]) == ("MANAGED", "DELTA")
    assert [(c["name"], c["type_name"], c["type_text"]) for c in orders["columns"]] == [
        (c.name, c.type_name, c.type_text) for c in ORDERS.columns
    ]
    assert orders["columns"][0] | {"position": 0, "nullable": False} == orders["columns"][0]
    assert_utc_timestamps(response.json())


async def test_tables_of_another_schema_only(client, fake) -> None:
    response = await client.get(
        f"{UC}/tables?catalog=samples&schema=tpch", headers=auth(ALICE.token)
    )

    assert [t["full_name"] for t in response.json()["items"]] == ["samples.tpch.region"]
    assert response.json()["items"][0]["table_type"] == "EXTERNAL"


async def test_catalogs_answer_every_field_of_unity_catalog(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/unity-catalog/catalogs", headers=auth(ALICE.token))

    reference = {c.name: c for c in CATALOGS}
    items: list[dict[str, Any]] = response.json()["items"]
    assert len(items) >= 3
    for item in items:
        catalog = reference[item["name"]]
        assert item == {
            "name": catalog.name,
            "catalog_type": catalog.catalog_type,
            "owner": catalog.owner,
            "comment": catalog.comment,
            "created_at": iso(CREATED_AT_MS),
            "updated_at": iso(UPDATED_AT_MS),
        }


async def test_schemas_answer_every_field_of_unity_catalog(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/api/unity-catalog/schemas?catalog=main", headers=auth(ALICE.token)
    )

    assert response.status_code == 200, response.text
    reference = {s.name: s for s in SCHEMAS if s.catalog == "main"}
    items: list[dict[str, Any]] = response.json()["items"]
    assert len(items) >= 4  # what alice may see; which ones is test_schemas_of_a_catalog's
    for item in items:
        schema = reference[item["name"]]
        assert item == {
            "name": schema.name,
            "catalog_name": "main",
            "full_name": schema.full_name,
            "owner": schema.owner,
            "comment": schema.comment,
            "created_at": iso(CREATED_AT_MS),
            "updated_at": iso(UPDATED_AT_MS),
        }
    assert iso(CREATED_AT_MS) == "2024-01-01T00:00:00Z"


async def test_a_table_answers_every_field_and_every_column(client: httpx.AsyncClient) -> None:
    response = await client.get(
        "/api/unity-catalog/tables?catalog=main&schema=sales", headers=auth(ALICE.token)
    )

    [orders] = [t for t in response.json()["items"] if t["name"] == ORDERS.name]
    assert orders == {
        "catalog": "main",
        "schema": "sales",
        "name": ORDERS.name,
        "full_name": f"main.sales.{ORDERS.name}",
        "table_type": "MANAGED",
        "data_source_format": "DELTA",
        "columns": [
            {
                "name": c.name,
                "type_name": c.type_name,
                "type_text": c.type_text,
                "position": position,
                "nullable": c.nullable,
                "comment": c.comment,
            }
            for position, c in enumerate(ORDERS.columns)
        ],
        "owner": ORDERS.owner,
        "comment": ORDERS.comment,
        "updated_at": iso(UPDATED_AT_MS),
    }
    assert any(c.comment for c in ORDERS.columns)
    assert not all(c.nullable for c in ORDERS.columns)


@pytest.mark.parametrize(
    "path", ["/catalogs", "/schemas?catalog=main", "/table-names?catalog=main&schema=sales"]
)
async def test_list_endpoints_validate_paging(client, fake, path) -> None:
    sep = "&" if "?" in path else "?"
    response = await client.get(f"{UC}{path}{sep}limit=0&offset=-1", headers=auth(ALICE.token))

    error = assert_error(response, 400, "INVALID_REQUEST")
    assert sorted(d["field"] for d in error["details"]) == ["limit", "offset"]
