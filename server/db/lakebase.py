"""Database credentials for Lakebase, minted by the app's service principal and cached until
shortly before they expire."""

from __future__ import annotations

import logging
import threading
import uuid
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


def _parse_expiry(raw: str | None, now: datetime) -> datetime:
    if not raw:
        return now + DEFAULT_TOKEN_LIFETIME
    parsed = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def service_principal_minter(settings: Settings, clock: Clock) -> Minter:
    """Mint tokens with `database.generate_database_credential` as the app's service principal."""
    if not (settings.databricks_host and settings.databricks_client_id):
        raise ValueError("Lakebase needs DATABRICKS_HOST and DATABRICKS_CLIENT_ID/SECRET")
    instance = settings.lakebase_instance_name
    assert instance is not None
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
        credential = client().database.generate_database_credential(
            request_id=str(uuid.uuid4()), instance_names=[instance]
        )
        if not credential.token:
            raise RuntimeError("generate_database_credential returned no token")
        expires_at = _parse_expiry(credential.expiration_time, clock.now())
        logger.info(
            "minted a Lakebase credential",
            extra={"instance": instance, "expires_at": expires_at.isoformat()},
        )
        return DatabaseToken(credential.token, expires_at)

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

    def token(self) -> str:
        """The token to use as the password of a new connection."""
        with self._lock:
            if self.needs_refresh():
                self._current = self._mint()
            assert self._current is not None
            return self._current.token
