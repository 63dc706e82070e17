"""What each PostgreSQL connection is given and how a lost one is told apart, as pure functions
every cell runs (the SQLite cells never open a PostgreSQL connection): the session settings in
one round trip, a pooled connection the server hung up on (a real socket pair stands in for
the server's end), and which database errors are a lock wait or a refused login."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from psycopg.pq import ConnStatus
from sqlalchemy.exc import OperationalError, ProgrammingError

from server.db.database import (
    LOCK_RETRY_AFTER_SECONDS,
    database_unavailable,
    is_lock_wait,
    is_login_refused,
)
from server.db.engine import _session_settings, server_hung_up
from server.errors import ErrorCode
from tests.harness.settings import isolated_settings


@pytest.mark.parametrize(
    ("values", "statements"),
    [
        pytest.param(
            {"db_statement_timeout_seconds": 2.5, "db_lock_timeout_seconds": 0.25},
            "SET statement_timeout = 2500; SET lock_timeout = 250",
            id="both-limits",
        ),
        pytest.param(
            {"db_statement_timeout_seconds": 0, "db_lock_timeout_seconds": 0}, "", id="no-limits"
        ),
        pytest.param(
            {
                "db_statement_timeout_seconds": 0,
                "db_lock_timeout_seconds": 1,
                "db_schema": "it_20261207_120000_abcdef",
            },
            'SET lock_timeout = 1000; SET search_path TO "it_20261207_120000_abcdef"',
            id="lock-and-schema",
        ),
    ],
)
def test_each_new_connection_gets_its_limits_and_schema_in_one_round_trip(
    values: dict[str, Any], statements: str
) -> None:
    assert _session_settings(isolated_settings(**values)) == statements


def _pooled(status: ConnStatus, socket_fd: int) -> Any:
    """What the pool hands the checkout hook: psycopg's connection behind SQLAlchemy's."""
    pgconn = SimpleNamespace(status=status, socket=socket_fd)
    return SimpleNamespace(driver_connection=SimpleNamespace(pgconn=pgconn))


@pytest.fixture
def server_end() -> Iterator[tuple[socket.socket, socket.socket]]:
    ours, theirs = socket.socketpair()
    try:
        yield ours, theirs
    finally:
        ours.close()
        theirs.close()


def test_an_idle_connection_with_nothing_to_read_is_kept(
    server_end: tuple[socket.socket, socket.socket],
) -> None:
    ours, _ = server_end
    assert server_hung_up(_pooled(ConnStatus.OK, ours.fileno())) is False


def test_a_connection_the_server_closed_is_replaced(
    server_end: tuple[socket.socket, socket.socket],
) -> None:
    ours, theirs = server_end
    theirs.close()  # the server's end goes away: our end reads end of file
    assert server_hung_up(_pooled(ConnStatus.OK, ours.fileno())) is True


def test_a_connection_with_no_socket_left_or_a_bad_status_is_replaced() -> None:
    assert server_hung_up(_pooled(ConnStatus.OK, -1)) is True
    assert server_hung_up(_pooled(ConnStatus.BAD, 0)) is True


class _Orig(Exception):
    def __init__(self, message: str, sqlstate: str | None) -> None:
        super().__init__(message)
        self.sqlstate = sqlstate


def test_a_lock_wait_is_a_503_that_says_so_and_retries_sooner() -> None:
    waited = OperationalError("UPDATE ...", {}, _Orig("canceling statement", "55P03"))

    error = database_unavailable(waited)

    assert is_lock_wait(waited)
    assert (error.code, error.retry_after) == (ErrorCode.DATABASE_UNAVAILABLE, 1)
    assert error.retry_after == LOCK_RETRY_AFTER_SECONDS
    assert "locked" in error.message


def test_any_other_database_error_is_the_plain_outage() -> None:
    other = OperationalError("SELECT 1", {}, _Orig("server closed the connection", "08006"))

    error = database_unavailable(other)

    assert not is_lock_wait(other)
    assert error.code == ErrorCode.DATABASE_UNAVAILABLE
    assert "unavailable" in error.message


def test_only_a_refused_password_counts_as_a_refused_login() -> None:
    refused = OperationalError(
        None, {}, _Orig('password authentication failed for user "app-sp"', None)
    )
    unreachable = OperationalError(None, {}, _Orig("connection refused", None))
    not_a_login = ProgrammingError(
        "SELECT", {}, _Orig("password authentication failed (in a string)", None)
    )

    assert is_login_refused(refused)
    assert not is_login_refused(unreachable)
    assert not is_login_refused(not_a_login)
