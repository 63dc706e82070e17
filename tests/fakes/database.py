"""Lakebase (managed Postgres): instances and short-lived login credentials.

Any authenticated principal may mint a credential for an existing instance (the real
service additionally checks the instance's permissions; the fake grants everyone unless a test
revokes a principal's access). Listeners registered with :meth:`Lakebase.on_credential` hear of
every credential minted or expired, so a database standing in for the instance can make the
principal's password follow them (the fake itself knows nothing about PostgreSQL).
"""

from __future__ import annotations

import dataclasses
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from tests.fakes.errors import invalid_parameter, not_found, permission_denied
from tests.fakes.identity import Principal
from tests.fakes.reference import DATABASE_INSTANCES
from tests.fakes.reference.specs import DatabaseInstanceDef

DEFAULT_CREDENTIAL_LIFETIME_SECONDS = 3600


def _real_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class MintedCredential:
    token: str
    user_name: str
    """Who minted it: the Postgres role it logs in as (an SP's application id)."""
    instance_names: tuple[str, ...]
    request_id: str | None
    expires_at: datetime

    @property
    def expiration_time(self) -> str:
        return self.expires_at.strftime("%Y-%m-%dT%H:%M:%SZ")


CredentialListener = Callable[[MintedCredential], None]


class Lakebase:
    """Instances (seeded, state controllable) and every credential minted in this test."""

    def __init__(self, lock: threading.RLock) -> None:
        self._lock = lock
        self._seed = {i.name: i for i in DATABASE_INSTANCES}
        self._instances: dict[str, DatabaseInstanceDef] = {}
        self._minted: list[MintedCredential] = []
        self._revoked: set[str] = set()
        # Registered once per session by whoever stands in for the instance; reset keeps them.
        self._listeners: list[CredentialListener] = []
        self.credential_lifetime_seconds = DEFAULT_CREDENTIAL_LIFETIME_SECONDS
        self.now: Callable[[], datetime] = _real_now
        """What credentials are stamped and checked with: a test sets its own clock's `now`."""
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._instances = dict(self._seed)
            self._minted = []
            self._revoked = set()
            self.credential_lifetime_seconds = DEFAULT_CREDENTIAL_LIFETIME_SECONDS
            self.now = _real_now

    def on_credential(self, listener: CredentialListener) -> Callable[[], None]:
        """Call ``listener`` with every credential minted, and again with each one
        :meth:`expire_credentials` ends, before the caller sees the answer. Returns the
        function that unregisters it."""
        with self._lock:
            self._listeners.append(listener)

        def remove() -> None:
            with self._lock:
                self._listeners.remove(listener)

        return remove

    def _notify(self, credentials: list[MintedCredential]) -> None:
        # Outside the lock: a listener may take a while (it talks to a database).
        with self._lock:
            listeners = list(self._listeners)
        for credential in credentials:
            for listener in listeners:
                listener(credential)

    def revoke_access(self, user_name: str) -> None:
        """``user_name`` (e.g. the app's service principal) may no longer mint credentials:
        403 ``PERMISSION_DENIED`` until :meth:`grant_access` or the end of the test."""
        with self._lock:
            self._revoked.add(user_name)

    def grant_access(self, user_name: str) -> None:
        with self._lock:
            self._revoked.discard(user_name)

    def expire_credentials(self) -> None:
        """End every credential minted in this test now, as if its lifetime had run out."""
        expired_at = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=1)
        with self._lock:
            self._minted = [dataclasses.replace(c, expires_at=expired_at) for c in self._minted]
            ended = list(self._minted)
        self._notify(ended)

    @property
    def minted(self) -> list[MintedCredential]:
        with self._lock:
            return list(self._minted)

    @property
    def tokens_minted(self) -> int:
        with self._lock:
            return len(self._minted)

    def instance(self, name: str) -> DatabaseInstanceDef:
        with self._lock:
            found = self._instances.get(name)
        if found is None:
            raise not_found(
                "RESOURCE_DOES_NOT_EXIST", f"Database instance '{name}' does not exist."
            )
        return found

    def set_instance_state(self, name: str, state: str) -> None:
        """E.g. ``set_instance_state("app-db", "STOPPED")``."""
        with self._lock:
            self._instances[name] = dataclasses.replace(self.instance(name), state=state)

    def generate(
        self, who: Principal, instance_names: object, request_id: str | None
    ) -> MintedCredential:
        if (
            not isinstance(instance_names, list)
            or not instance_names
            or not all(isinstance(n, str) for n in instance_names)
        ):
            raise invalid_parameter("instance_names must be a non-empty list of instance names.")
        for name in instance_names:
            self.instance(name)
        with self._lock:
            revoked = who.user_name in self._revoked
        if revoked:
            raise permission_denied(
                f"{who.user_name} has no permission to use database instance '{instance_names[0]}'."
            )
        with self._lock:
            credential = MintedCredential(
                token=f"lbtok-{len(self._minted) + 1}-{secrets.token_urlsafe(24)}",
                user_name=who.user_name,
                instance_names=tuple(instance_names),
                request_id=request_id,
                expires_at=self.now().replace(microsecond=0)
                + timedelta(seconds=self.credential_lifetime_seconds),
            )
            self._minted.append(credential)
        self._notify([credential])
        return credential

    def is_valid(self, token: str, user_name: str | None = None) -> bool:
        """Would a Postgres login with ``token`` (as ``user_name``) succeed right now?"""
        now = self.now()
        return any(
            c.token == token and c.expires_at > now and user_name in (None, c.user_name)
            for c in self.minted
        )
