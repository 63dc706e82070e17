"""The app's check of values against its published JSON Schema: JSON's own types and equality,
the first broken rule named at its place in words the schema gives, and schemas it cannot fully
check refused when they are read, not passed through."""

from __future__ import annotations

import re
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from server.services.json_schema_check import problem, readable

ROW = {"type": "object", "required": ["a"], "description": "a row with a"}
TABLE: dict[str, Any] = {
    "type": "object",
    "required": ["rows"],
    "properties": {
        "rows": {"type": "array", "minItems": 1, "items": ROW, "description": "a list of rows"},
        "size": {"type": ["integer", "null"], "minimum": 1, "description": "a positive integer"},
        "mode": {"enum": [False, None], "description": "false or null"},
        "level": {"enum": [1], "description": "1"},
        "text": {
            "anyOf": [{"type": "string"}, {"type": "array", "minItems": 1}],
            "description": "text or a non-empty list",
        },
        "other": {"not": {"type": "null"}, "description": "not null"},
    },
    "additionalProperties": False,
    "description": "a table",
}


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        pytest.param({"rows": [{"a": 1}], "size": 2.0}, None, id="2.0-is-an-integer"),
        pytest.param({"rows": [{"a": 1}], "size": None, "mode": None}, None, id="nulls"),
        pytest.param({"rows": [{"a": 1}], "size": 10**400}, None, id="huge-integer"),
        pytest.param({"rows": [{"a": 1}], "level": 1.0}, None, id="1.0-is-1"),
        pytest.param(
            {"rows": [{"a": 1}], "level": True}, "table.level must be 1.", id="true-is-not-1"
        ),
        pytest.param({"rows": [{"a": 1}], "mode": False, "text": ["x"]}, None, id="false"),
        pytest.param([], "table must be a table.", id="not-an-object"),
        pytest.param({}, "table must be a table.", id="required"),
        pytest.param(
            {"rows": [], "y": 1, "x": 2}, "table has unexpected keys: x, y.", id="extra-key"
        ),
        pytest.param({"rows": []}, "table.rows must be a list of rows.", id="min-items"),
        pytest.param({"rows": [{"a": 1}, {}]}, "table.rows[1] must be a row with a.", id="item"),
        *(
            pytest.param(
                {"rows": [{"a": 1}], "size": size},
                "table.size must be a positive integer.",
                id=f"size-{size!r}",
            )
            for size in (True, 2.5, 0, "1")
        ),
        *(
            pytest.param(
                {"rows": [{"a": 1}], "mode": mode},
                "table.mode must be false or null.",
                id=repr(mode),
            )
            for mode in (0, 0.0, "", {}, [], True)
        ),
        pytest.param(
            {"rows": [{"a": 1}], "text": []},
            "table.text must be text or a non-empty list.",
            id="any-of",
        ),
        pytest.param(
            {"rows": [{"a": 1}], "other": None}, "table.other must be not null.", id="not"
        ),
    ],
)
def test_the_first_broken_rule_is_named_where_it_is_broken(value: Any, reason: str | None) -> None:
    found = problem(value, readable(TABLE), "table")

    assert found == reason
    assert Draft202012Validator(TABLE).is_valid(value) is (reason is None)


UNCHECKED = "JSON Schema keywords not checked here: "


@pytest.mark.parametrize(
    ("schema", "complaint"),
    [
        pytest.param({"pattern": "^a", "format": "x"}, UNCHECKED + "format, pattern", id="kw"),
        pytest.param({"items": {"oneOf": []}}, UNCHECKED + "oneOf", id="in-items"),
        pytest.param({"anyOf": [{"const": 1}], "description": "1"}, UNCHECKED + "const", id="opt"),
        pytest.param({"not": {"const": 1}, "description": "1"}, UNCHECKED + "const", id="not"),
        pytest.param(
            {"properties": {"x": {"type": "string"}}},
            "no description to word a refusal by: {'type': 'string'}",
            id="unworded",
        ),
        pytest.param(
            {"additionalProperties": {"type": "string"}},
            "additionalProperties is checked only as false",
            id="extra",
        ),
    ],
)
def test_a_schema_with_rules_it_cannot_check_or_word_is_refused(
    schema: dict[str, Any], complaint: str
) -> None:
    with pytest.raises(ValueError, match=f"^{re.escape(complaint)}$"):
        readable(schema)


def test_options_of_any_of_and_not_need_no_words() -> None:
    schema = {
        "anyOf": [{"type": "string"}, {"properties": {"a": {"type": "string"}}}],
        "not": {"type": "null"},
        "description": "text",
    }

    assert readable(schema) is schema
