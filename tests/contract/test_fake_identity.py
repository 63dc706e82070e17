"""Identity: discovery documents, SCIM /Me, PAT and OAuth M2M authentication."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.config import Config
from databricks.sdk.errors import Unauthenticated

from fake_workspace import FakeUser, FakeWorkspace, Route
from fake_workspace.reference import ALICE, APP_SP, CAROL, WORKSPACE_ID
from tests.harness.http import SdkFactory, bearer

pytestmark = pytest.mark.fake_only


def sp_client(fake: FakeWorkspace, secret: str = APP_SP.client_secret) -> WorkspaceClient:
    config = Config(
        host=fake.base_url,
        client_id=APP_SP.client_id,
        client_secret=secret,
        auth_type="oauth-m2m",
        retry_timeout_seconds=5,
        http_timeout_seconds=5,
    )
    return WorkspaceClient(config=config)


def test_sdk_config_reads_workspace_id_from_well_known(fake: FakeWorkspace) -> None:
    config = Config(host=fake.base_url, token=ALICE.token, auth_type="pat")

    assert config.workspace_id == WORKSPACE_ID
    assert fake.requests.for_route(Route.WELL_KNOWN)


def test_me_returns_the_user_of_the_token(sdk: SdkFactory) -> None:
    me = sdk(ALICE).current_user.me()

    assert me.user_name == ALICE.user_name
    assert me.display_name == ALICE.display_name
    assert me.active is True
    assert me.emails
    assert me.emails[0].value == ALICE.user_name
    assert me.schemas, "schema URNs must parse into UserSchema enums"


def test_me_names_the_workspace_in_a_header(http: httpx.Client) -> None:
    # SDKs before 0.104 take get_workspace_id() from this header alone.
    response = http.get("/api/2.0/preview/scim/v2/Me", headers=bearer(ALICE))

    assert response.status_code == 200
    assert response.headers["X-Databricks-Org-Id"] == str(WORKSPACE_ID)


def test_admin_belongs_to_admins_group(sdk: SdkFactory) -> None:
    me = sdk(CAROL).current_user.me()

    assert "admins" in {g.display for g in me.groups or []}


def test_fresh_user_is_known_for_this_test(
    sdk: SdkFactory, fresh_user: Callable[..., FakeUser]
) -> None:
    user = fresh_user("dora")

    assert sdk(user).current_user.me().user_name == user.user_name


def test_invalid_token_raises_unauthenticated(sdk: SdkFactory) -> None:
    with pytest.raises(Unauthenticated) as caught:
        sdk("dapi-not-a-token").current_user.me()

    assert caught.value.error_code == "UNAUTHENTICATED"


def test_missing_authorization_is_401(http: httpx.Client) -> None:
    response = http.get("/api/2.0/preview/scim/v2/Me")

    assert response.status_code == 401
    assert response.json()["error_code"] == "UNAUTHENTICATED"


def test_revoked_token_is_rejected(fake: FakeWorkspace, http: httpx.Client) -> None:
    token = fake.identity.add_user("revoked@example.com").token
    assert http.get("/api/2.0/preview/scim/v2/Me", headers=bearer(token)).status_code == 200

    fake.identity.revoke_token(token)

    assert http.get("/api/2.0/preview/scim/v2/Me", headers=bearer(token)).status_code == 401


def test_service_principal_authenticates_with_oauth_m2m(fake: FakeWorkspace) -> None:
    me = sp_client(fake).current_user.me()

    assert me.user_name == APP_SP.application_id
    assert me.display_name == APP_SP.display_name
    token_request = fake.requests.for_route(Route.OIDC_TOKEN)[0]
    assert token_request.basic_auth == (APP_SP.client_id, APP_SP.client_secret)
    assert b"grant_type=client_credentials" in token_request.body
    assert b"scope=all-apis" in token_request.body
    scim = fake.requests.for_route(Route.SCIM_ME)[0]
    assert scim.principal == APP_SP.application_id
    assert fake.identity.oauth_tokens_minted == 1


def test_wrong_client_secret_is_an_oauth_error(fake: FakeWorkspace) -> None:
    with pytest.raises(ValueError, match="invalid_client"):
        sp_client(fake, secret="wrong").current_user.me()


def test_token_endpoint_speaks_oauth_errors(http: httpx.Client) -> None:
    response = http.post(
        "/oidc/v1/token",
        data={"grant_type": "client_credentials", "scope": "all-apis"},
        auth=(APP_SP.client_id, "nope"),
    )

    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_expired_oauth_token_is_rejected(fake: FakeWorkspace, http: httpx.Client) -> None:
    minted = http.post(
        "/oidc/v1/token",
        data={"grant_type": "client_credentials", "scope": "all-apis"},
        auth=(APP_SP.client_id, APP_SP.client_secret),
    ).json()
    assert minted["token_type"] == "Bearer"
    assert minted["expires_in"] > 0

    fake.identity.expire_oauth_tokens()

    response = http.get("/api/2.0/preview/scim/v2/Me", headers=bearer(minted["access_token"]))
    assert response.status_code == 401


def test_oauth_tokens_outlive_a_reset(fake: FakeWorkspace, http: httpx.Client) -> None:
    minted = http.post(
        "/oidc/v1/token",
        data={"grant_type": "client_credentials", "scope": "all-apis"},
        auth=(APP_SP.client_id, APP_SP.client_secret),
    ).json()
    fake.identity.expire_oauth_tokens()

    fake.reset()

    response = http.get("/api/2.0/preview/scim/v2/Me", headers=bearer(minted["access_token"]))
    assert response.status_code == 200
