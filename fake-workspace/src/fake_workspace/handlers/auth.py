"""Discovery documents, the OAuth token endpoint and SCIM ``/Me``."""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import parse_qs

from starlette.responses import JSONResponse, Response

from fake_workspace.errors import OAuthError
from fake_workspace.handlers.context import Ctx
from fake_workspace.identity import Principal
from fake_workspace.reference import WORKSPACE_ID
from fake_workspace.reference.identities import ADMINS


def well_known(ctx: Ctx) -> Response:
    """``/.well-known/databricks-config``: the SDK derives its OIDC discovery URL from it."""
    return JSONResponse({"oidc_endpoint": f"{ctx.base_url}/oidc", "workspace_id": WORKSPACE_ID})


def oidc_discovery(ctx: Ctx) -> Response:
    oidc = f"{ctx.base_url}/oidc"
    return JSONResponse(
        {
            "issuer": oidc,
            "authorization_endpoint": f"{oidc}/v1/authorize",
            "token_endpoint": f"{oidc}/v1/token",
            "jwks_uri": f"{oidc}/jwks.json",
            # The rest of a workspace's document (recorded answers; the SDK reads only the
            # endpoints, other OAuth clients read these).
            "scopes_supported": ["all-apis", "email", "offline_access", "openid", "profile", "sql"],
            "response_types_supported": ["code", "id_token"],
            "response_modes_supported": ["query", "fragment", "form_post"],
            "grant_types_supported": ["client_credentials", "authorization_code", "refresh_token"],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": [
                "client_secret_basic",
                "client_secret_post",
                "none",
            ],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "claims_supported": [
                "iss",
                "sub",
                "aud",
                "iat",
                "exp",
                "jti",
                "name",
                "family_name",
                "given_name",
                "preferred_username",
            ],
            "request_uri_parameter_supported": False,
        }
    )


def _client_credentials(ctx: Ctx, form: dict[str, str]) -> tuple[str, str]:
    scheme, _, encoded = ctx.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            client_id, _, secret = base64.b64decode(encoded).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            raise OAuthError(401, "invalid_client", "Malformed Basic credentials") from None
        return client_id, secret
    if "client_id" in form:
        return form["client_id"], form.get("client_secret", "")
    raise OAuthError(401, "invalid_client", "Client authentication failed")


def oidc_token(ctx: Ctx) -> Response:
    """``POST /oidc/v1/token`` (form-encoded client-credentials grant)."""
    form = {k: v[-1] for k, v in parse_qs(ctx.body.decode("utf-8", "replace")).items()}
    client_id, secret = _client_credentials(ctx, form)
    token = ctx.state.identity.mint_oauth_token(client_id, secret, form.get("grant_type", ""))
    return JSONResponse(
        {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": ctx.state.identity.oauth_token_lifetime_seconds,
            "scope": form.get("scope", "all-apis"),
        }
    )


def scim_user(who: Principal) -> dict[str, Any]:
    groups = [{"display": "users", "type": "direct", "value": "1000000000000001"}]
    if who.is_admin:
        groups.append({"display": ADMINS, "type": "direct", "value": "1000000000000002"})
    body: dict[str, Any] = {
        "id": who.scim_id,
        "userName": who.user_name,
        "displayName": who.display_name,
        "active": True,
        "groups": groups,
        "entitlements": [{"value": "workspace-access"}, {"value": "databricks-sql-access"}],
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:workspace:2.0:User",
        ],
    }
    if not who.is_service_principal:
        given, _, family = who.display_name.partition(" ")
        body["name"] = {"givenName": given, "familyName": family or given}
        body["emails"] = [{"value": who.user_name, "primary": True, "type": "work"}]
    return body


def scim_me(ctx: Ctx) -> Response:
    # Workspaces name themselves on every response; SDKs before 0.104 read the workspace id
    # from this header rather than from /.well-known/databricks-config.
    return JSONResponse(
        scim_user(ctx.principal), headers={"X-Databricks-Org-Id": str(WORKSPACE_ID)}
    )
