"""Principals, their tokens, and the app service principal's OAuth client-credentials flow."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass

from fake_workspace.errors import OAuthError
from fake_workspace.reference import ACCOUNT_USERS, APP_SP, USERS
from fake_workspace.reference.identities import ADMINS, pat_for, scim_id_for


@dataclass(frozen=True)
class Principal:
    """Who a token authenticates as. For a service principal ``user_name`` is its app id."""

    user_name: str
    display_name: str
    scim_id: str
    is_admin: bool = False
    is_service_principal: bool = False

    @property
    def groups(self) -> tuple[str, ...]:
        return (ACCOUNT_USERS, ADMINS) if self.is_admin else (ACCOUNT_USERS,)


@dataclass(frozen=True)
class FakeUser:
    """A user as tests see it: a name and a token to put in ``Authorization: Bearer``."""

    user_name: str
    token: str
    display_name: str


@dataclass
class _OAuthToken:
    principal: Principal
    expires_at: float
    disabled: bool = False
    """Revoked or force-expired by the current test; :meth:`IdentityStore.reset` re-enables."""


def _seed_principals() -> dict[str, Principal]:
    return {
        u.token: Principal(u.user_name, u.display_name, u.scim_id, is_admin=u.is_admin)
        for u in USERS
    }


SERVICE_PRINCIPAL = Principal(
    APP_SP.application_id, APP_SP.display_name, APP_SP.scim_id, is_service_principal=True
)


class IdentityStore:
    """Tokens → principals.

    Seeded PATs survive :meth:`reset` (even if a test revoked them); users added at run time
    do not. OAuth access tokens outlive a test, like real ones, so that a client caching one
    across tests (e.g. a session-scoped credentials provider) keeps working; revoking or
    expiring one only lasts until the end of the test.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.oauth_token_lifetime_seconds = 3600
        self._pats: dict[str, Principal] = {}
        self._oauth: dict[str, _OAuthToken] = {}
        self.oauth_tokens_minted = 0
        self._counter = 0
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._pats = _seed_principals()
            for oauth in self._oauth.values():
                oauth.disabled = False
            self.oauth_tokens_minted = 0
            self.oauth_token_lifetime_seconds = 3600

    def authenticate(self, token: str) -> Principal | None:
        with self._lock:
            if token in self._pats:
                return self._pats[token]
            oauth = self._oauth.get(token)
            if oauth is not None and not oauth.disabled and oauth.expires_at > time.time():
                return oauth.principal
            return None

    def add_user(
        self, user_name: str, display_name: str | None = None, *, is_admin: bool = False
    ) -> FakeUser:
        """Register a user (member of ``account users``) for this test; returns its token."""
        with self._lock:
            self._counter += 1
            token = pat_for(f"{user_name}#{self._counter}")
            name = display_name or user_name.split("@")[0].replace(".", " ").title()
            self._pats[token] = Principal(user_name, name, scim_id_for(user_name), is_admin)
        return FakeUser(user_name, token, name)

    def revoke_token(self, token: str) -> None:
        """Make ``token`` (PAT or OAuth access token) answer 401 from now on."""
        with self._lock:
            self._pats.pop(token, None)
            if token in self._oauth:
                self._oauth[token].disabled = True

    def expire_oauth_tokens(self) -> None:
        """Expire every OAuth access token minted so far (clients must fetch a new one)."""
        with self._lock:
            for oauth in self._oauth.values():
                oauth.disabled = True

    def mint_oauth_token(self, client_id: str, client_secret: str, grant_type: str) -> str:
        """Client-credentials grant for the app's service principal."""
        if grant_type != "client_credentials":
            raise OAuthError(400, "unsupported_grant_type", f"Unsupported grant: {grant_type}")
        if client_id != APP_SP.client_id or not secrets.compare_digest(
            client_secret, APP_SP.client_secret
        ):
            raise OAuthError(401, "invalid_client", "Client authentication failed")
        token = "eyJfake." + secrets.token_urlsafe(24)
        with self._lock:
            expires_at = time.time() + self.oauth_token_lifetime_seconds
            self._oauth[token] = _OAuthToken(SERVICE_PRINCIPAL, expires_at)
            self.oauth_tokens_minted += 1
        return token
