"""The database a live Lakebase run creates for itself, says it created, and removes.

A live run writes only to what it made. On Lakebase Autoscaling that is a branch of the
configured endpoint's branch: a copy-on-write copy of production's data as the run starts (so
the run also proves the migrations apply to it), with its own read-write endpoint and a time to
live, so a killed job leaves nothing behind for long. Lakebase Provisioned has no branches: the
run gets a schema of its own in the configured database (the app's service principal has CREATE
on it) and the app's `DB_SCHEMA` points there. Where not even that is allowed, the run refuses
to start against a database that holds app rows.

Branches are created and deleted with the runner's own token (DATABRICKS_TOKEN); the app's
service principal only mints its database credentials, for the branch's endpoint, as the app
does in production. No pytest in here: `tests/harness/database.py` wires it in, and
`python -m tests.rehearsal` uses it for the migration rehearsal.
"""

from __future__ import annotations

import contextlib
import logging
import re
import secrets
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from databricks.sdk import WorkspaceClient
from databricks.sdk.common.lro import LroOptions
from databricks.sdk.errors import NotFound
from databricks.sdk.service.postgres import Branch, BranchSpec, EndpointType
from google.protobuf.duration_pb2 import Duration
from psycopg import errors as pg_errors
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine

from server.clock import SystemClock
from server.config import Settings
from server.db.engine import create_lakebase_engine

log = logging.getLogger(__name__)

# What made it and when, so anyone who finds one knows whose it is and whether it is stale:
# `it-20261207-121500-3fa9c2` (a branch id: [a-z][a-z0-9-]{0,62}) or `it_20261207_121500_3fa9c2`.
RUN_PREFIX = "it"
BRANCH_TTL = timedelta(hours=2)
OPERATION_TIMEOUT = timedelta(minutes=10)
_STAMP = "%Y%m%d-%H%M%S"
_RUN_NAME = re.compile(rf"{RUN_PREFIX}[-_](?P<stamp>\d{{8}}[-_]\d{{6}})[-_][0-9a-f]{{6}}")
_ENDPOINT = re.compile(r"(?P<branch>projects/(?P<project>[^/]+)/branches/[^/]+)/endpoints/[^/]+")
# The app's tables that hold users' data: a database with rows in them is somebody's.
APP_DATA_TABLES = ("user_preferences", "model_inference_logs")


class RefusedToStart(Exception):
    """The run has nowhere of its own to write; the message says how to give it somewhere."""


@dataclass
class OwnDatabase:
    """What the run created, the Lakebase settings that point the app at it, and its removal."""

    what: str
    """Said when it is created and when it is removed, e.g. `Lakebase branch projects/…`."""
    values: dict[str, Any]
    """Overrides of the configured Lakebase settings (host, database, endpoint or schema)."""
    remove: Callable[[], Awaitable[None]]
    removed: bool = field(default=False)

    async def remove_once(self) -> None:
        if not self.removed:
            self.removed = True
            await self.remove()


def run_name(separator: str, now: datetime | None = None) -> str:
    """A fresh name for what this run creates: prefix, UTC time, random suffix."""
    stamp = (now or datetime.now(UTC)).strftime(_STAMP).replace("-", separator)
    return separator.join((RUN_PREFIX, stamp, secrets.token_hex(3)))


def is_stale(name: str, now: datetime, older_than: timedelta = BRANCH_TTL) -> bool:
    """A run's leftover (by its name) created longer ago than `older_than`."""
    match = _RUN_NAME.fullmatch(name)
    if match is None:
        return False
    created = datetime.strptime(match["stamp"].replace("_", "-"), _STAMP).replace(tzinfo=UTC)
    return now - created > older_than


def runner_workspace(env: Mapping[str, str]) -> WorkspaceClient:
    """The workspace as the runner (DATABRICKS_TOKEN), not as the app's service principal."""
    return WorkspaceClient(
        host=env["DATABRICKS_HOST"], token=env["DATABRICKS_TOKEN"], auth_type="pat"
    )


async def branch_of_endpoint(
    workspace: WorkspaceClient, endpoint: str, pgdatabase: str, ttl: timedelta = BRANCH_TTL
) -> OwnDatabase:
    """A branch of `endpoint`'s branch for this run: created, waited for, its read-write
    endpoint and its copy of `pgdatabase` found; deleted by `remove` (already gone is fine)."""
    parts = _ENDPOINT.fullmatch(endpoint)
    if parts is None:
        raise RefusedToStart(f"LAKEBASE_ENDPOINT={endpoint!r} is not an endpoint path")
    source, project = parts["branch"], f"projects/{parts['project']}"
    name = f"{project}/branches/{run_name('-')}"
    spec = BranchSpec(source_branch=source, ttl=Duration(seconds=int(ttl.total_seconds())))
    creating = workspace.postgres.create_branch(
        parent=project, branch=Branch(spec=spec), branch_id=name.rsplit("/", 1)[1]
    )

    async def remove() -> None:
        delete_branch(workspace, name)

    own = OwnDatabase(f"Lakebase branch {name} (of {source}, TTL {ttl})", {}, remove)
    try:
        creating.wait(LroOptions(timeout=OPERATION_TIMEOUT))
        host, endpoint_name = read_write_endpoint(workspace, name)
        own.values = {
            "pghost": host,
            "pgdatabase": branch_database(workspace, source, name, pgdatabase),
            "lakebase_endpoint": endpoint_name,
        }
    except BaseException:
        await own.remove_once()
        raise
    return own


def delete_branch(workspace: WorkspaceClient, name: str) -> None:
    """Delete `name` and wait until it is gone; one already gone (its TTL ran out) is fine."""
    with contextlib.suppress(NotFound):
        workspace.postgres.delete_branch(name=name).wait(LroOptions(timeout=OPERATION_TIMEOUT))


def read_write_endpoint(workspace: WorkspaceClient, branch: str) -> tuple[str, str]:
    """(host, endpoint name) of the read-write endpoint a new branch gets."""
    for endpoint in workspace.postgres.list_endpoints(parent=branch):
        status = endpoint.status
        if (
            status is not None
            and status.endpoint_type == EndpointType.ENDPOINT_TYPE_READ_WRITE
            and status.hosts is not None
            and status.hosts.host
            and endpoint.name
        ):
            return status.hosts.host, endpoint.name
    raise RefusedToStart(f"branch {branch} has no read-write endpoint with a host")


def branch_database(workspace: WorkspaceClient, source: str, branch: str, pgdatabase: str) -> str:
    """The branch's copy of `pgdatabase`: the database with the same id as the source branch's
    (Lakebase keeps its Postgres name; a stand-in serving every branch from one server cannot,
    and says so in `status.postgres_database`)."""
    ids = {
        d.name.rsplit("/", 1)[1]
        for d in workspace.postgres.list_databases(parent=source)
        if d.name and d.status is not None and d.status.postgres_database == pgdatabase
    }
    copies = [
        d.status.postgres_database
        for d in workspace.postgres.list_databases(parent=branch)
        if d.name and d.name.rsplit("/", 1)[1] in ids and d.status is not None
    ]
    if len(copies) != 1 or not copies[0]:
        raise RefusedToStart(
            f"PGDATABASE={pgdatabase!r} has no single copy on branch {branch} (found {copies})"
        )
    return copies[0]


async def schema_of_its_own(settings: Settings) -> OwnDatabase:
    """A schema for this run in the configured database (Provisioned has no branches), created
    by the app's service principal and dropped with everything in it by `remove`. Runs' schemas
    older than a branch's TTL (a killed run's) are dropped first."""
    schema = run_name("_")
    engine, _ = create_lakebase_engine(settings, SystemClock())
    try:
        await _drop_stale_schemas(engine)
        async with engine.begin() as connection:
            await connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except DBAPIError as exc:
        if not isinstance(exc.orig, pg_errors.InsufficientPrivilege):
            raise
        await refuse_if_app_rows(settings)
        return _configured_database(settings)
    finally:
        await engine.dispose()

    async def remove() -> None:
        dropper, _ = create_lakebase_engine(settings, SystemClock())
        try:
            async with dropper.begin() as connection:
                await connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        finally:
            await dropper.dispose()

    where = f"{settings.pgdatabase} on {settings.pghost}"
    return OwnDatabase(f"schema {schema} in {where}", {"db_schema": schema}, remove)


async def _drop_stale_schemas(engine: AsyncEngine) -> None:
    """Drop killed runs' schemas; one the role may not drop is left, with a warning."""
    now = datetime.now(UTC)
    async with engine.connect() as connection:
        names = (await connection.execute(text("SELECT nspname FROM pg_namespace"))).scalars()
        stale = [n for n in names if is_stale(n, now)]
    for name in stale:
        try:
            async with engine.begin() as connection:
                await connection.execute(text(f'DROP SCHEMA IF EXISTS "{name}" CASCADE'))
        except DBAPIError as exc:
            log.warning("left schema %s of an older live run: %s", name, exc.orig)
        else:
            log.warning("dropped schema %s, left by a live run older than %s", name, BRANCH_TTL)


async def refuse_if_app_rows(settings: Settings) -> None:
    """Stop unless the configured database holds no app rows (it then is the run's to use)."""
    engine, _ = create_lakebase_engine(settings, SystemClock())
    try:
        async with engine.connect() as connection:
            for table in APP_DATA_TABLES:
                exists = await connection.scalar(text("SELECT to_regclass(:t)"), {"t": table})
                count = (
                    await connection.scalar(text(f"SELECT count(*) FROM {table}")) if exists else 0
                )
                if count:
                    raise RefusedToStart(
                        f"PGDATABASE={settings.pgdatabase} holds app rows ({count} in {table}) "
                        "and the run may not create a schema of its own there: name a database "
                        "for tests only in PGDATABASE, or grant the service principal CREATE on "
                        "this one"
                    )
    finally:
        await engine.dispose()


def _configured_database(settings: Settings) -> OwnDatabase:
    async def keep() -> None:
        return None

    return OwnDatabase(f"nothing: {settings.pgdatabase} holds no app rows, used as is", {}, keep)
