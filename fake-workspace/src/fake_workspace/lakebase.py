"""Lakebase (managed Postgres): what credentials are minted for, and the credentials.

Two generations of the API mint them. Lakebase Provisioned: database instances, credentials
from ``POST /api/2.0/database/credentials`` for a list of instance names. Lakebase Autoscaling
(every database created since March 2026): projects, branches and compute endpoints,
credentials from ``POST /api/2.0/postgres/credentials`` for one endpoint.

Any authenticated principal may mint a credential for an existing instance or endpoint (the
real service additionally checks permissions; the fake grants everyone unless a test revokes a
principal's access). Listeners registered with :meth:`Lakebase.on_credential` hear of every
credential minted or expired, with what it was minted for, so a database standing in for one
instance or endpoint can make the principal's password follow the credentials meant for it
(the fake itself knows nothing about PostgreSQL).
"""

from __future__ import annotations

import dataclasses
import re
import secrets
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal

from fake_workspace.errors import invalid_parameter, not_found, permission_denied
from fake_workspace.identity import Principal
from fake_workspace.listeners import Listeners
from fake_workspace.reference import DATABASE_INSTANCES, POSTGRES_ENDPOINTS
from fake_workspace.reference.specs import DatabaseInstanceDef, PostgresEndpointDef

DEFAULT_CREDENTIAL_LIFETIME_SECONDS = 3600
# What `ttl` and `expire_time` may ask of the Postgres API: 5 minutes to 1 hour.
MIN_REQUESTED_LIFETIME = timedelta(seconds=300)
MAX_REQUESTED_LIFETIME = timedelta(seconds=3600)
_RESOURCE_ID = r"[a-z][a-z0-9-]{0,62}"
_ENDPOINT_NAME = re.compile(
    rf"projects/(?P<project>{_RESOURCE_ID})/branches/(?P<branch>{_RESOURCE_ID})"
    rf"/endpoints/(?P<endpoint>{_RESOURCE_ID})"
)
_DURATION = re.compile(r"(?P<seconds>-?\d+(?:\.\d{1,9})?)s")

Flavour = Literal["provisioned", "autoscaling"]


def _real_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class MintedCredential:
    token: str
    user_name: str
    """Who minted it: the Postgres role it logs in as (an SP's application id)."""
    flavour: Flavour
    targets: tuple[str, ...]
    """What it logs in to: instance names (Provisioned) or one endpoint path (Autoscaling)."""
    request_id: str | None
    expires_at: datetime

    @property
    def expiration_time(self) -> str:
        """The expiry as both APIs write it (RFC 3339, UTC, whole seconds)."""
        return self.expires_at.strftime("%Y-%m-%dT%H:%M:%SZ")

    def answer(self) -> dict[str, str]:
        """The response body: `expiration_time` (Database API) or `expire_time` (Postgres API)."""
        field = "expire_time" if self.flavour == "autoscaling" else "expiration_time"
        return {"token": self.token, field: self.expiration_time}


CredentialListener = Callable[[MintedCredential], None]
# The API reference lists both; the SDK's enum knows READ_ONLY only.
CLAIM_PERMISSION_SETS = ("READ_ONLY", "PERMISSION_SET_UNSPECIFIED")
CLAIM_RESOURCE_KEYS = frozenset({"table_name", "unspecified_resource_name"})


def check_claims(claims: object) -> bool:
    """Whether a credential request carries claims, as the SDK's ``RequestedClaims`` list
    (``permission_set`` READ_ONLY, ``resources`` naming a table or another resource); 400
    INVALID_PARAMETER_VALUE for anything else. The fake does not check the caller's Unity
    Catalog privileges on the claimed tables."""
    if claims is None:
        return False
    if not isinstance(claims, list) or not all(isinstance(c, dict) for c in claims):
        raise invalid_parameter("claims must be a list of {permission_set, resources} objects.")
    for claim in claims:
        if claim.get("permission_set", "READ_ONLY") not in CLAIM_PERMISSION_SETS:
            raise invalid_parameter(f"Invalid permission_set {claim.get('permission_set')!r}.")
        resources = claim.get("resources", [])
        if not isinstance(resources, list) or not all(
            isinstance(r, dict)
            and r.keys() <= CLAIM_RESOURCE_KEYS
            and all(isinstance(v, str) and v for v in r.values())
            for r in resources
        ):
            raise invalid_parameter(
                "claims[].resources must be objects with table_name or unspecified_resource_name."
            )
    return bool(claims)


class Lakebase:
    """Instances (seeded, state controllable) and every credential minted in this test."""

    def __init__(self, lock: threading.RLock) -> None:
        self._lock = lock
        self._seed = {i.name: i for i in DATABASE_INSTANCES}
        self._instances: dict[str, DatabaseInstanceDef] = {}
        self._endpoint_seed = {e.name: e for e in POSTGRES_ENDPOINTS}
        self._endpoints: dict[str, PostgresEndpointDef] = {}
        self._minted: list[MintedCredential] = []
        self._revoked: set[str] = set()
        # Registered once per session by whoever stands in for the instance; reset keeps them.
        self._listeners = Listeners[MintedCredential](self._lock)
        self.credential_lifetime_seconds = DEFAULT_CREDENTIAL_LIFETIME_SECONDS
        self.answer_without_expiry = False
        """Leave the expiry out of credential answers (both APIs' models make it optional)."""
        self.now: Callable[[], datetime] = _real_now
        """What credentials are stamped and checked with: a test sets its own clock's `now`."""
        self.before_endpoint_lookup: Callable[[], None] = lambda: None
        """Set once by the branch store: ends expired branches (and their endpoints) first."""
        self.endpoint_hostname: str | None = None
        """Where every endpoint is served (``--postgres``); None: made-up Databricks hosts."""
        self.reset()

    def reset(self) -> None:
        with self._lock:
            self._instances = dict(self._seed)
            self._endpoints = dict(self._endpoint_seed)
            self._minted = []
            self._revoked = set()
            self.credential_lifetime_seconds = DEFAULT_CREDENTIAL_LIFETIME_SECONDS
            self.answer_without_expiry = False
            self.now = _real_now

    def on_credential(self, listener: CredentialListener) -> Callable[[], None]:
        """Call ``listener`` with every credential minted, and again with each one
        :meth:`expire_credentials` ends, before the caller sees the answer. Returns the
        function that unregisters it."""
        return self._listeners.add(listener)

    def _notify(self, credentials: list[MintedCredential]) -> None:
        self._listeners.notify(credentials)

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

    def serve_endpoints_at(self, hostname: str) -> None:
        """Every instance's ``read_write_dns`` and every endpoint's host, seeded or added later,
        is ``hostname`` (a real PostgreSQL server standing in for all of them); resets keep it."""
        with self._lock:
            self.endpoint_hostname = hostname
            self._seed = {
                n: dataclasses.replace(i, hostname=hostname) for n, i in self._seed.items()
            }
            self._instances = {
                n: dataclasses.replace(i, hostname=hostname) for n, i in self._instances.items()
            }
            self._endpoint_seed = {
                n: dataclasses.replace(e, hostname=hostname) for n, e in self._endpoint_seed.items()
            }
            self._endpoints = {
                n: dataclasses.replace(e, hostname=hostname) for n, e in self._endpoints.items()
            }

    def add_endpoint(self, endpoint: PostgresEndpointDef) -> PostgresEndpointDef:
        """A new endpoint (a new branch's read-write one) until removed or the test ends."""
        if self.endpoint_hostname is not None:
            endpoint = dataclasses.replace(endpoint, hostname=self.endpoint_hostname)
        with self._lock:
            self._endpoints[endpoint.name] = endpoint
        return endpoint

    def remove_endpoints_of(self, branch_name: str) -> list[PostgresEndpointDef]:
        """Forget every endpoint of ``branch_name`` (its branch was deleted); returns them."""
        with self._lock:
            gone = [e for e in self._endpoints.values() if e.branch_name == branch_name]
            for endpoint in gone:
                del self._endpoints[endpoint.name]
        return gone

    def endpoints_of(self, branch_name: str) -> list[PostgresEndpointDef]:
        with self._lock:
            return sorted(
                (e for e in self._endpoints.values() if e.branch_name == branch_name),
                key=lambda e: e.endpoint_id,
            )

    def endpoint(self, name: str) -> PostgresEndpointDef:
        """The endpoint ``projects/<p>/branches/<b>/endpoints/<e>``; 404 names the first level
        that does not exist, as the Postgres API does."""
        self.before_endpoint_lookup()
        parts = _ENDPOINT_NAME.fullmatch(name)
        if parts is None:
            raise invalid_parameter(
                f"Invalid endpoint name '{name}': expected "
                "projects/{project_id}/branches/{branch_id}/endpoints/{endpoint_id}."
            )
        with self._lock:
            found = self._endpoints.get(name)
            known = list(self._endpoints.values())
        if found is not None:
            return found
        if not any(e.project == parts["project"] for e in known):
            missing = "project"
        elif not any(e.branch_name == name.rsplit("/endpoints/", 1)[0] for e in known):
            missing = "branch"
        else:
            missing = "endpoint"
        raise not_found("NOT_FOUND", f"{missing} id not found [TraceId: {uuid.uuid4().hex}]")

    def set_endpoint_state(self, name: str, state: str) -> None:
        """E.g. ``set_endpoint_state(LAKEBASE_ENDPOINT.name, "IDLE")`` (scaled to zero)."""
        with self._lock:
            self._endpoints[name] = dataclasses.replace(self.endpoint(name), state=state)

    def generate(
        self,
        who: Principal,
        instance_names: object,
        request_id: str | None,
        claims: object = None,
    ) -> MintedCredential:
        """Lakebase Provisioned: a credential for every instance named, or for the Unity
        Catalog claims alone (at least one of the two; the SDK documents both as optional)."""
        has_claims = check_claims(claims)
        if instance_names is None and has_claims:
            instance_names = []
        if not isinstance(instance_names, list) or not all(
            isinstance(n, str) for n in instance_names
        ):
            raise invalid_parameter("instance_names must be a list of instance names.")
        if not instance_names and not has_claims:
            raise invalid_parameter("At least one of instance_names or claims must be specified.")
        for name in instance_names:
            self.instance(name)
        self.check_access(
            who,
            f"database instance '{instance_names[0]}'" if instance_names else "the claimed tables",
        )
        lifetime = timedelta(seconds=self.credential_lifetime_seconds)
        return self._mint(who, "provisioned", tuple(instance_names), request_id, lifetime)

    def generate_for_endpoint(
        self,
        who: Principal,
        endpoint: object,
        ttl: object,
        expire_time: object,
        claims: object = None,
    ) -> MintedCredential:
        """Lakebase Autoscaling: a credential for one endpoint, living `ttl` (a duration such
        as ``"900s"``), until `expire_time` (RFC 3339), or the default hour; `claims` scope it
        to Unity Catalog tables."""
        if not isinstance(endpoint, str) or not endpoint:
            raise invalid_parameter("Missing required field: endpoint.")
        check_claims(claims)
        self.endpoint(endpoint)
        lifetime = self._requested_lifetime(ttl, expire_time)
        self.check_access(who, f"endpoint '{endpoint}'")
        return self._mint(who, "autoscaling", (endpoint,), None, lifetime)

    def _requested_lifetime(self, ttl: object, expire_time: object) -> timedelta:
        if ttl is not None and expire_time is not None:
            raise invalid_parameter("Only one of ttl and expire_time may be set.")
        if ttl is not None:
            match = _DURATION.fullmatch(ttl) if isinstance(ttl, str) else None
            if match is None:
                raise invalid_parameter(f"Invalid ttl {ttl!r}: expected a duration such as '900s'.")
            requested = timedelta(seconds=float(match["seconds"]))
        elif expire_time is not None:
            try:
                until = datetime.fromisoformat(str(expire_time).replace("Z", "+00:00"))
            except ValueError:
                raise invalid_parameter(f"Invalid expire_time {expire_time!r}.") from None
            if until.tzinfo is None:
                raise invalid_parameter(f"Invalid expire_time {expire_time!r}: no time zone.")
            requested = until - self.now()
        else:
            return timedelta(seconds=self.credential_lifetime_seconds)
        if not MIN_REQUESTED_LIFETIME <= requested <= MAX_REQUESTED_LIFETIME:
            raise invalid_parameter(
                "The credential lifetime must be at least 300 seconds and at most 3600 seconds."
            )
        return requested

    def answer(self, credential: MintedCredential) -> dict[str, str]:
        """What the minting call answers (without the expiry while `answer_without_expiry`)."""
        body = credential.answer()
        if self.answer_without_expiry:
            body = {"token": body["token"]}
        return body

    def check_access(self, who: Principal, what: str) -> None:
        """403 ``PERMISSION_DENIED`` for a principal :meth:`revoke_access` named."""
        with self._lock:
            revoked = who.user_name in self._revoked
        if revoked:
            raise permission_denied(f"{who.user_name} has no permission to use {what}.")

    def _mint(
        self,
        who: Principal,
        flavour: Flavour,
        targets: tuple[str, ...],
        request_id: str | None,
        lifetime: timedelta,
    ) -> MintedCredential:
        with self._lock:
            credential = MintedCredential(
                token=f"lbtok-{len(self._minted) + 1}-{secrets.token_urlsafe(24)}",
                user_name=who.user_name,
                flavour=flavour,
                targets=targets,
                request_id=request_id,
                expires_at=(self.now() + lifetime).replace(microsecond=0),
            )
            self._minted.append(credential)
        self._notify([credential])
        return credential

    def is_valid(self, token: str, user_name: str | None = None, target: str | None = None) -> bool:
        """Would a Postgres login with ``token`` (as ``user_name``, to the instance or endpoint
        ``target``) succeed right now?"""
        now = self.now()
        return any(
            c.token == token
            and c.expires_at > now
            and user_name in (None, c.user_name)
            and (target is None or target in c.targets)
            for c in self.minted
        )
