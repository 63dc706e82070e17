"""Real PostgreSQL faults for tests: what a failover, a long lock or a closed database does.

Each acts on the server from a separate admin connection, so the app under test meets the fault
exactly as it would in production (a dropped connection, a statement waiting on a lock, a
refused login). PostgreSQL only: tests using these are marked `postgres_only`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, suppress

import psycopg
from psycopg import sql

from tests.harness.backends import libpq_url, with_database


def terminate_connections(server_url: str, database: str) -> int:
    """Kill every session on `database` (a real fault: what a failover or restart does); returns
    once each has exited (at most 10 s each), so its clients' sockets are closed by then."""
    with psycopg.connect(libpq_url(server_url), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pg_terminate_backend(pid, 10000) FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid()",
            (database,),
        ).fetchall()
    return len(rows)


@contextmanager
def table_locked(
    server_url: str, database: str, table: str, *, hold_at_most_seconds: int = 10
) -> Iterator[None]:
    """Hold an ACCESS EXCLUSIVE lock on `table` (what a long migration or VACUUM FULL does):
    every other read or write of it waits until the block ends.

    The server ends the lock after `hold_at_most_seconds` anyway, so code under test that waits
    for it makes the test fail on its assertions instead of hanging the run.
    """
    with psycopg.connect(libpq_url(with_database(server_url, database))) as conn:
        conn.execute(f"SET idle_in_transaction_session_timeout = '{int(hold_at_most_seconds)}s'")
        conn.execute(
            sql.SQL("LOCK TABLE {} IN ACCESS EXCLUSIVE MODE").format(sql.Identifier(table))
        )
        try:
            yield
        finally:
            with suppress(psycopg.Error):  # already ended by the server
                conn.rollback()


@contextmanager
def rows_locked(
    server_url: str,
    database: str,
    table: str,
    *,
    where: tuple[str, str],
    hold_at_most_seconds: int = 30,
) -> Iterator[None]:
    """Hold FOR UPDATE row locks on the rows of `table` whose column `where[0]` is `where[1]`
    (what a long transaction on one user's data does): writes of those rows wait, others not.
    The server ends the lock after `hold_at_most_seconds` anyway (see `table_locked`)."""
    column, value = where
    with psycopg.connect(libpq_url(with_database(server_url, database))) as conn:
        conn.execute(f"SET idle_in_transaction_session_timeout = '{int(hold_at_most_seconds)}s'")
        conn.execute(
            sql.SQL("SELECT 1 FROM {} WHERE {} = %s FOR UPDATE").format(
                sql.Identifier(table), sql.Identifier(column)
            ),
            (value,),
        )
        try:
            yield
        finally:
            with suppress(psycopg.Error):  # already ended by the server
                conn.rollback()


def lock_waiters(server_url: str, database: str) -> int:
    """How many sessions on `database` are waiting for a lock right now."""
    with psycopg.connect(libpq_url(server_url), autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
            (database,),
        ).fetchone()
    return int(row[0]) if row else 0


def set_allow_connections(server_url: str, database: str, allowed: bool) -> None:
    """Make PostgreSQL refuse (or accept again) new connections to `database`."""
    statement = sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS {}").format(
        sql.Identifier(database), sql.SQL("true" if allowed else "false")
    )
    with psycopg.connect(libpq_url(server_url), autocommit=True) as conn:
        conn.execute(statement)


@contextmanager
def commit_fails(server_url: str, database: str, table: str, *, key: str) -> Iterator[None]:
    """While the block runs, a transaction that writes a row of `table` whose `key` column is
    `key` is refused at COMMIT, with the error a statement timeout gives (57014, the kind the app
    takes for an outage): a deferred constraint trigger raises it when the commit runs it."""
    function = sql.Identifier(f"fail_commit_{table}")
    trigger = sql.Identifier(f"fail_commit_{table}")
    statements = [
        sql.SQL(
            "CREATE FUNCTION {}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            "RAISE EXCEPTION 'commit refused by the test' USING ERRCODE = 'query_canceled'; "
            "END $$"
        ).format(function),
        sql.SQL(
            "CREATE CONSTRAINT TRIGGER {} AFTER INSERT OR UPDATE ON {} "
            "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.key = {}) EXECUTE FUNCTION {}()"
        ).format(trigger, sql.Identifier(table), sql.Literal(key), function),
    ]
    url = libpq_url(with_database(server_url, database))
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)
    try:
        yield
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP TRIGGER {} ON {}").format(trigger, sql.Identifier(table)))
            conn.execute(sql.SQL("DROP FUNCTION {}()").format(function))
