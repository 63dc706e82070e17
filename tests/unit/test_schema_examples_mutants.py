"""Examples made from endpoint schemas at the edges of what the detection reads: escaped JSON
pointers, array forms, and the nesting depth past which the example stops (24 levels)."""

from __future__ import annotations

from typing import Any

import pytest

from server.services.schema_examples import example_from_schema, resolve_refs, sample_value

LEAF = {"type": "integer", "minimum": 7}


def nested(levels: int, wrap: Any) -> Any:
    schema: Any = LEAF
    for _ in range(levels):
        schema = wrap(schema)
    return schema


def depth_of(value: Any) -> int:
    """How many containers deep the integer sits (-1: it was cut off)."""
    levels = 0
    while isinstance(value, dict | list):
        value = next(iter(value.values())) if isinstance(value, dict) else value[0]
        levels += 1
    return levels if value == 7 else -1


WRAPPERS = {
    "object": lambda s: {"type": "object", "properties": {"a": s}},
    "array-items": lambda s: {"type": "array", "items": s},
    "array-prefix": lambda s: {"type": "array", "prefixItems": [s]},
    "array-tuple": lambda s: {"type": "array", "items": [s]},
}


@pytest.mark.parametrize("wrap", WRAPPERS.values(), ids=WRAPPERS.keys())
def test_an_example_is_made_through_24_levels_of_nesting(wrap: Any) -> None:
    assert depth_of(sample_value(nested(24, wrap))) == 24


@pytest.mark.parametrize("wrap", WRAPPERS.values(), ids=WRAPPERS.keys())
def test_a_value_nested_deeper_than_24_levels_is_left_null(wrap: Any) -> None:
    assert depth_of(sample_value(nested(25, wrap))) == -1


def test_refs_with_escaped_slash_and_tilde_resolve() -> None:
    document = {
        "components": {"schemas": {"a/b": {"type": "string"}, "c~d": {"type": "boolean"}}},
        "list": [{"type": "number"}, {"type": "integer"}],
    }
    schema = {
        "type": "object",
        "properties": {
            "slash": {"$ref": "#/components/schemas/a~1b"},
            "tilde": {"$ref": "#/components/schemas/c~0d"},
            "second": {"$ref": "#/list/1"},
            "past_the_end": {"$ref": "#/list/2"},
        },
    }

    resolved = resolve_refs(schema, document)

    assert resolved["properties"] == {
        "slash": {"type": "string"},
        "tilde": {"type": "boolean"},
        "second": {"type": "integer"},
        "past_the_end": {},
    }


def test_a_ref_to_the_whole_document_is_a_cycle_when_it_is_inside_it() -> None:
    document = {"type": "object", "properties": {"self": {"$ref": "#"}}}

    assert resolve_refs({"$ref": "#"}, document) == {
        "type": "object",
        "properties": {"self": {}},
    }


def test_a_dataframe_row_typed_by_draft4_tuple_items() -> None:
    schema = {
        "type": "object",
        "properties": {
            "dataframe_split": {
                "type": "object",
                "properties": {
                    "columns": {"type": "array", "items": {"enum": ["n", "label"]}},
                    "data": {
                        "type": "array",
                        "items": {
                            "type": "array",
                            "items": [{"type": "integer"}, {"type": "string"}],
                        },
                    },
                },
            }
        },
    }

    example = example_from_schema(schema)

    assert example is not None
    assert example["dataframe_split"]["data"] == [[1, "text"]]
