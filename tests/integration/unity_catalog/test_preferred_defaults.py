"""The catalog, schema and row limit a caller saved as preferences steer what /tables lists
and /query reads, for that caller only; an invalid one, an explicit parameter, or no database
(or an unreachable one) brings back the app's settings."""

from __future__ import annotations

import logging

import pytest

from fake_workspace import Route
from fake_workspace.reference import ALICE, BOB, CUSTOMERS, ORDERS, TRIPS, tables_in
from tests.harness import auth
from tests.harness.backends import UNREACHABLE_POSTGRES
from tests.integration.api import PREFS, UC, get_ok, query_url, save_pref
from tests.integration.expectations import HIDDEN_FROM_ALICE, expected_rows

pytestmark = pytest.mark.fake_only


async def test_tables_default_to_the_settings_catalog_and_schema(client, fake) -> None:
    response = await client.get(f"{UC}/tables", headers=auth(ALICE.token))

    assert {t["full_name"] for t in response.json()["items"]} == {
        f"main.sales.{n}" for n in tables_in("main", "sales") if n not in HIDDEN_FROM_ALICE
    }


async def test_preferred_catalog_and_schema_change_what_tables_lists(client, fake) -> None:
    await save_pref(client, "default_catalog", "samples")
    await save_pref(client, "default_schema", "nyctaxi")

    response = await client.get(f"{UC}/tables", headers=auth(ALICE.token))

    assert [t["full_name"] for t in response.json()["items"]] == ["samples.nyctaxi.trips"]


async def test_saved_defaults_change_what_tables_lists(client, fake) -> None:
    before = await get_ok(client, f"{UC}/tables")
    await save_pref(client, "default_catalog", "samples")
    await save_pref(client, "default_schema", "nyctaxi")

    after = await get_ok(client, f"{UC}/tables")

    assert "main.sales.orders" in [t["full_name"] for t in before["items"]]
    assert [t["full_name"] for t in after["items"]] == ["samples.nyctaxi.trips"]
    listed = fake.requests.for_route(Route.TABLES_LIST)
    assert [(r.query["catalog_name"], r.query["schema_name"]) for r in listed] == [
        ("main", "sales"),
        ("samples", "nyctaxi"),
    ]


async def test_preferences_of_another_user_do_not_apply(client, fake) -> None:
    await save_pref(client, "default_schema", "analytics")

    response = await client.get(f"{UC}/tables", headers=auth(BOB.token))

    assert "main.sales.orders" in {t["full_name"] for t in response.json()["items"]}


async def test_preferred_defaults_and_limit_change_what_query_does(client, fake) -> None:
    await save_pref(client, "default_schema", "analytics")
    await save_pref(client, "default_query_limit", 7)

    response = await client.get(f"{UC}/query?table=daily_revenue", headers=auth(ALICE.token))

    body = response.json()
    assert (body["schema"], body["limit"], body["row_count"]) == ("analytics", 7, 7)


async def test_saved_defaults_and_limit_change_what_query_reads(client, fake) -> None:
    await save_pref(client, "default_catalog", "samples")
    await save_pref(client, "default_schema", "nyctaxi")
    await save_pref(client, "default_query_limit", 7)

    page = await get_ok(client, f"{UC}/query?table=trips")

    assert (page["catalog"], page["schema"], page["table"]) == ("samples", "nyctaxi", "trips")
    assert (page["limit"], page["row_count"], page["total_row_count"]) == (7, 7, len(TRIPS.rows))
    sent = fake.requests.for_route(Route.SQL_EXECUTE)[0].json
    assert sent["statement"].endswith(" LIMIT 7 OFFSET 0")
    assert sent["parameters"][0]["value"] == "`samples`.`nyctaxi`.`trips`"


@pytest.mark.parametrize("value", [0, 1001, "50", True, None])
async def test_an_invalid_preferred_limit_falls_back_to_100(client, fake, value) -> None:
    await save_pref(client, "default_query_limit", value)
    await save_pref(client, "default_catalog", 42)

    response = await client.get(query_url(ORDERS), headers=auth(ALICE.token))

    assert (response.json()["limit"], response.json()["row_count"]) == (100, 100)


async def test_an_explicit_limit_beats_the_preference(client, fake) -> None:
    await save_pref(client, "default_query_limit", 7)

    response = await client.get(query_url(ORDERS, limit=3), headers=auth(ALICE.token))

    assert response.json()["row_count"] == 3


async def test_deleting_a_default_brings_back_the_app_setting(client, fake) -> None:
    await save_pref(client, "default_query_limit", 7)
    await client.delete(f"{PREFS}/default_query_limit", headers=auth(ALICE.token))

    page = await get_ok(client, f"{UC}/query?table=orders")

    assert (page["schema"], page["limit"], page["row_count"]) == ("sales", 100, 100)


async def test_without_a_database_queries_use_the_settings_defaults(client_factory, fake) -> None:
    client = await client_factory(database=False)

    response = await client.get(f"{UC}/query?table=customers", headers=auth(ALICE.token))

    assert response.json()["rows"] == expected_rows(CUSTOMERS)


async def test_an_unreachable_database_does_not_block_queries(
    client_factory, fake, caplog: pytest.LogCaptureFixture
) -> None:
    client = await client_factory(
        database=False,
        database_url=UNREACHABLE_POSTGRES,
        db_connect_timeout_seconds=2,
    )

    with caplog.at_level(logging.WARNING, logger="server.services.user_defaults"):
        response = await client.get(f"{UC}/query?table=products", headers=auth(ALICE.token))

    assert (response.status_code, response.json()["limit"]) == (200, 100)
    # An operator sees why the caller's saved defaults were not applied.
    assert [
        r.getMessage() for r in caplog.records if r.name == "server.services.user_defaults"
    ] == ["saved defaults unavailable: DATABASE_UNAVAILABLE"]
