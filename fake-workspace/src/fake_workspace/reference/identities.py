"""Seeded identities: users with personal access tokens and the app's service principal."""

from __future__ import annotations

import hashlib

from fake_workspace.reference.specs import ServicePrincipalDef, UserDef

WORKSPACE_ID = "1234567890123456"
METASTORE_ID = "0d6e3f5a-9c1b-4e7d-8a2f-6b5c4d3e2f1a"
WAREHOUSE_ID = "5f1e2d3c4b5a6978"
"""The only SQL warehouse of the fake workspace."""

ACCOUNT_USERS = "account users"
"""The group every principal belongs to (grants to it apply to everyone)."""

ADMINS = "admins"


def pat_for(user_name: str) -> str:
    """A deterministic personal access token shaped like a real one (``dapi`` + 32 hex)."""
    return "dapi" + hashlib.sha256(user_name.encode()).hexdigest()[:32]


def scim_id_for(user_name: str) -> str:
    """A deterministic 16-digit SCIM id."""
    return str(int(hashlib.sha256(user_name.encode()).hexdigest()[:13], 16)).zfill(16)[:16]


def _user(user_name: str, display_name: str, *, is_admin: bool = False) -> UserDef:
    return UserDef(
        user_name=user_name,
        display_name=display_name,
        token=pat_for(user_name),
        scim_id=scim_id_for(user_name),
        is_admin=is_admin,
    )


ALICE = _user("alice@example.com", "Alice Martin")
BOB = _user("bob@example.com", "Bob Dupont")
CAROL = _user("carol@example.com", "Carol Admin", is_admin=True)
"""A workspace and metastore admin: sees every catalog, including ``restricted``."""

USERS: tuple[UserDef, ...] = (ALICE, BOB, CAROL)

APP_SP = ServicePrincipalDef(
    application_id="app-sp-client-id",
    client_secret="app-sp-secret",
    display_name="app-service-principal",
    scim_id=scim_id_for("app-sp-client-id"),
)
"""The Databricks App's service principal (``DATABRICKS_CLIENT_ID`` / ``_SECRET``)."""
