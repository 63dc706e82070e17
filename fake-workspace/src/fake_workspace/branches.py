"""Lakebase Autoscaling branches: projects, branches, their databases, and the long-running
operations that create and delete branches.

A branch is a copy-on-write copy of its source branch: it gets the source's databases (same
database ids) and a read-write endpoint named ``primary`` of its own, whose credentials the
:class:`~fake_workspace.lakebase.Lakebase` mints like any endpoint's. Deleting a branch removes
its endpoints and databases; a branch whose expiry has passed on the fake's clock
(``Lakebase.now``) is gone the next time anything looks.

Listeners registered with :meth:`Branches.on_branch` hear of every branch created or deleted
(with its source and the databases copied or dropped), inside the request that caused it, so
whoever stands in for the database server can create and drop a database per branch. Because one
server then holds every branch's copy, a branch's database needs a name of its own there: the
fake reports it as the branch's Database ``status.postgres_database`` (Databricks keeps the
parent's name, each branch having a server of its own).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from google.protobuf.timestamp_pb2 import Timestamp

from fake_workspace.errors import ApiError, invalid_parameter, not_found
from fake_workspace.identity import Principal
from fake_workspace.lakebase import Lakebase
from fake_workspace.listeners import Listeners
from fake_workspace.reference import POSTGRES_ENDPOINTS
from fake_workspace.reference.specs import PostgresEndpointDef

_RESOURCE_ID = re.compile(r"[a-z][a-z0-9-]{0,62}")
_DURATION = re.compile(r"(?P<seconds>-?\d+(?:\.\d{1,9})?)s")
# The longest a branch may live, as Databricks' branch-expiration guidance states it.
MAX_BRANCH_LIFETIME = timedelta(days=30)
DEFAULT_DATABASE = "databricks_postgres"
"""The database every Lakebase branch has from the start."""
_POSTGRES_NAME_LIMIT = 63  # NAMEDATALEN - 1
_METADATA_TYPE = "type.googleapis.com/databricks.postgres.v1.{}OperationMetadata"
_EMPTY_TYPE = "type.googleapis.com/google.protobuf.Empty"
# When the seeded projects and branches were created.
_SEED_CREATED = datetime.fromisoformat("2026-03-20T09:30:00+00:00")

EventKind = Literal["created", "deleted"]


def rfc3339(moment: datetime) -> str:
    """A timestamp as the Postgres API writes it: protobuf's JSON form (UTC, ``Z``, a
    fraction of 3, 6 or 9 digits only when not whole seconds)."""
    stamp = Timestamp()
    stamp.FromDatetime(moment.astimezone(UTC))
    return stamp.ToJsonString()


def _trace() -> str:
    return f"[TraceId: {uuid.uuid4().hex}]"


def _missing(level: str) -> ApiError:
    """404 naming the first level that does not exist, as the Postgres API words it."""
    return not_found("NOT_FOUND", f"{level} id not found {_trace()}")


def branch_database_name(parent_database: str, branch_id: str) -> str:
    """The name a branch's copy of ``parent_database`` has on a server shared by every branch:
    unique per branch, at most 63 bytes (a digest replaces the tail of a longer one)."""
    name = f"{parent_database}_{branch_id.replace('-', '_')}"
    if len(name.encode()) <= _POSTGRES_NAME_LIMIT:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:10]
    return f"{name.encode()[: _POSTGRES_NAME_LIMIT - 11].decode(errors='ignore')}_{digest}"


@dataclass(frozen=True)
class DatabaseRecord:
    """A Postgres database of a branch: ``<branch>/databases/<database_id>``."""

    branch: str
    database_id: str
    postgres_database: str
    owner_role: str = "databricks-owner"
    created: datetime = _SEED_CREATED

    @property
    def name(self) -> str:
        return f"{self.branch}/databases/{self.database_id}"


@dataclass(frozen=True)
class DatabaseCopy:
    """One database of a branch event: the branch's own, and the source's it was copied from."""

    database_id: str
    postgres_database: str
    source_postgres_database: str | None


@dataclass(frozen=True)
class BranchEvent:
    """A branch created (its databases just copied from ``source_branch``'s) or deleted (its
    databases to drop)."""

    kind: EventKind
    branch: str
    source_branch: str | None
    endpoints: tuple[str, ...]
    databases: tuple[DatabaseCopy, ...]


BranchListener = Callable[[BranchEvent], None]


@dataclass
class BranchRecord:
    project: str
    branch_id: str
    uid: str
    created: datetime
    source_branch: str | None = None
    source_branch_lsn: str | None = None
    source_branch_time: datetime | None = None
    expires_at: datetime | None = None
    is_protected: bool = False
    default: bool = False
    seeded: bool = False
    state: str = "READY"
    updated: datetime | None = None

    @property
    def name(self) -> str:
        return f"projects/{self.project}/branches/{self.branch_id}"

    @property
    def parent(self) -> str:
        return f"projects/{self.project}"


@dataclass
class OperationRecord:
    """A long-running operation: its answer says ``done: false`` while ``polls_left`` GETs
    are still to come, then ``done`` with ``response`` or ``error``."""

    name: str
    resource_type: str
    polls_left: int
    response: Callable[[], dict[str, Any]] | None
    """The finished operation's ``response`` (the resource as it is then); None: Empty."""
    error: dict[str, Any] | None = None
    on_done: Callable[[], None] | None = None
    finished: dict[str, Any] | None = field(default=None)

    def answer(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "name": self.name,
            "metadata": {"@type": _METADATA_TYPE.format(self.resource_type)},
            "done": self.polls_left <= 0,
        }
        if self.polls_left > 0:
            return body
        if self.finished is None:
            if self.on_done is not None:
                self.on_done()
            if self.error is not None:
                self.finished = {"error": self.error}
            elif self.response is None:
                self.finished = {"response": {"@type": _EMPTY_TYPE}}
            else:
                self.finished = {"response": self.response()}
        return {**body, **self.finished}


def _seed_branches() -> dict[str, BranchRecord]:
    """One branch per seeded endpoint's branch; ``production`` is each project's default."""
    seeded: dict[str, BranchRecord] = {}
    for endpoint in POSTGRES_ENDPOINTS:
        if endpoint.branch_name in seeded:
            continue
        digest = hashlib.sha256(endpoint.branch_name.encode()).hexdigest()
        is_default = endpoint.branch == "production"
        seeded[endpoint.branch_name] = BranchRecord(
            project=endpoint.project,
            branch_id=endpoint.branch,
            uid=f"br-{digest[:8]}-{digest[8:19]}",
            created=_SEED_CREATED if is_default else _SEED_CREATED + timedelta(days=1),
            default=is_default,
            is_protected=is_default,
            seeded=True,
            source_branch=None
            if is_default
            else f"projects/{endpoint.project}/branches/production",
            source_branch_lsn=None if is_default else "0/1A2B3C8",
            source_branch_time=None if is_default else _SEED_CREATED,
        )
    return seeded


def _seed_databases() -> dict[str, DatabaseRecord]:
    return {
        f"{name}/databases/{DEFAULT_DATABASE.replace('_', '-')}": DatabaseRecord(
            branch=name,
            database_id=DEFAULT_DATABASE.replace("_", "-"),
            postgres_database=DEFAULT_DATABASE,
        )
        for name in _seed_branches()
    }


class Branches:
    """Projects (those of the seeded endpoints), their branches and databases, and operations."""

    def __init__(self, lock: threading.RLock, lakebase: Lakebase) -> None:
        self._lock = lock
        self._lakebase = lakebase
        self._projects = {e.project for e in POSTGRES_ENDPOINTS}
        self._seed_databases = _seed_databases()
        self._branches: dict[str, BranchRecord] = {}
        self._databases: dict[str, DatabaseRecord] = {}
        self._operations: dict[str, OperationRecord] = {}
        # Registered once by whoever backs branches with a server; reset keeps them.
        self._listeners = Listeners[BranchEvent](self._lock)
        self.operation_polls = 0
        """How many polls of a new operation answer ``done: false`` before it ends (0: the
        create or delete answer is already done, as databricks/cli's test server answers)."""
        self.operation_error: dict[str, str] | None = None
        """Set to ``{"error_code", "message"}``: every later create or delete operation ends
        with this error instead (and changes nothing)."""
        lakebase.before_endpoint_lookup = self.sweep_expired
        self.reset()

    # -- lifecycle -----------------------------------------------------------------------------

    def reset(self) -> None:
        """Back to the seed; branches the test created are deleted (listeners hear of it)."""
        with self._lock:
            created = [b for b in self._branches.values() if not b.seeded]
            events = [self._drop(b) for b in created]
            self._branches = _seed_branches()
            self._databases = dict(self._seed_databases)
            self._operations = {}
            self.operation_polls = 0
            self.operation_error = None
        self._notify(events)

    def on_branch(self, listener: BranchListener) -> Callable[[], None]:
        """Call ``listener`` with every branch created or deleted (also by expiry or reset),
        before the request that caused it is answered. Returns the unregister function."""
        return self._listeners.add(listener)

    def add_seed_database(self, branch: str, postgres_database: str) -> DatabaseRecord:
        """A database the seeded ``branch`` holds from now on, resets included (the database a
        real server stands in for, e.g. the one ``--postgres`` names)."""
        database_id = re.sub(r"[^a-z0-9-]", "-", postgres_database.lower()).strip("-")
        if not _RESOURCE_ID.fullmatch(database_id):
            database_id = f"db-{hashlib.sha256(postgres_database.encode()).hexdigest()[:12]}"
        record = DatabaseRecord(branch, database_id, postgres_database)
        with self._lock:
            if branch not in self._branches or not self._branches[branch].seeded:
                raise ValueError(f"{branch} is not a seeded branch")
            self._seed_databases[record.name] = record
            self._databases[record.name] = record
        return record

    def remove_seed_database(self, name: str) -> None:
        """Undo :meth:`add_seed_database` (a test that added one for itself)."""
        with self._lock:
            self._seed_databases.pop(name, None)
            self._databases.pop(name, None)

    def _notify(self, events: list[BranchEvent]) -> None:
        self._listeners.notify(events)

    # -- reading -------------------------------------------------------------------------------

    def sweep_expired(self) -> None:
        """Delete every branch whose expiry has passed on the fake's clock."""
        now = self._lakebase.now()
        with self._lock:
            expired = [
                b
                for b in self._branches.values()
                if b.expires_at is not None and b.expires_at <= now
            ]
            events = [self._drop(b) for b in expired]
        self._notify(events)

    def project(self, parent: str) -> str:
        """The project id of ``projects/<p>``; 404 when there is no such project."""
        match = re.fullmatch(r"projects/([^/]+)", parent)
        if match is None:
            raise invalid_parameter(
                f"Invalid project name '{parent}': expected projects/{{project_id}}."
            )
        if match[1] not in self._projects:
            raise _missing("project")
        return match[1]

    def branch(self, name: str) -> BranchRecord:
        self.sweep_expired()
        match = re.fullmatch(r"(projects/[^/]+)/branches/([^/]+)", name)
        if match is None:
            raise invalid_parameter(
                f"Invalid branch name '{name}': expected "
                "projects/{project_id}/branches/{branch_id}."
            )
        self.project(match[1])
        with self._lock:
            found = self._branches.get(name)
        if found is None:
            raise _missing("branch")
        return found

    def branches_of(self, parent: str) -> list[BranchRecord]:
        self.sweep_expired()
        project = self.project(parent)
        with self._lock:
            return sorted(
                (b for b in self._branches.values() if b.project == project),
                key=lambda b: (b.created, b.branch_id),
            )

    def databases_of(self, branch: str) -> list[DatabaseRecord]:
        self.branch(branch)
        with self._lock:
            return sorted(
                (d for d in self._databases.values() if d.branch == branch),
                key=lambda d: d.database_id,
            )

    def postgres_databases(self) -> dict[str, list[str]]:
        """Every branch's Postgres database names, by branch name (no expiry sweep: listeners
        call it while the fake is answering)."""
        with self._lock:
            found: dict[str, list[str]] = {name: [] for name in self._branches}
            for database in self._databases.values():
                found.setdefault(database.branch, []).append(database.postgres_database)
            return found

    def database(self, name: str) -> DatabaseRecord:
        branch, _, _ = name.partition("/databases/")
        self.branch(branch)
        with self._lock:
            found = self._databases.get(name)
        if found is None:
            raise _missing("database")
        return found

    def operation(self, name: str) -> OperationRecord:
        with self._lock:
            found = self._operations.get(name)
            if found is None:
                raise _missing("operation")
            return found

    def poll(self, name: str) -> dict[str, Any]:
        """``GET`` of an operation: not done while polls are pending (each GET uses one up)."""
        with self._lock:
            operation = self.operation(name)
            body = operation.answer()
            operation.polls_left = max(0, operation.polls_left - 1)
            return body

    # -- changing ------------------------------------------------------------------------------

    def create(
        self,
        who: Principal,
        parent: str,
        branch_id: str | None,
        spec: dict[str, Any],
        *,
        replace_existing: bool,
    ) -> OperationRecord:
        """``create_branch``: validate like the Postgres API, copy the source, add ``primary``."""
        self.sweep_expired()
        if not branch_id:
            raise invalid_parameter(
                "Field 'branch_id' is required, expected non-default value (not \"\")!"
            )
        project = self.project(parent)
        if not _RESOURCE_ID.fullmatch(branch_id):
            raise invalid_parameter(
                f"Invalid branch_id '{branch_id}': it must be 1-63 characters, start with a "
                "lowercase letter, and contain only lowercase letters, numbers and hyphens."
            )
        self._lakebase.check_access(who, f"project '{project}'")
        now = self._lakebase.now()
        expires_at = self._expiry(spec, now)
        is_protected = spec.get("is_protected") is True
        name = f"{parent}/branches/{branch_id}"
        with self._lock:
            existing = self._branches.get(name)
            if existing is not None and not replace_existing:
                raise ApiError(409, "ALREADY_EXISTS", "branch with such id already exists")
            if existing is not None:
                existing.expires_at = expires_at
                existing.is_protected = is_protected
                existing.updated = now
                return self._operation(name, "Branch", lambda: self.answer_branch(existing))
        source_name = spec.get("source_branch") or f"{parent}/branches/production"
        if not isinstance(source_name, str):
            raise invalid_parameter("Invalid source_branch: expected a branch name.")
        source = self.branch(source_name)
        if source.project != project:
            raise invalid_parameter(
                f"The source branch '{source_name}' belongs to another project than '{parent}'."
            )
        if self.operation_error is not None:  # the operation fails: nothing is created
            return self._operation(name, "Branch", None)
        with self._lock:
            record = BranchRecord(
                project=project,
                branch_id=branch_id,
                uid=f"br-{secrets.token_hex(4)}-{secrets.token_hex(6)}"[:23],
                created=now,
                source_branch=source.name,
                source_branch_lsn=f"0/{secrets.randbits(28):X}",
                source_branch_time=now,
                expires_at=expires_at,
                is_protected=is_protected,
                state="INIT" if self.operation_polls > 0 else "READY",
            )
            self._branches[name] = record
            copies = []
            for database in self.databases_of(source.name):
                copy = DatabaseRecord(
                    branch=name,
                    database_id=database.database_id,
                    postgres_database=branch_database_name(database.postgres_database, branch_id),
                    owner_role=database.owner_role,
                    created=now,
                )
                self._databases[copy.name] = copy
                copies.append(
                    DatabaseCopy(
                        copy.database_id, copy.postgres_database, database.postgres_database
                    )
                )
            endpoint = self._lakebase.add_endpoint(
                PostgresEndpointDef(
                    project=project,
                    branch=branch_id,
                    endpoint_id="primary",
                    uid=f"ep-{uuid.uuid4()}",
                )
            )
            event = BranchEvent("created", name, source.name, (endpoint.name,), tuple(copies))

        def ready() -> None:
            record.state = "READY"

        self._notify([event])
        return self._operation(name, "Branch", lambda: self.answer_branch(record), on_done=ready)

    def delete(self, who: Principal, name: str, *, allow_missing: bool) -> OperationRecord:
        """``delete_branch``: its endpoints and databases go with it."""
        try:
            record = self.branch(name)
        except ApiError as missing:
            if allow_missing and missing.status == 404:
                return self._operation(name, "Branch", None)
            raise
        self._lakebase.check_access(who, f"project '{record.project}'")
        if record.is_protected:
            raise ApiError(400, "BAD_REQUEST", "cannot delete protected branch")
        if record.default:
            raise ApiError(
                400,
                "BAD_REQUEST",
                f"Cannot delete root branch '{name}'. "
                "Root branches cannot be deleted independently.",
            )
        if self.operation_error is not None:  # the operation fails: the branch stays
            return self._operation(name, "Branch", None)
        with self._lock:
            event = self._drop(record)
        self._notify([event])
        return self._operation(name, "Branch", None)

    def _drop(self, record: BranchRecord) -> BranchEvent:
        """Forget a branch, its databases and endpoints (caller holds the lock)."""
        self._branches.pop(record.name, None)
        databases = [d for d in self._databases.values() if d.branch == record.name]
        for database in databases:
            del self._databases[database.name]
        endpoints = self._lakebase.remove_endpoints_of(record.name)
        return BranchEvent(
            "deleted",
            record.name,
            record.source_branch,
            tuple(e.name for e in endpoints),
            tuple(DatabaseCopy(d.database_id, d.postgres_database, None) for d in databases),
        )

    def _operation(
        self,
        resource: str,
        resource_type: str,
        response: Callable[[], dict[str, Any]] | None,
        on_done: Callable[[], None] | None = None,
    ) -> OperationRecord:
        with self._lock:
            operation = OperationRecord(
                name=f"{resource}/operations/{uuid.uuid4()}",
                resource_type=resource_type,
                polls_left=self.operation_polls,
                response=response,
                error=dict(self.operation_error) if self.operation_error else None,
                on_done=on_done,
            )
            self._operations[operation.name] = operation
            return operation

    def _expiry(self, spec: dict[str, Any], now: datetime) -> datetime | None:
        """Exactly one of ``ttl``, ``expire_time`` and ``no_expiry`` (true), within 30 days."""
        given = [k for k in ("ttl", "expire_time", "no_expiry") if spec.get(k) is not None]
        if len(given) != 1:
            raise invalid_parameter(
                "Exactly one of spec.ttl, spec.expire_time and spec.no_expiry must be set "
                f"(got {', '.join(given) or 'none'})."
            )
        if given == ["no_expiry"]:
            if spec["no_expiry"] is not True:
                raise invalid_parameter(
                    "spec.no_expiry may only be true; to expire the branch, set ttl or expire_time."
                )
            return None
        if given == ["ttl"]:
            ttl = spec["ttl"]
            match = _DURATION.fullmatch(ttl) if isinstance(ttl, str) else None
            if match is None:
                raise invalid_parameter(
                    f"Invalid spec.ttl {ttl!r}: expected a duration such as '3600s'."
                )
            lifetime = timedelta(seconds=float(match["seconds"]))
        else:
            raw = spec["expire_time"]
            try:
                until = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
            except ValueError:
                raise invalid_parameter(f"Invalid spec.expire_time {raw!r}.") from None
            if until.tzinfo is None:
                raise invalid_parameter(f"Invalid spec.expire_time {raw!r}: no time zone.")
            lifetime = until - now
        if not timedelta(0) < lifetime <= MAX_BRANCH_LIFETIME:
            raise invalid_parameter(
                "The branch expiration must be in the future and at most 30 days from now."
            )
        return now + lifetime

    # -- rendering -----------------------------------------------------------------------------

    def answer_branch(self, record: BranchRecord) -> dict[str, Any]:
        """A ``Branch`` as GET answers it: its status (``spec`` is input only)."""
        status: dict[str, Any] = {
            "branch_id": record.branch_id,
            "current_state": record.state,
            "state_change_time": rfc3339(record.created),
            "default": record.default,
            "is_protected": record.is_protected,
            "logical_size_bytes": 30_000_000 + len(record.branch_id),
        }
        if record.source_branch is not None:
            status["source_branch"] = record.source_branch
        if record.source_branch_lsn is not None:
            status["source_branch_lsn"] = record.source_branch_lsn
        if record.source_branch_time is not None:
            status["source_branch_time"] = rfc3339(record.source_branch_time)
        if record.expires_at is not None:
            status["expire_time"] = rfc3339(record.expires_at)
        return {
            "name": record.name,
            "branch_id": record.branch_id,
            "parent": record.parent,
            "uid": record.uid,
            "create_time": rfc3339(record.created),
            "update_time": rfc3339(record.updated or record.created),
            "status": status,
        }

    def branch_created(self, branch_name: str) -> datetime | None:
        """When a branch the test created was made (None for a seeded branch)."""
        with self._lock:
            record = self._branches.get(branch_name)
        return None if record is None or record.seeded else record.created

    @staticmethod
    def answer_database(record: DatabaseRecord) -> dict[str, Any]:
        return {
            "name": record.name,
            "database_id": record.database_id,
            "parent": record.branch,
            "create_time": rfc3339(record.created),
            "update_time": rfc3339(record.created),
            "status": {
                "database_id": record.database_id,
                "postgres_database": record.postgres_database,
                "role": f"{record.branch}/roles/{record.owner_role}",
            },
        }
