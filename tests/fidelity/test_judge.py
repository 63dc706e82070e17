"""The judge bites: a field or an enum value the SDK does not know is reported, not lost."""

from __future__ import annotations

import json

from databricks.sdk.service import sql

from tests.fidelity.judge import lost_in_round_trip, sdk_error

STATEMENT = {
    "statement_id": "s",
    "status": {"state": "SUCCEEDED"},
    "manifest": {
        "format": "JSON_ARRAY",
        "schema": {
            "column_count": 1,
            "columns": [{"name": "n", "position": 0, "type_name": "LONG", "type_text": "BIGINT"}],
        },
    },
}
TEMPLATE = "/api/2.0/sql/statements"


def round_trip(body: dict[str, object]) -> list[str]:
    return lost_in_round_trip(body, sql.StatementResponse.from_dict(body).as_dict(), TEMPLATE)


def test_a_faithful_statement_comes_back_whole() -> None:
    assert round_trip(STATEMENT) == []


def test_an_enum_value_the_sdk_does_not_know_is_reported() -> None:
    doctored = json.loads(json.dumps(STATEMENT).replace('"LONG"', '"BIGINT"'))
    assert round_trip(doctored) == [
        "manifest.schema.columns[].type_name: 'BIGINT' unknown to the SDK model"
    ]


def test_a_key_the_sdk_does_not_know_is_reported() -> None:
    doctored = {**STATEMENT, "rows": []}
    assert round_trip(doctored) == ["rows: [] unknown to the SDK model"]


def test_the_sdk_error_parser_reads_code_message_and_details() -> None:
    body = {
        "error_code": "NOT_FOUND",
        "message": "gone",
        "details": [{"@type": "type.googleapis.com/google.rpc.RequestInfo", "request_id": "r"}],
    }
    error = sdk_error(404, json.dumps(body).encode(), {"Content-Type": "application/json"})
    assert (error.error_code, str(error), type(error).__name__) == ("NOT_FOUND", "gone", "NotFound")
