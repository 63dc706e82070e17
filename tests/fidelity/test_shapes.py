"""A shape keeps key paths, JSON types and enum values, and never a value or a user's name."""

from __future__ import annotations

import json

from fake_workspace.fidelity.shapes import ShapeBook, shape_of

ANSWER = {
    "statement_id": "01f0-secret-id",
    "status": {"state": "SUCCEEDED"},
    "manifest": {"schema": {"columns": [{"name": "salary", "type_name": "DECIMAL"}]}},
    "result": {"data_array": [["123.45", None]]},
    "properties": {"owner_team": "payroll"},
}


def test_paths_types_and_enum_values_are_kept() -> None:
    shape = shape_of(ANSWER)
    assert shape.paths["manifest.schema.columns[].type_name"] == {"string"}
    assert shape.paths["result.data_array[][]"] == {"string", "null"}
    assert shape.enums == {
        "status.state": {"SUCCEEDED"},
        "manifest.schema.columns[].type_name": {"DECIMAL"},
    }


def test_no_value_token_or_user_name_is_recorded() -> None:
    text = json.dumps(shape_of(ANSWER).to_json())
    for secret in ("01f0-secret-id", "salary", "123.45", "owner_team", "payroll"):
        assert secret not in text
    assert "properties{}" in text  # a map is there, its keys are not


def test_a_model_answer_keeps_only_its_top_level_keys() -> None:
    book = ShapeBook()
    body = {"predictions": [{"fraud": 0.1}], "extra": {"customer_name": "Alice"}}
    book.add("POST", "/serving-endpoints/fraud/invocations", 200, json.dumps(body).encode())
    (shape,) = book.routes.values()
    assert set(shape.paths) == {"$", "predictions", "extra"}


def test_books_merge_by_route_template_and_status() -> None:
    book = ShapeBook()
    book.add("GET", "/api/2.1/unity-catalog/catalogs/main", 200, b'{"name": "main"}')
    book.add("GET", "/api/2.1/unity-catalog/catalogs/other", 200, b'{"comment": "x"}')
    book.add("GET", "/api/2.1/unity-catalog/catalogs/nope", 404, b'{"error_code": "NOT_FOUND"}')
    again = ShapeBook.loads(book.dumps())
    assert set(again.routes) == {
        "GET /api/2.1/unity-catalog/catalogs/{name} 200",
        "GET /api/2.1/unity-catalog/catalogs/{name} 404",
    }
    assert set(again.routes["GET /api/2.1/unity-catalog/catalogs/{name} 200"].paths) == {
        "$",
        "name",
        "comment",
    }
