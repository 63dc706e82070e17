"""A real PostgreSQL server standing in for Lakebase behind the fake (needs the ``postgres``
extra: ``pip install fake-workspace[postgres]``).

Used by the test suite's Lakebase stand-in and by ``python -m fake_workspace --postgres URL``,
through an admin (superuser) connection to the server:

- :class:`RolePasswords`: a principal's role logs in with the newest credential the fake minted
  for it (``ALTER ROLE … PASSWORD <token> VALID UNTIL <expiry>``), and its earlier password can
  be put back.
- :class:`BranchBacking`: each branch the fake creates gets its own database on the server, a
  copy of its source branch's (``CREATE DATABASE <copy> TEMPLATE <source>``), dropped with the
  branch; the copy's name is the one the fake reports as the branch's Database
  ``status.postgres_database``.
- :class:`PasswordKeeper`: follows the fake's credentials into the server. A credential for an
  endpoint the server stands in for becomes its role's password, and the role may then CONNECT
  only to the databases of that endpoint's branch: a credential minted for one branch does not
  open another branch's database.

Differences from Lakebase that remain: a role has one password, so only the newest credential
logs in (Lakebase accepts every unexpired one), and the databases it opens follow that newest
credential's branch. Connections already open are not affected (Lakebase checks a credential
only at login too). Copying a database needs it idle: while other sessions use the source,
``CREATE DATABASE … TEMPLATE`` waits a little and then fails (Lakebase branches a busy branch).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import psycopg
from psycopg import sql
from tenacity import retry, retry_if_exception_type, stop_after_delay, wait_fixed

from fake_workspace.branches import Branches, BranchEvent
from fake_workspace.lakebase import MintedCredential

logger = logging.getLogger(__name__)

_COPY_PATIENCE_SECONDS = 10  # how long a copy waits for its source database to be idle


@dataclass(frozen=True)
class PasswordState:
    """A role's stored password (SCRAM verifier), its expiry, and the databases it may CONNECT
    to among those a :class:`BranchBacking` governs - to put back later."""

    role: str
    verifier: str | None
    valid_until: dt.datetime | None
    connectable: frozenset[str] | None = None


class RolePasswords:
    """Roles' passwords on the server behind ``admin_url``."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url

    def accept_credential(self, role: str, token: str, expires_at: dt.datetime) -> None:
        """From now on ``role`` logs in with ``token`` until ``expires_at``."""
        if not self.role_exists(role):
            return  # a principal with no role here (e.g. a user) could not log in anyway
        self.execute(
            sql.SQL("ALTER ROLE {} PASSWORD {} VALID UNTIL {}").format(
                sql.Identifier(role), sql.Literal(token), sql.Literal(expires_at.isoformat())
            )
        )

    def password_state(self, role: str) -> PasswordState:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            row = conn.execute(
                "SELECT rolpassword, rolvaliduntil FROM pg_authid WHERE rolname = %s", (role,)
            ).fetchone()
        return PasswordState(role, *(row or (None, None)))

    def restore_password_state(self, state: PasswordState) -> None:
        """Put back a password saved by :meth:`password_state` (a SCRAM verifier is stored as
        is, so the token it came from logs in again)."""
        if not self.role_exists(state.role):
            return
        password = sql.Literal(state.verifier) if state.verifier else sql.SQL("NULL")
        until = state.valid_until.isoformat() if state.valid_until else "infinity"
        self.execute(
            sql.SQL("ALTER ROLE {} PASSWORD {} VALID UNTIL {}").format(
                sql.Identifier(state.role), password, sql.Literal(until)
            )
        )

    def role_exists(self, role: str) -> bool:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            found = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", (role,)).fetchone()
        return found is not None

    def execute(self, *statements: sql.Composable) -> None:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            for statement in statements:
                conn.execute(statement)


class BranchBacking:
    """A database per branch on one server: register :meth:`on_branch` with
    ``Branches.on_branch``, and :meth:`back` each seeded branch's database the server holds."""

    def __init__(
        self, admin_url: str, branches: Branches, *, end_source_sessions: bool = False
    ) -> None:
        self.admin_url = admin_url
        self.branches = branches
        self.end_source_sessions = end_source_sessions
        """End other sessions on a source database before copying it (a difference from
        Lakebase, which branches a busy branch; for callers that cannot let it go idle)."""
        self._server = RolePasswords(admin_url)

    def back(self, branch: str, postgres_database: str) -> Callable[[], None]:
        """The seeded ``branch`` holds ``postgres_database`` (which exists on the server) from
        now on, and branches made from it get copies; only roles granted CONNECT explicitly may
        open it (not PUBLIC). Returns the function that undoes this."""
        record = self.branches.add_seed_database(branch, postgres_database)
        database = sql.Identifier(postgres_database)
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            row = conn.execute(
                "SELECT has_database_privilege('public', %s, 'CONNECT')", (postgres_database,)
            ).fetchone()
        public_connected = bool(row and row[0])
        self._server.execute(sql.SQL("REVOKE CONNECT ON DATABASE {} FROM PUBLIC").format(database))

        def undo() -> None:
            self.branches.remove_seed_database(record.name)
            if public_connected:
                self._server.execute(
                    sql.SQL("GRANT CONNECT ON DATABASE {} TO PUBLIC").format(database)
                )

        return undo

    def on_branch(self, event: BranchEvent) -> None:
        if event.kind == "created":
            present = self._present()
            for copy in event.databases:
                source = copy.source_postgres_database
                if source is None or source not in present:
                    continue  # the server stands in for this branch's other databases only
                self._copy(source, copy.postgres_database)
                logger.info(
                    "branch %s: database %s copied from %s",
                    event.branch,
                    copy.postgres_database,
                    source,
                )
        else:
            for copy in event.databases:
                self._server.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                        sql.Identifier(copy.postgres_database)
                    )
                )

    @retry(
        retry=retry_if_exception_type(psycopg.errors.ObjectInUse),
        stop=stop_after_delay(_COPY_PATIENCE_SECONDS),
        wait=wait_fixed(0.2),
        reraise=True,
    )
    def _copy(self, source: str, target: str) -> None:
        if self.end_source_sessions:
            with psycopg.connect(self.admin_url, autocommit=True) as conn:
                conn.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE datname = %s AND pid <> pg_backend_pid()",
                    (source,),
                )
        self._server.execute(
            sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                sql.Identifier(target), sql.Identifier(source)
            ),
            sql.SQL("REVOKE CONNECT ON DATABASE {} FROM PUBLIC").format(sql.Identifier(target)),
            *self._grants_of(source, target),
        )

    def _grants_of(self, source: str, target: str) -> list[sql.Composable]:
        """`source`'s database privileges (CREATE, TEMPORARY, a role's CONNECT) granted alike on
        `target`: a branch copies a database whole, where a template leaves its grants behind.
        PUBLIC's CONNECT stays revoked: CONNECT follows credentials (:meth:`follow`)."""
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT COALESCE(r.rolname, 'PUBLIC'), a.privilege_type "
                "FROM pg_database d, aclexplode(d.datacl) a "
                "LEFT JOIN pg_roles r ON r.oid = a.grantee WHERE d.datname = %s",
                (source,),
            ).fetchall()
        return [
            sql.SQL("GRANT {} ON DATABASE {} TO {}").format(
                sql.SQL(privilege),
                sql.Identifier(target),
                sql.SQL("PUBLIC") if grantee == "PUBLIC" else sql.Identifier(grantee),
            )
            for grantee, privilege in rows
            if not (grantee == "PUBLIC" and privilege == "CONNECT")
        ]

    def _present(self) -> set[str]:
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            return {row[0] for row in conn.execute("SELECT datname FROM pg_database")}

    def governed(self) -> dict[str, list[str]]:
        """Per branch, its databases that exist on the server."""
        present = self._present()
        return {
            branch: [d for d in databases if d in present]
            for branch, databases in self.branches.postgres_databases().items()
        }

    def backs(self, endpoint: str) -> bool:
        """Does the server stand in for ``endpoint``'s branch (hold one of its databases)?"""
        branch = endpoint.rsplit("/endpoints/", 1)[0]
        return bool(self.governed().get(branch))

    def connectable(self, role: str) -> frozenset[str]:
        """The governed databases ``role`` may CONNECT to now."""
        databases = [d for ds in self.governed().values() for d in ds]
        if not databases:
            return frozenset()
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            rows = conn.execute(
                "SELECT datname FROM pg_database d JOIN pg_roles r ON r.rolname = %s "
                "WHERE datname = ANY(%s) AND has_database_privilege(r.oid, d.oid, 'CONNECT')",
                (role, databases),
            ).fetchall()
        return frozenset(row[0] for row in rows)

    def let_connect(self, role: str, databases: Iterable[str]) -> None:
        """``role`` may CONNECT to exactly ``databases`` among the governed ones."""
        allowed = set(databases)
        statements: list[sql.Composable] = []
        for names in self.governed().values():
            for name in names:
                verb = "GRANT CONNECT ON DATABASE {} TO {}"
                if name not in allowed:
                    verb = "REVOKE CONNECT ON DATABASE {} FROM {}"
                statements.append(sql.SQL(verb).format(sql.Identifier(name), sql.Identifier(role)))
        self._server.execute(*statements)

    def follow(self, role: str, endpoint: str) -> None:
        """``role``'s current credential is for ``endpoint``: it opens that branch's databases."""
        branch = endpoint.rsplit("/endpoints/", 1)[0]
        self.let_connect(role, self.governed().get(branch, []))


class PasswordKeeper:
    """Follows the fake's credentials into the server: those of ``flavour`` for ``target`` (an
    endpoint path or an instance name) and, with a ``backing``, for every endpoint of a branch
    the server holds. Between :meth:`start_test` and :meth:`end_test` it remembers each role's
    password (and databases) from before the test's first mint and puts them back at the end,
    so the run's shared database keeps logging in."""

    def __init__(
        self,
        passwords: RolePasswords,
        flavour: str,
        target: str,
        backing: BranchBacking | None = None,
        *,
        lock: threading.RLock | None = None,
    ) -> None:
        self.passwords = passwords
        self.flavour = flavour
        self.target = target
        self.backing = backing
        # Following (in the fake's thread, under its state lock) and putting back (in the
        # test's) must not interleave: pass the fake's `lock`, taken in the same order.
        self._lock = lock or threading.RLock()
        self._in_test = False
        self._saved: dict[str, PasswordState] = {}

    def _follows(self, credential: MintedCredential) -> bool:
        if credential.flavour != self.flavour:
            return False
        if self.target in credential.targets:
            return True
        return (
            self.backing is not None
            and credential.flavour == "autoscaling"
            and self.backing.backs(credential.targets[0])
        )

    def follow(self, credential: MintedCredential) -> None:
        if not self._follows(credential):
            return  # minted for another endpoint or instance: no way into this server
        with self._lock:
            self._follow(credential)

    def _follow(self, credential: MintedCredential) -> None:
        role = credential.user_name
        if not self.passwords.role_exists(role):
            return
        if self._in_test and role not in self._saved:
            state = self.passwords.password_state(role)
            if self.backing is not None:
                state = PasswordState(
                    state.role, state.verifier, state.valid_until, self.backing.connectable(role)
                )
            self._saved[role] = state
        self.passwords.accept_credential(role, credential.token, credential.expires_at)
        if self.backing is not None and credential.flavour == "autoscaling":
            self.backing.follow(role, credential.targets[0])

    def start_test(self) -> None:
        with self._lock:
            self._in_test = True

    def end_test(self) -> None:
        with self._lock:
            self._in_test = False
            for state in self._saved.values():
                self.passwords.restore_password_state(state)
                if self.backing is not None and state.connectable is not None:
                    self.backing.let_connect(state.role, state.connectable)
            self._saved.clear()
