"""The fake's answers have the shapes of answers recorded from real workspaces.

The facts in `recordings/` were extracted from public recordings (each file names its
source, commit and licence): key paths with JSON types, enum values, and which keys a result
column of each type carries. Each test makes the fake answer the same kind of call and
compares shapes: a path the recording has and the fake lacks, or the reverse, or another
JSON type, is a defect of the fake.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from fake_workspace import FakeWorkspace, Route
from fake_workspace.fidelity.shapes import shape_of
from fake_workspace.reference import ALICE, WAREHOUSE_ID
from tests.fidelity.conftest import Tally
from tests.fidelity.judge import sdk_error
from tests.fidelity.recorded import ERROR_DETAIL_TYPES, STATEMENT_EXECUTION
from tests.harness.http import bearer

RECORDED = STATEMENT_EXECUTION
SHAPES: dict[str, dict[str, Any]] = RECORDED["shapes"]
FORMAT_SPECIFIC = set(RECORDED["format_specific"]["paths"])
NEWER = set(RECORDED["newer_than_the_recordings"])
AUTH = bearer(ALICE)


def execute(http: httpx.Client, statement: str, **extra: Any) -> dict[str, Any]:
    body = {"statement": statement, "warehouse_id": WAREHOUSE_ID, **extra}
    answer: dict[str, Any] = http.post("/api/2.0/sql/statements", json=body, headers=AUTH).json()
    return answer


def outside_columns(paths: dict[str, Any]) -> dict[str, list[str]]:
    """Paths other than a column's own keys (those depend on the type: compared per type)."""
    return {
        p: sorted(k)
        for p, k in paths.items()
        if not p.startswith("manifest.schema.columns[].") and p not in FORMAT_SPECIFIC | NEWER
    }


def assert_same_shape(recorded: str, answer: Any) -> None:
    theirs = outside_columns(SHAPES[recorded]["paths"])
    ours = outside_columns(shape_of(answer).paths)
    lacking = sorted(theirs.keys() - ours.keys())
    invented = sorted(ours.keys() - theirs.keys())
    # A recorded type set is a union over many answers (a value may be a string or null):
    # one answer of the fake may have fewer, never another.
    differing = sorted(p for p in theirs.keys() & ours.keys() if set(ours[p]) - set(theirs[p]))
    assert (lacking, invented, differing) == ([], [], []), f"{recorded}: {answer}"


def test_a_statement_with_rows(fake: FakeWorkspace, http: httpx.Client, tally: Tally) -> None:
    assert_same_shape("rows inline", execute(http, "SELECT 1 AS id, 'x' AS name"))
    tally.recording(Route.SQL_EXECUTE, "rows inline")


def test_a_statement_without_rows(fake: FakeWorkspace, http: httpx.Client, tally: Tally) -> None:
    answer = execute(http, "SELECT * FROM main.sales.orders WHERE 1 = 0")
    assert_same_shape("no rows", answer)
    assert answer["result"] == {}
    tally.recording(Route.SQL_EXECUTE, "no rows")


def test_a_failed_statement(fake: FakeWorkspace, http: httpx.Client, tally: Tally) -> None:
    answer = execute(http, "SELEC 1")
    assert answer["status"]["state"] == "FAILED"
    assert_same_shape("failed", answer)
    tally.recording(Route.SQL_EXECUTE, "failed")


def test_a_statement_still_running_when_the_wait_ends(
    fake: FakeWorkspace, http: httpx.Client, tally: Tally
) -> None:
    fake.sql.stay_running_for(2)
    answer = execute(http, "SELECT 1", wait_timeout="0s")
    assert_same_shape("running", answer)
    assert answer["status"]["state"] in SHAPES["running"]["enums"]["status.state"]
    tally.recording(Route.SQL_EXECUTE, "running")
    polled = http.get(f"/api/2.0/sql/statements/{answer['statement_id']}", headers=AUTH).json()
    assert_same_shape("running", polled)
    tally.recording(Route.SQL_GET, "running")


def test_an_error_carries_the_details_as_recorded(
    fake: FakeWorkspace, http: httpx.Client, tally: Tally
) -> None:
    response = http.get("/api/2.0/sql/statements/01f0-gone", headers=AUTH)
    answer = response.json()
    # Every key path and type of the recorded 404, the ErrorInfo detail's reason, domain and
    # string metadata beside the RequestInfo among them; and the same detail types.
    assert_same_shape("error 404", answer)
    assert set(shape_of(answer).enums["details[].@type"]) == ERROR_DETAIL_TYPES
    # What a client reads from them: the SDK's get_error_info() finds the ErrorInfo.
    error = sdk_error(response.status_code, response.content, dict(response.headers))
    [info] = error.get_error_info()
    assert (info.reason, info.domain, info.metadata) != ("", "", {})
    tally.recording(Route.SQL_GET, "error 404")


def test_the_oidc_discovery_document(fake: FakeWorkspace, http: httpx.Client, tally: Tally) -> None:
    answer = http.get("/oidc/.well-known/oauth-authorization-server").json()
    assert_same_shape("oidc discovery", answer)
    tally.recording(Route.OIDC_DISCOVERY, "document")


# A column of each type the fake's SQL engine can produce, as a statement selects it.
COLUMNS = {
    "INT": "CAST(1 AS INT)",
    "LONG": "CAST(1 AS BIGINT)",
    "DOUBLE": "CAST(1 AS DOUBLE)",
    "DECIMAL": "CAST(1 AS DECIMAL(10,2))",
    "STRING": "'x'",
    "BOOLEAN": "true",
    "DATE": "DATE'2024-01-01'",
    "TIMESTAMP": "TIMESTAMP'2024-01-01 00:00:00'",
    "NULL": "NULL",
}


@pytest.mark.parametrize("type_name", sorted(COLUMNS))
def test_a_result_column_carries_the_recorded_keys_and_type_text(
    type_name: str, fake: FakeWorkspace, http: httpx.Client, tally: Tally
) -> None:
    recorded = RECORDED["columns"][type_name]
    answer = execute(http, f"SELECT {COLUMNS[type_name]} AS c")
    (column,) = answer["manifest"]["schema"]["columns"]
    assert column["type_name"] == type_name
    assert sorted(column) in recorded["keys"]
    assert column["type_text"].split("(")[0] in recorded["type_text"]
    tally.recording(Route.SQL_EXECUTE, f"column {type_name}")


def test_seeded_columns_read_as_a_workspace_reports_them(
    fake: FakeWorkspace, http: httpx.Client
) -> None:
    """Every type of the seeded tables' columns, as a SELECT of the table reports it."""
    answer = execute(http, "SELECT * FROM main.sales.orders LIMIT 1")
    for column in answer["manifest"]["schema"]["columns"]:
        recorded = RECORDED["columns"].get(column["type_name"])
        if recorded is None:  # SHORT, BYTE, FLOAT: no recording holds one
            continue
        assert sorted(column) in recorded["keys"], column
        assert column["type_text"].split("(")[0] in recorded["type_text"], column
