"""SQL Statement Execution: real execution over the seeded tables, chunks, polling, failures."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors import (
    InvalidParameterValue,
    NotFound,
    PermissionDenied,
    ResourceDoesNotExist,
)
from databricks.sdk.service.sql import (
    ColumnInfoTypeName,
    ExecuteStatementRequestOnWaitTimeout,
    QueryTag,
    ServiceErrorCode,
    StatementParameterListItem,
    StatementResponse,
    StatementState,
)

from fake_workspace import FakeWorkspace, Route
from fake_workspace.reference import (
    ALICE,
    BOB,
    CLIENTS_EUR,
    ORDER_COUNT,
    ORDERS,
    WAREHOUSE_ID,
    WEATHER,
    expected_data_array,
    expected_orders,
    render_row,
)
from tests.harness.http import SdkFactory, bearer

pytestmark = pytest.mark.fake_only


def execute(w: WorkspaceClient, sql: str, **params: Any) -> StatementResponse:
    items = [
        StatementParameterListItem(name=k, value=None if v is None else str(v[0]), type=v[1])
        for k, v in params.items()
    ]
    return w.statement_execution.execute_statement(sql, WAREHOUSE_ID, parameters=items or None)


def all_rows(w: WorkspaceClient, response: StatementResponse) -> list[list[str | None]]:
    assert response.result is not None
    rows: list[list[str | None]] = [list(r) for r in response.result.data_array or []]
    next_index = response.result.next_chunk_index
    while next_index is not None:
        chunk = w.statement_execution.get_statement_result_chunk_n(
            response.statement_id or "", next_index
        )
        rows.extend(list(r) for r in chunk.data_array or [])
        next_index = chunk.next_chunk_index
    return rows


def test_select_star_returns_rendered_rows_and_uc_types(sdk: SdkFactory) -> None:
    response = execute(sdk(ALICE), "SELECT * FROM main.sales.orders ORDER BY order_id LIMIT 3")

    assert response.status
    assert response.status.state is StatementState.SUCCEEDED
    assert response.manifest
    assert response.manifest.schema
    assert response.manifest.schema.columns
    columns = response.manifest.schema.columns
    assert [c.name for c in columns] == list(ORDERS.column_names)
    # The warehouse spells the types in capitals, Unity Catalog in lower case.
    assert [c.type_text for c in columns] == [c.type_text.upper() for c in ORDERS.columns]
    assert all(c.type_name is not None for c in columns)
    assert response.result
    assert response.result.data_array == expected_data_array(ORDERS.rows[:3], ORDERS.columns)


def test_large_result_is_served_in_chunks(sdk: SdkFactory, fake: FakeWorkspace) -> None:
    fake.sql.rows_per_chunk = 1200
    w = sdk(ALICE)

    response = execute(w, "SELECT * FROM main.sales.orders ORDER BY order_id")

    assert response.manifest
    assert response.manifest.total_chunk_count == 5
    assert response.manifest.total_row_count == ORDER_COUNT
    assert response.result
    assert response.result.next_chunk_internal_link
    assert all_rows(w, response) == expected_data_array(ORDERS.rows, ORDERS.columns)
    assert len(fake.requests.for_route(Route.SQL_CHUNK)) == 4


def test_row_limit_truncates(sdk: SdkFactory) -> None:
    w = sdk(ALICE)
    response = w.statement_execution.execute_statement(
        "SELECT order_id FROM main.sales.orders", WAREHOUSE_ID, row_limit=10
    )

    assert response.manifest
    assert response.manifest.truncated is True
    assert response.manifest.total_row_count == 10


@pytest.mark.parametrize(
    ("sql", "params", "expected"),
    [
        pytest.param(
            "SELECT order_id FROM main.sales.orders WHERE amount >= :min AND quantity = :q",
            {"min": ("900", "DOUBLE"), "q": ("5", "INT")},
            [o["order_id"] for o in expected_orders() if o["amount"] >= 900 and o["quantity"] == 5],
            id="numeric-comparisons",
        ),
        pytest.param(
            "SELECT order_id FROM main.sales.orders WHERE status IN (:a, :b) AND is_gift = :g",
            {"a": ("pending", None), "b": ("returned", "STRING"), "g": ("true", "BOOLEAN")},
            [
                o["order_id"]
                for o in expected_orders()
                if o["status"] in ("pending", "returned") and o["is_gift"]
            ],
            id="in-and-boolean",
        ),
        pytest.param(
            "SELECT order_id FROM main.sales.orders WHERE note IS NOT NULL AND discount IS NULL",
            {},
            [o["order_id"] for o in expected_orders() if o["note"] and o["discount"] is None],
            id="null-checks",
        ),
        pytest.param(
            "SELECT order_id FROM main.sales.orders WHERE order_date <> :d AND status != 'pending'"
            " AND created_at < :ts",
            {"d": ("2024-01-14", "DATE"), "ts": ("2024-02-01T00:00:00Z", "TIMESTAMP")},
            [
                o["order_id"]
                for o in expected_orders()
                if str(o["order_date"]) != "2024-01-14"
                and o["status"] != "pending"
                and o["created_at"].isoformat() < "2024-02-01"
            ],
            id="dates-and-timestamps",
        ),
    ],
)
def test_where_clauses_match_python(
    sdk: SdkFactory, sql: str, params: dict[str, tuple[str, str | None]], expected: list[int]
) -> None:
    w = sdk(ALICE)

    rows = all_rows(w, execute(w, sql + " ORDER BY order_id", **params))

    assert [int(r[0] or 0) for r in rows] == expected


def test_order_limit_offset_and_count(sdk: SdkFactory) -> None:
    w = sdk(ALICE)

    page = execute(
        w, "SELECT order_id FROM main.sales.orders ORDER BY amount DESC, order_id LIMIT 3 OFFSET 2"
    )
    count = execute(
        w, "SELECT COUNT(*) FROM main.sales.orders WHERE note LIKE :p", p=("Note%", None)
    )

    by_amount = sorted(expected_orders(), key=lambda o: (-o["amount"], o["order_id"]))
    assert page.result
    assert page.result.data_array == [[str(o["order_id"])] for o in by_amount[2:5]]
    assert count.manifest
    assert count.manifest.schema
    assert count.manifest.schema.columns
    assert count.manifest.schema.columns[0].type_name is ColumnInfoTypeName.LONG
    assert count.result
    assert count.result.data_array == [[str(sum(1 for o in expected_orders() if o["note"]))]]


@pytest.mark.parametrize(
    ("identifier", "table"),
    [
        pytest.param("main.sales.`données-été`", WEATHER, id="unicode-table"),
        pytest.param("`main`.`ventes 2024`.`clients €`", CLIENTS_EUR, id="space-and-euro"),
    ],
)
def test_identifier_binds_quoted_names(sdk: SdkFactory, identifier: str, table: Any) -> None:
    response = execute(sdk(ALICE), "SELECT * FROM IDENTIFIER(:t)", t=(identifier, None))

    assert response.result
    assert response.result.data_array == [render_row(r, table.columns) for r in table.rows]


def test_unquoted_special_identifier_is_a_syntax_error(sdk: SdkFactory) -> None:
    response = execute(
        sdk(ALICE), "SELECT * FROM IDENTIFIER(:t)", t=("main.sales.données-été", None)
    )

    assert response.status
    assert response.status.error
    assert "[PARSE_SYNTAX_ERROR]" in (response.status.error.message or "")


@pytest.mark.parametrize(
    ("sql", "marker", "sql_state"),
    [
        pytest.param(
            "SELECT * FROM main.sales.nope", "[TABLE_OR_VIEW_NOT_FOUND]", "42P01", id="missing"
        ),
        pytest.param(
            "SELECT * FROM restricted.secret.salaries",
            "[INSUFFICIENT_PERMISSIONS]",
            "42501",
            id="no-grant",
        ),
        pytest.param("SELEC 1", "[PARSE_SYNTAX_ERROR]", "42601", id="syntax"),
        pytest.param(
            "SELECT nope FROM main.sales.orders", "[UNRESOLVED_COLUMN", "42703", id="column"
        ),
        pytest.param(
            "SELECT * FROM main.sales.orders WHERE order_id = :id",
            "[UNBOUND_SQL_PARAMETER]",
            "42P02",
            id="unbound",
        ),
    ],
)
def test_failures_answer_200_with_failed_state(
    sdk: SdkFactory, sql: str, marker: str, sql_state: str
) -> None:
    response = execute(sdk(ALICE), sql)

    assert response.status
    assert response.status.state is StatementState.FAILED
    assert response.status.error
    assert response.status.error.error_code is ServiceErrorCode.BAD_REQUEST
    assert marker in (response.status.error.message or "")
    assert response.status.sql_state == sql_state
    assert response.manifest is None
    assert response.result is None


def test_statement_stays_running_for_n_polls(sdk: SdkFactory, fake: FakeWorkspace) -> None:
    fake.sql.stay_running_for(polls=2)
    w = sdk(ALICE)

    first = execute(w, "SELECT COUNT(*) FROM main.sales.customers")
    states = [w.statement_execution.get_statement(first.statement_id or "") for _ in range(3)]

    assert first.status
    assert first.status.state is StatementState.RUNNING
    assert first.manifest is None
    assert [s.status.state for s in states if s.status] == [
        StatementState.RUNNING,
        StatementState.RUNNING,
        StatementState.SUCCEEDED,
    ]
    assert states[-1].result
    assert states[-1].result.data_array == [["20"]]


def test_zero_wait_timeout_returns_pending(sdk: SdkFactory) -> None:
    w = sdk(ALICE)

    response = w.statement_execution.execute_statement(
        "SELECT 1 AS one", WAREHOUSE_ID, wait_timeout="0s"
    )
    polled = w.statement_execution.get_statement(response.statement_id or "")

    assert response.status
    assert response.status.state is StatementState.PENDING
    assert polled.result
    assert polled.result.data_array == [["1"]]


def test_cancel_and_cancel_on_wait_timeout(sdk: SdkFactory, fake: FakeWorkspace) -> None:
    fake.sql.stay_running_for(polls=5, statements=2)
    w = sdk(ALICE)

    running = execute(w, "SELECT 1")
    w.statement_execution.cancel_execution(running.statement_id or "")
    cancelled = w.statement_execution.execute_statement(
        "SELECT 1", WAREHOUSE_ID, on_wait_timeout=ExecuteStatementRequestOnWaitTimeout.CANCEL
    )

    after = w.statement_execution.get_statement(running.statement_id or "")
    assert after.status
    assert after.status.state is StatementState.CANCELED
    assert cancelled.status
    assert cancelled.status.state is StatementState.CANCELED


DENIED = "[INSUFFICIENT_PERMISSIONS] Insufficient privileges: User does not have SELECT."


def test_fail_next_fails_the_next_statements_with_exactly_that_error(
    sdk: SdkFactory, fake: FakeWorkspace
) -> None:
    fake.sql.fail_next(error_code="BAD_REQUEST", message=DENIED, sql_state="42501", statements=2)
    w = sdk(ALICE)

    first, second, third = (execute(w, "SELECT 1") for _ in range(3))

    for failed in (first, second):
        assert failed.status
        assert failed.status.state is StatementState.FAILED
        assert failed.status.error
        assert failed.status.error.error_code is ServiceErrorCode.BAD_REQUEST
        assert failed.status.error.message == DENIED
        assert failed.status.sql_state == "42501"
        assert failed.result is None
    assert third.status
    assert third.status.state is StatementState.SUCCEEDED


def test_fail_next_after_running_polls_fails_on_the_last_poll(
    sdk: SdkFactory, fake: FakeWorkspace
) -> None:
    fake.sql.stay_running_for(polls=1)
    fake.sql.fail_next(error_code="INTERNAL_ERROR", message="boom", sql_state="XX000")
    w = sdk(ALICE)

    submitted = execute(w, "SELECT 1")
    polls = [w.statement_execution.get_statement(submitted.statement_id or "") for _ in range(2)]

    assert [p.status.state for p in polls if p.status] == [
        StatementState.RUNNING,
        StatementState.FAILED,
    ]
    assert polls[-1].status
    assert polls[-1].status.error
    assert polls[-1].status.error.error_code is ServiceErrorCode.INTERNAL_ERROR


def test_a_refused_request_does_not_consume_a_queued_failure(
    sdk: SdkFactory, fake: FakeWorkspace
) -> None:
    fake.sql.fail_next(message=DENIED, sql_state="42501")
    w = sdk(ALICE)

    with pytest.raises(ResourceDoesNotExist):
        w.statement_execution.execute_statement("SELECT 1", "0000000000000000")
    response = execute(w, "SELECT 1")

    assert response.status
    assert response.status.state is StatementState.FAILED


def test_reset_forgets_queued_failures(sdk: SdkFactory, fake: FakeWorkspace) -> None:
    fake.sql.fail_next(message=DENIED, sql_state="42501")
    fake.reset()

    response = execute(sdk(ALICE), "SELECT 1")

    assert response.status
    assert response.status.state is StatementState.SUCCEEDED


@pytest.mark.parametrize(
    ("error_code", "statements", "problem"),
    [
        pytest.param("NOPE", 1, "not a statement error code", id="unknown-error-code"),
        pytest.param("BAD_REQUEST", 0, "at least 1", id="no-statements"),
    ],
)
def test_fail_next_refuses_what_the_api_cannot_answer(
    fake: FakeWorkspace, error_code: Any, statements: int, problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        fake.sql.fail_next(
            error_code=error_code, message=DENIED, sql_state="42501", statements=statements
        )


def test_unknown_warehouse_is_resource_does_not_exist(sdk: SdkFactory) -> None:
    with pytest.raises(ResourceDoesNotExist):
        sdk(ALICE).statement_execution.execute_statement("SELECT 1", "0000000000000000")


@pytest.mark.parametrize("wait_timeout", ["3s", "51s", "10", "soon"])
def test_bad_wait_timeout_is_invalid(sdk: SdkFactory, wait_timeout: str) -> None:
    with pytest.raises(InvalidParameterValue):
        sdk(ALICE).statement_execution.execute_statement(
            "SELECT 1", WAREHOUSE_ID, wait_timeout=wait_timeout
        )


def test_query_tags_are_taken_up_to_twenty(sdk: SdkFactory, fake: FakeWorkspace) -> None:
    tags = [QueryTag(key=f"k{i}", value=None if i % 2 else f"v{i}") for i in range(20)]

    response = sdk(ALICE).statement_execution.execute_statement(
        "SELECT 1", WAREHOUSE_ID, query_tags=tags
    )

    assert response.status
    assert response.status.state is StatementState.SUCCEEDED
    sent = fake.requests.for_route(Route.SQL_EXECUTE)[0].json
    assert sent["query_tags"] == [tag.as_dict() for tag in tags]


@pytest.mark.parametrize(
    "query_tags",
    [
        pytest.param([{"key": f"k{i}"} for i in range(21)], id="twenty-one"),
        pytest.param([{"value": "v"}], id="no-key"),
        pytest.param([{"key": "k", "value": 1}], id="value-not-text"),
        pytest.param({"key": "k"}, id="not-a-list"),
    ],
)
def test_malformed_query_tags_are_rejected(http: httpx.Client, query_tags: Any) -> None:
    body = {"statement": "SELECT 1", "warehouse_id": WAREHOUSE_ID, "query_tags": query_tags}

    response = http.post("/api/2.0/sql/statements", json=body, headers=bearer(ALICE))

    assert response.status_code == 400
    assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE"


def test_statements_belong_to_their_owner(sdk: SdkFactory) -> None:
    mine = execute(sdk(ALICE), "SELECT 1")

    with pytest.raises(PermissionDenied):
        sdk(BOB).statement_execution.get_statement(mine.statement_id or "")
    with pytest.raises(NotFound):
        sdk(ALICE).statement_execution.get_statement("00000000-0000-0000-0000-000000000000")


def test_malformed_parameters_are_rejected(http: httpx.Client) -> None:
    body = {"statement": "SELECT :x", "warehouse_id": WAREHOUSE_ID, "parameters": [{"value": "1"}]}

    response = http.post("/api/2.0/sql/statements", json=body, headers=bearer(ALICE))

    assert response.status_code == 400
    assert response.json()["error_code"] == "INVALID_PARAMETER_VALUE"


def test_empty_result_is_an_empty_object(http: httpx.Client) -> None:
    body = {
        "statement": "SELECT * FROM main.sales.orders WHERE order_id < 0",
        "warehouse_id": WAREHOUSE_ID,
    }

    answer = http.post("/api/2.0/sql/statements", json=body, headers=bearer(ALICE)).json()

    assert answer["status"]["state"] == "SUCCEEDED"
    assert answer["manifest"]["total_row_count"] == 0
    assert answer["result"] == {}  # no chunk at all, as recorded from a workspace


def test_unqualified_names_use_the_request_catalog_and_schema(sdk: SdkFactory) -> None:
    response = sdk(ALICE).statement_execution.execute_statement(
        "SELECT COUNT(*) AS n FROM orders", WAREHOUSE_ID, catalog="main", schema="sales"
    )

    assert response.result
    assert response.result.data_array == [[str(ORDER_COUNT)]]
