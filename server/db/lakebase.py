"""Database credentials for Lakebase, minted by the app's service principal and cached until
shortly before they expire.

Two APIs mint them: Lakebase Autoscaling (`postgres.generate_database_credential` for an
endpoint, answering `expire_time`) and Lakebase Provisioned (`database.generate_database_credential`
for an instance, answering `expiration_time`). Only the minter differs; the provider that
caches and refreshes the token is the same for both.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from databricks.sdk import WorkspaceClient
from databricks.sdk.core import Config

from server.clock import Clock, SdkClock
from server.config import Settings

logger = logging.getLogger(__name__)

# When the API leaves out the expiry we assume the documented one-hour lifetime.
DEFAULT_TOKEN_LIFETIME = timedelta(hours=1)


@dataclass(frozen=True)
class DatabaseToken:
    token: str
    expires_at: datetime


Minter = Callable[[], DatabaseToken]


def _parse_expiry(raw: str | None) -> datetime | None:
    """The Database API's `expiration_time` (RFC 3339, read as UTC without an offset; an absent
    one is None)."""
    if not raw:
        return None
    parsed = datetime.fromisoformat(raw)  # Python 3.11 reads a trailing Z too
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def mint_autoscaling(client: WorkspaceClient, endpoint: str, now: datetime) -> DatabaseToken:
    """A credential for an Autoscaling endpoint (the Postgres API)."""
    minted = client.postgres.generate_database_credential(endpoint=endpoint)
    # The SDK decodes `expire_time` into a protobuf Timestamp.
    expiry = minted.expire_time
    return _token(minted.token, expiry.ToDatetime(tzinfo=UTC) if expiry is not None else None, now)


def mint_provisioned(client: WorkspaceClient, instance: str, now: datetime) -> DatabaseToken:
    """A credential for a Provisioned instance (the Database API)."""
    # The SDK gives every call a request id of its own (the API's idempotency key).
    minted = client.database.generate_database_credential(instance_names=[instance])
    return _token(minted.token, _parse_expiry(minted.expiration_time), now)


def _token(token: str | None, expires_at: datetime | None, now: datetime) -> DatabaseToken:
    if not token:
        raise RuntimeError("Lakebase returned no credential token")
    # When the API leaves the expiry out, assume the documented lifetime.
    return DatabaseToken(token, expires_at or now + DEFAULT_TOKEN_LIFETIME)


def service_principal_minter(settings: Settings, clock: Clock) -> Minter:
    """Mint tokens as the app's service principal, for its endpoint or instance."""
    if not (settings.databricks_host and settings.databricks_client_id):
        raise ValueError("Lakebase needs DATABRICKS_HOST and DATABRICKS_CLIENT_ID/SECRET")
    flavour = settings.lakebase_flavour
    target = settings.lakebase_endpoint or settings.lakebase_instance_name
    if flavour is None or target is None:
        raise ValueError("Lakebase needs LAKEBASE_ENDPOINT or LAKEBASE_INSTANCE_NAME")
    mint_for = mint_autoscaling if flavour == "autoscaling" else mint_provisioned
    clients: list[WorkspaceClient] = []

    def client() -> WorkspaceClient:
        # Built on first use (Config probes the host): an unreachable workspace at start-up
        # must not stop the app from starting; minting failures already become 503.
        if not clients:
            secret = settings.databricks_client_secret
            config = Config(
                host=settings.databricks_host,
                client_id=settings.databricks_client_id,
                client_secret=secret.get_secret_value() if secret else None,
                auth_type="oauth-m2m",
                http_timeout_seconds=settings.databricks_http_timeout_seconds,
                retry_timeout_seconds=settings.databricks_retry_timeout_seconds,
                clock=SdkClock(clock),
            )
            clients.append(WorkspaceClient(config=config))
        return clients[0]

    def mint() -> DatabaseToken:
        credential = mint_for(client(), target, clock.now())
        logger.info(
            "minted a Lakebase credential",
            extra={
                "lakebase": flavour,
                "target": target,
                "expires_at": credential.expires_at.isoformat(),
            },
        )
        return credential

    return mint


class LakebaseCredentialProvider:
    """Hands out the current database token, minting a new one inside the refresh margin.

    Thread-safe: SQLAlchemy may open connections from several threads at once, and only one of
    them should mint.
    """

    def __init__(
        self,
        mint: Minter,
        *,
        refresh_margin: timedelta,
        clock: Clock,
    ) -> None:
        self._mint = mint
        self._refresh_margin = refresh_margin
        self._clock = clock
        self._lock = threading.Lock()
        self._current: DatabaseToken | None = None

    def needs_refresh(self) -> bool:
        current = self._current
        return current is None or self._clock.now() >= current.expires_at - self._refresh_margin

    def forget(self) -> None:
        """Drop the current token (the database refused it: revoked, or expired early), so the
        next `token()` mints anew instead of waiting for the refresh time."""
        # pragma: no mutate block - Lakebase only (lakebase/test_standin.py: a refused credential)
        with self._lock:
            self._current = None

    def token(self) -> str:
        """The token to use as the password of a new connection."""
        with self._lock:
            if self.needs_refresh():
                self._current = self._mint()
            assert self._current is not None
            return self._current.token
