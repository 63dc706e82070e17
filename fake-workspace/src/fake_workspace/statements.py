"""Statement lifecycle: PENDING/RUNNING for a controlled number of polls, then a final state.

The SQL runs once, at submission; what the control API changes is only how long clients
see the statement as still running::

    fake.sql.stay_running_for(polls=2)   # next statement: RUNNING for two GETs
    fake.sql.rows_per_chunk = 100        # results split in chunks of 100 rows
    fake.sql.fail_next(error_code="BAD_REQUEST", sql_state="42501",
                       message="[INSUFFICIENT_PERMISSIONS] ...")  # next statement: FAILED
"""

from __future__ import annotations

import enum
import threading
import uuid
from collections import deque
from dataclasses import dataclass

from fake_workspace.errors import ApiError, not_found, permission_denied
from fake_workspace.identity import Principal
from fake_workspace.sql_engine import QueryResult
from fake_workspace.sql_errors import InjectedSqlError, SqlError, StatementErrorCode

DEFAULT_ROWS_PER_CHUNK = 1000


class StatementState(enum.StrEnum):
    PENDING = "PENDING"
    RUNNING = "RUNNING"
    SUCCEEDED = "SUCCEEDED"
    FAILED = "FAILED"
    CANCELED = "CANCELED"
    CLOSED = "CLOSED"


ACTIVE_STATES = frozenset({StatementState.PENDING, StatementState.RUNNING})


@dataclass(frozen=True)
class Chunk:
    index: int
    row_offset: int
    row_count: int


@dataclass
class Statement:
    statement_id: str
    owner: str
    statement: str
    state: StatementState
    result: QueryResult | None
    error: SqlError | None
    polls_remaining: int
    rows_per_chunk: int
    row_limit: int | None = None

    @property
    def final_state(self) -> StatementState:
        return StatementState.SUCCEEDED if self.error is None else StatementState.FAILED

    @property
    def rows(self) -> tuple[tuple[str | None, ...], ...]:
        if self.result is None:
            return ()
        rows = self.result.rows
        return rows if self.row_limit is None else rows[: self.row_limit]

    @property
    def truncated(self) -> bool:
        return self.result is not None and len(self.rows) < len(self.result.rows)

    @property
    def chunks(self) -> list[Chunk]:
        total, size = len(self.rows), self.rows_per_chunk
        return [
            Chunk(i, start, min(size, total - start))
            for i, start in enumerate(range(0, total, size))
        ]

    def chunk_rows(self, chunk: Chunk) -> tuple[tuple[str | None, ...], ...]:
        return self.rows[chunk.row_offset : chunk.row_offset + chunk.row_count]


class StatementStore:
    """All statements of the current test; ``reset`` forgets them."""

    def __init__(self, lock: threading.RLock) -> None:
        self._lock = lock
        self._statements: dict[str, Statement] = {}
        self._running_plan: deque[int] = deque()
        self._failure_plan: deque[SqlError] = deque()
        self.rows_per_chunk = DEFAULT_ROWS_PER_CHUNK

    def reset(self) -> None:
        with self._lock:
            self._statements.clear()
            self._running_plan.clear()
            self._failure_plan.clear()
            self.rows_per_chunk = DEFAULT_ROWS_PER_CHUNK

    def stay_running_for(self, polls: int, statements: int = 1) -> None:
        """The next ``statements`` statements answer RUNNING to ``polls`` GETs before finishing."""
        with self._lock:
            self._running_plan.extend([polls] * statements)

    def fail_next(
        self,
        *,
        message: str,
        sql_state: str,
        error_code: StatementErrorCode = "BAD_REQUEST",
        statements: int = 1,
    ) -> None:
        """The next ``statements`` valid statements end FAILED with this error instead of running.

        ``message`` is sent as given (Databricks starts it with ``[ERROR_CLASS]``); a request the
        fake refuses (unknown warehouse, bad parameters) does not consume the failure.
        """
        if statements < 1:
            raise ValueError("statements must be at least 1")
        error = InjectedSqlError(error_code, message, sql_state)
        with self._lock:
            self._failure_plan.extend([error] * statements)

    def take_failure(self) -> SqlError | None:
        """The failure queued for the statement being submitted, if any (consumes it)."""
        with self._lock:
            return self._failure_plan.popleft() if self._failure_plan else None

    @property
    def statements(self) -> list[Statement]:
        with self._lock:
            return list(self._statements.values())

    def submit(
        self,
        owner: Principal,
        statement: str,
        outcome: QueryResult | SqlError,
        *,
        asynchronous: bool,
        cancel_on_timeout: bool,
        row_limit: int | None,
    ) -> Statement:
        """Register an executed statement; its visible state depends on the running plan."""
        with self._lock:
            polls = self._running_plan.popleft() if self._running_plan else 0
            error = outcome if isinstance(outcome, SqlError) else None
            result = outcome if isinstance(outcome, QueryResult) else None
            stmt = Statement(
                statement_id=str(uuid.uuid4()),
                owner=owner.user_name,
                statement=statement,
                state=StatementState.PENDING,
                result=result,
                error=error,
                polls_remaining=polls,
                rows_per_chunk=max(1, self.rows_per_chunk),
                row_limit=row_limit,
            )
            if asynchronous:
                stmt.state = StatementState.PENDING
            elif polls > 0:
                stmt.state = (
                    StatementState.CANCELED if cancel_on_timeout else StatementState.RUNNING
                )
            else:
                stmt.state = stmt.final_state
            self._statements[stmt.statement_id] = stmt
            return stmt

    def lookup(self, who: Principal, statement_id: str) -> Statement:
        with self._lock:
            stmt = self._statements.get(statement_id)
        if stmt is None:
            raise not_found("NOT_FOUND", f"The statement '{statement_id}' was not found.")
        if stmt.owner != who.user_name and not who.is_admin:
            raise permission_denied(
                f"User does not have permission to access statement '{statement_id}'."
            )
        return stmt

    def poll(self, who: Principal, statement_id: str) -> Statement:
        """A client GET: consumes one poll of a running statement."""
        stmt = self.lookup(who, statement_id)
        with self._lock:
            if stmt.state in ACTIVE_STATES:
                if stmt.polls_remaining > 0:
                    stmt.polls_remaining -= 1
                    stmt.state = StatementState.RUNNING
                else:
                    stmt.state = stmt.final_state
            return stmt

    def cancel(self, who: Principal, statement_id: str) -> None:
        stmt = self.lookup(who, statement_id)
        with self._lock:
            if stmt.state in ACTIVE_STATES:
                stmt.state = StatementState.CANCELED

    def close(self, statement_id: str) -> None:
        """Control: expire a statement's results (state CLOSED), as after the retention period."""
        with self._lock:
            self._statements[statement_id].state = StatementState.CLOSED

    def chunk(self, who: Principal, statement_id: str, index: int) -> tuple[Statement, Chunk]:
        stmt = self.lookup(who, statement_id)
        if stmt.state is not StatementState.SUCCEEDED:
            raise ApiError(
                400, "BAD_REQUEST", f"Statement '{statement_id}' has no result: it is {stmt.state}."
            )
        chunks = stmt.chunks
        if not 0 <= index < len(chunks):
            raise ApiError(
                400,
                "INVALID_PARAMETER_VALUE",
                f"Chunk index {index} is out of range: the result has {len(chunks)} chunk(s).",
            )
        return stmt, chunks[index]
