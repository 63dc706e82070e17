"""Unity Catalog state: securables (read-only seed), grants (mutable), access checks, listings."""

from __future__ import annotations

import threading

from fake_workspace.errors import ApiError, invalid_parameter, not_found, permission_denied
from fake_workspace.identity import Principal
from fake_workspace.paging import Page, PageRequest, paginate
from fake_workspace.reference import CATALOGS, GRANTS, SCHEMAS, TABLES
from fake_workspace.reference.specs import CatalogDef, Grant, Privilege, SchemaDef, TableDef

DEFAULT_PAGE_SIZE = 25

_PRIVILEGE_WORDS = {
    Privilege.USE_CATALOG: "USE CATALOG",
    Privilege.USE_SCHEMA: "USE SCHEMA",
    Privilege.SELECT: "SELECT",
}


def split_full_name(full_name: str, parts: int, kind: str) -> tuple[str, ...]:
    """Split ``a.b.c`` into lower-cased parts (UC names are case-insensitive)."""
    names = tuple(p.lower() for p in full_name.split("."))
    if len(names) != parts or not all(names):
        raise invalid_parameter(f"Invalid {kind} full name '{full_name}'.")
    return names


class UnityCatalog:
    """Listings and lookups as seen by one principal; grants can change at run time."""

    def __init__(self, lock: threading.RLock) -> None:
        self._lock = lock
        self._catalogs = {c.name: c for c in sorted(CATALOGS, key=lambda c: c.name)}
        self._schemas = {s.full_name: s for s in sorted(SCHEMAS, key=lambda s: s.full_name)}
        self._tables = {t.full_name: t for t in sorted(TABLES.values(), key=lambda t: t.full_name)}
        self.page_size = DEFAULT_PAGE_SIZE
        self.insert_empty_pages = False
        self._grants: set[Grant] = set()
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self.page_size = DEFAULT_PAGE_SIZE
            self.insert_empty_pages = False
            self._grants = set(GRANTS)

    # -- grants (control API) -------------------------------------------------------------

    def grant(self, principal: str, privilege: Privilege, securable: str) -> None:
        with self._lock:
            self._grants.add(Grant(principal, privilege, securable.lower()))

    def revoke(self, principal: str, privilege: Privilege, securable: str) -> None:
        """Remove a grant, e.g. ``revoke(ACCOUNT_USERS, Privilege.SELECT, "main.sales.orders")``."""
        with self._lock:
            self._grants.discard(Grant(principal, privilege, securable.lower()))

    @property
    def grants(self) -> frozenset[Grant]:
        with self._lock:
            return frozenset(self._grants)

    def has(self, who: Principal, privilege: Privilege, full_name: str) -> bool:
        """True if ``who`` holds ``privilege`` on ``full_name`` or on one of its parents."""
        if who.is_admin:
            return True
        names = {who.user_name, *who.groups}
        target = full_name.split(".")
        with self._lock:
            return any(
                g.principal in names
                and g.privilege is privilege
                and target[: len(g.securable.split("."))] == g.securable.split(".")
                for g in self._grants
            )

    # -- lookups ---------------------------------------------------------------------------

    def _require(self, who: Principal, privilege: Privilege, kind: str, full_name: str) -> None:
        if not self.has(who, privilege, full_name):
            word = _PRIVILEGE_WORDS[privilege]
            raise permission_denied(f"User does not have {word} on {kind} '{full_name}'.")

    def catalog(self, who: Principal, name: str) -> CatalogDef:
        catalog = self._catalogs.get(name.lower())
        if catalog is None:
            raise not_found("CATALOG_DOES_NOT_EXIST", f"Catalog '{name}' does not exist.")
        self._require(who, Privilege.USE_CATALOG, "Catalog", catalog.name)
        return catalog

    def schema(self, who: Principal, full_name: str) -> SchemaDef:
        catalog_name, schema_name = split_full_name(full_name, 2, "schema")
        self.catalog(who, catalog_name)
        schema = self._schemas.get(f"{catalog_name}.{schema_name}")
        if schema is None:
            raise not_found("SCHEMA_DOES_NOT_EXIST", f"Schema '{full_name}' does not exist.")
        self._require(who, Privilege.USE_SCHEMA, "Schema", schema.full_name)
        return schema

    def table(self, who: Principal, full_name: str) -> TableDef:
        catalog_name, schema_name, table_name = split_full_name(full_name, 3, "table")
        self.schema(who, f"{catalog_name}.{schema_name}")
        table = self._tables.get(f"{catalog_name}.{schema_name}.{table_name}")
        if table is None:
            raise not_found("TABLE_DOES_NOT_EXIST", f"Table '{full_name}' does not exist.")
        self._require(who, Privilege.SELECT, "Table", table.full_name)
        return table

    def table_exists(self, who: Principal, full_name: str) -> bool:
        try:
            self.table(who, full_name)
        except ApiError as error:
            if error.error_code == "TABLE_DOES_NOT_EXIST":
                return False
            raise
        return True

    @property
    def tables(self) -> tuple[TableDef, ...]:
        return tuple(self._tables.values())

    # -- listings --------------------------------------------------------------------------

    def list_catalogs(self, who: Principal, request: PageRequest) -> Page[CatalogDef]:
        with self._lock:
            return paginate(
                list(self._catalogs.values()),
                lambda c: self.has(who, Privilege.USE_CATALOG, c.name),
                request,
                listing="catalogs",
                page_size=self.page_size,
                insert_empty_pages=self.insert_empty_pages,
            )

    def list_schemas(self, who: Principal, catalog: str, request: PageRequest) -> Page[SchemaDef]:
        parent = self.catalog(who, catalog)
        with self._lock:
            return paginate(
                [s for s in self._schemas.values() if s.catalog == parent.name],
                lambda s: self.has(who, Privilege.USE_SCHEMA, s.full_name),
                request,
                listing=f"schemas:{parent.name}",
                page_size=self.page_size,
                insert_empty_pages=self.insert_empty_pages,
            )

    def list_tables(
        self, who: Principal, catalog: str, schema: str, request: PageRequest
    ) -> Page[TableDef]:
        parent = self.schema(who, f"{catalog}.{schema}")
        with self._lock:
            return paginate(
                [
                    t
                    for t in self._tables.values()
                    if (t.catalog, t.schema) == (parent.catalog, parent.name)
                ],
                lambda t: self.has(who, Privilege.SELECT, t.full_name),
                request,
                listing=f"tables:{parent.full_name}",
                page_size=self.page_size,
                insert_empty_pages=self.insert_empty_pages,
            )
