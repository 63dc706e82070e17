"""Unity Catalog: SDK dataclasses parse fully, access rules hold, pagination is real."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

import httpx
import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import InvalidParameterValue, NotFound, PermissionDenied
from databricks.sdk.service.catalog import CatalogType, ColumnTypeName, TableType

from fake_workspace import FakeWorkspace, Route
from fake_workspace.reference import (
    ACCOUNT_USERS,
    ALICE,
    APP_SP,
    BOB,
    CAROL,
    ORDERS,
    WEATHER,
    Privilege,
    tables_in,
)
from tests.harness.http import SdkFactory, bearer

pytestmark = pytest.mark.fake_only

UC = "/api/2.1/unity-catalog"


def test_catalogs_parse_with_every_enum(sdk: SdkFactory) -> None:
    catalogs = {c.name: c for c in sdk(ALICE).catalogs.list()}

    assert set(catalogs) == {"main", "samples", "system"}
    assert catalogs["main"].catalog_type is CatalogType.MANAGED_CATALOG
    assert catalogs["samples"].catalog_type is CatalogType.DELTASHARING_CATALOG
    for catalog in catalogs.values():
        assert catalog.isolation_mode is not None
        assert catalog.securable_type is not None
        assert catalog.created_at
        assert catalog.metastore_id


def test_admin_and_service_principal_see_the_restricted_catalog(sdk: SdkFactory) -> None:
    assert "restricted" in {c.name for c in sdk(CAROL).catalogs.list()}
    assert sdk(CAROL).catalogs.get("restricted").isolation_mode is not None


def test_get_catalog_without_grant_is_permission_denied(sdk: SdkFactory) -> None:
    with pytest.raises(PermissionDenied) as caught:
        sdk(ALICE).catalogs.get("restricted")

    assert caught.value.error_code == "PERMISSION_DENIED"
    assert "User does not have USE CATALOG on Catalog 'restricted'." in str(caught.value)


def test_missing_catalog_is_not_found(sdk: SdkFactory) -> None:
    with pytest.raises(NotFound) as caught:
        sdk(ALICE).catalogs.get("nope")

    assert caught.value.error_code == "CATALOG_DOES_NOT_EXIST"


def test_schemas_hide_what_the_caller_cannot_use(sdk: SdkFactory) -> None:
    alice = {s.name for s in sdk(ALICE).schemas.list("main")}
    carol = {s.name for s in sdk(CAROL).schemas.list("main")}

    assert "hr" not in alice
    assert carol - alice == {"hr"}


def test_get_schema_errors(sdk: SdkFactory) -> None:
    w = sdk(ALICE)
    assert w.schemas.get("main.sales").full_name == "main.sales"
    with pytest.raises(PermissionDenied, match=re.escape("USE SCHEMA on Schema 'main.hr'")):
        w.schemas.get("main.hr")
    with pytest.raises(NotFound) as caught:
        w.schemas.get("main.nope")
    assert caught.value.error_code == "SCHEMA_DOES_NOT_EXIST"


def test_table_columns_carry_uc_types(sdk: SdkFactory) -> None:
    table = sdk(ALICE).tables.get(ORDERS.full_name)

    assert table.table_type is TableType.MANAGED
    assert table.data_source_format is not None
    assert table.columns is not None
    assert [c.name for c in table.columns] == list(ORDERS.column_names)
    assert all(c.type_name is not None for c in table.columns)
    amount = table.columns[2]
    assert amount.type_name is ColumnTypeName.DECIMAL
    assert (amount.type_text, amount.type_precision, amount.type_scale) == ("decimal(10,2)", 10, 2)


def test_table_with_unicode_name_round_trips(sdk: SdkFactory) -> None:
    table = sdk(ALICE).tables.get(WEATHER.full_name)

    assert table.full_name == "main.sales.données-été"
    assert [c.name for c in table.columns or []] == list(WEATHER.column_names)


def test_table_access_errors(sdk: SdkFactory) -> None:
    alice = sdk(ALICE)
    with pytest.raises(
        PermissionDenied, match=re.escape("SELECT on Table 'main.sales.margins_2023'")
    ):
        alice.tables.get("main.sales.margins_2023")
    with pytest.raises(NotFound) as caught:
        alice.tables.get("main.sales.nope")
    assert caught.value.error_code == "TABLE_DOES_NOT_EXIST"
    assert sdk(BOB).tables.get("main.sales.margins_2023").name == "margins_2023"


def test_table_exists(sdk: SdkFactory) -> None:
    w = sdk(ALICE)

    assert w.tables.exists(ORDERS.full_name).table_exists is True
    assert w.tables.exists("main.sales.nope").table_exists is False


def test_listing_pages_include_an_empty_page(sdk: SdkFactory, fake: FakeWorkspace) -> None:
    fake.unity_catalog.page_size = 2

    names = [t.name for t in sdk(ALICE).tables.list("main", "sales")]

    assert names == [n for n in tables_in("main", "sales") if not n.startswith("margins")]
    pages = [r.response_json for r in fake.requests.for_route(Route.TABLES_LIST)]
    assert len(pages) >= 3
    assert [] in [p.get("tables", []) for p in pages]
    assert all("next_page_token" in p for p in pages[:-1])


@pytest.mark.parametrize(
    ("route", "key", "listing", "expected"),
    [
        pytest.param(
            Route.CATALOGS_LIST,
            "catalogs",
            lambda w: w.catalogs.list(),
            ["main", "samples", "system"],
            id="catalogs",
        ),
        pytest.param(
            Route.SCHEMAS_LIST,
            "schemas",
            lambda w: w.schemas.list("main"),
            ["analytics", "default", "information_schema", "sales", "ventes 2024"],
            id="schemas",
        ),
    ],
)
def test_hidden_objects_leave_empty_pages(
    sdk: SdkFactory,
    fake: FakeWorkspace,
    route: Route,
    key: str,
    listing: Callable[[WorkspaceClient], Iterable[Any]],
    expected: list[str],
) -> None:
    fake.unity_catalog.page_size = 1

    names = [item.name for item in listing(sdk(ALICE))]

    assert names == expected
    pages = [r.response_json for r in fake.requests.for_route(route)]
    assert len(pages) > len(expected)
    assert [] in [p.get(key, []) for p in pages]


def test_inserted_empty_pages_are_followed(sdk: SdkFactory, fake: FakeWorkspace) -> None:
    fake.unity_catalog.page_size = 1
    fake.unity_catalog.insert_empty_pages = True

    catalogs = [c.name for c in sdk(CAROL).catalogs.list()]

    assert catalogs == ["main", "restricted", "samples", "system"]
    assert len(fake.requests.for_route(Route.CATALOGS_LIST)) == 7


def test_max_results_rules(http: httpx.Client, fake: FakeWorkspace) -> None:
    fake.unity_catalog.page_size = 2
    headers = bearer(CAROL)

    everything = http.get(f"{UC}/catalogs", headers=headers).json()
    capped = http.get(f"{UC}/catalogs", params={"max_results": 50}, headers=headers).json()
    one = http.get(f"{UC}/catalogs", params={"max_results": 1}, headers=headers).json()

    assert len(everything["catalogs"]) == 4
    assert "next_page_token" not in everything
    assert len(capped["catalogs"]) == 2
    assert capped["next_page_token"]
    assert len(one["catalogs"]) == 1
    assert one["next_page_token"]


def test_negative_max_results_is_invalid(sdk: SdkFactory) -> None:
    with pytest.raises(InvalidParameterValue):
        list(sdk(ALICE).catalogs.list(max_results=-1))


def test_garbage_page_token_is_invalid(http: httpx.Client) -> None:
    response = http.get(f"{UC}/catalogs", params={"page_token": "garbage"}, headers=bearer(ALICE))

    assert response.status_code == 400
    assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE"


def test_revoking_a_grant_takes_effect_immediately(sdk: SdkFactory, fake: FakeWorkspace) -> None:
    fake.unity_catalog.revoke(ACCOUNT_USERS, Privilege.SELECT, ORDERS.full_name)

    with pytest.raises(PermissionDenied):
        sdk(ALICE).tables.get(ORDERS.full_name)
    assert "orders" not in {t.name for t in sdk(ALICE).tables.list("main", "sales")}


def test_service_principal_reads_restricted_tables(
    sdk: SdkFactory, fake: FakeWorkspace, http: httpx.Client
) -> None:
    fake.unity_catalog.grant(APP_SP.application_id, Privilege.USE_CATALOG, "restricted")
    token = http.post(
        "/oidc/v1/token",
        data={"grant_type": "client_credentials", "scope": "all-apis"},
        auth=(APP_SP.client_id, APP_SP.client_secret),
    ).json()["access_token"]

    names = [t.name for t in sdk(token).tables.list("restricted", "secret")]

    assert names == ["salaries"]


def test_omit_columns_drops_columns(http: httpx.Client) -> None:
    params = {"catalog_name": "main", "schema_name": "sales", "omit_columns": "true"}

    tables = http.get(f"{UC}/tables", params=params, headers=bearer(ALICE)).json()["tables"]

    assert tables
    assert all("columns" not in t for t in tables)
