"""Seeded Unity Catalog securables and the grants that make them visible.

Visibility at a glance (admins such as carol see everything):

============================  =====================================================
securable                     who may use it
============================  =====================================================
``main``                      everyone (``account users``)
``main.sales``                everyone; tables: SELECT for everyone except
                              ``margins_2023`` / ``margins_2024`` (bob only)
``main.analytics``            everyone
``main.default``              everyone (empty)
``main.information_schema``   everyone (empty in the fake)
``main.hr``                   admins only
``main.`ventes 2024```        everyone
``samples``                   everyone (a Delta Sharing catalog, like the real one)
``restricted``                carol (admin) and the app service principal
``system``                    everyone (``information_schema`` only, empty)
============================  =====================================================
"""

from __future__ import annotations

from fake_workspace.reference.identities import ACCOUNT_USERS, APP_SP, BOB
from fake_workspace.reference.specs import CatalogDef, Grant, Privilege, SchemaDef
from fake_workspace.reference.tables import TABLES

CATALOGS: tuple[CatalogDef, ...] = (
    CatalogDef("main", "MANAGED_CATALOG", comment="Main catalog"),
    CatalogDef("restricted", "MANAGED_CATALOG", isolation_mode="ISOLATED", comment="Sensitive"),
    CatalogDef("samples", "DELTASHARING_CATALOG", comment="Databricks sample datasets"),
    CatalogDef("system", "SYSTEM_CATALOG", comment="System catalog", owner="System user"),
)

SCHEMAS: tuple[SchemaDef, ...] = (
    SchemaDef("main", "analytics", comment="Derived tables"),
    SchemaDef("main", "default", comment="Default schema (auto-created)"),
    SchemaDef("main", "hr", comment="Admins only"),
    SchemaDef("main", "information_schema", owner="System user"),
    SchemaDef("main", "sales", comment="Orders and customers"),
    SchemaDef("main", "ventes 2024", comment="Schema name with a space"),
    SchemaDef("restricted", "secret"),
    SchemaDef("samples", "nyctaxi"),
    SchemaDef("samples", "tpch"),
    SchemaDef("system", "information_schema", owner="System user"),
)

_EVERYONE_READS_SALES = ("customers", "données-été", "orders", "products", "returns")

GRANTS: tuple[Grant, ...] = (
    Grant(ACCOUNT_USERS, Privilege.USE_CATALOG, "main"),
    Grant(ACCOUNT_USERS, Privilege.USE_SCHEMA, "main.sales"),
    *(Grant(ACCOUNT_USERS, Privilege.SELECT, f"main.sales.{t}") for t in _EVERYONE_READS_SALES),
    Grant(BOB.user_name, Privilege.SELECT, "main.sales.margins_2023"),
    Grant(BOB.user_name, Privilege.SELECT, "main.sales.margins_2024"),
    Grant(ACCOUNT_USERS, Privilege.USE_SCHEMA, "main.analytics"),
    Grant(ACCOUNT_USERS, Privilege.SELECT, "main.analytics"),
    Grant(ACCOUNT_USERS, Privilege.USE_SCHEMA, "main.default"),
    Grant(ACCOUNT_USERS, Privilege.USE_SCHEMA, "main.information_schema"),
    Grant(ACCOUNT_USERS, Privilege.USE_SCHEMA, "main.ventes 2024"),
    Grant(ACCOUNT_USERS, Privilege.SELECT, "main.ventes 2024"),
    Grant(ACCOUNT_USERS, Privilege.USE_CATALOG, "samples"),
    Grant(ACCOUNT_USERS, Privilege.USE_SCHEMA, "samples"),
    Grant(ACCOUNT_USERS, Privilege.SELECT, "samples"),
    Grant(APP_SP.application_id, Privilege.USE_CATALOG, "restricted"),
    Grant(APP_SP.application_id, Privilege.USE_SCHEMA, "restricted"),
    Grant(APP_SP.application_id, Privilege.SELECT, "restricted"),
    Grant(ACCOUNT_USERS, Privilege.USE_CATALOG, "system"),
    Grant(ACCOUNT_USERS, Privilege.USE_SCHEMA, "system.information_schema"),
)


def tables_in(catalog: str, schema: str) -> list[str]:
    """Names of the seeded tables of one schema, sorted like the fake's listing."""
    return sorted(t.name for t in TABLES.values() if (t.catalog, t.schema) == (catalog, schema))
