"""Schema detection helpers: example bodies from JSON schemas, OpenAPI request-schema
extraction, and detection from an LLM task or an OpenAPI document."""

from __future__ import annotations

from typing import Any

import pytest

from server.models.schema_detection_result import DetectedType, SchemaSource
from server.services.model_inputs import input_problem
from server.services.schema_detection_service import detect_from_openapi, task_schema
from server.services.schema_examples import (
    example_from_schema,
    extract_request_schema,
    resolve_refs,
    sample_value,
)

SPLIT_WITH_PREFIX_ITEMS: dict[str, Any] = {
    "type": "object",
    "properties": {
        "dataframe_split": {
            "type": "object",
            "properties": {
                "columns": {"type": "array", "items": {"type": "string", "enum": ["a", "n"]}},
                "data": {
                    "type": "array",
                    "items": {
                        "type": "array",
                        "prefixItems": [{"type": "number"}, {"type": "integer"}],
                    },
                },
            },
        }
    },
}
RECORDS_BRANCH: dict[str, Any] = {
    "type": "object",
    "properties": {
        "dataframe_records": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"a": {"type": "number"}, "s": {"type": "string"}},
            },
        }
    },
}


def _openapi(schema: dict[str, Any], path: str = "/invocations") -> dict[str, Any]:
    body = {"content": {"application/json": {"schema": schema}}}
    return {"openapi": "3.1.0", "paths": {path: {"post": {"requestBody": body}}}}


# --- Example generation ----------------------------------------------------------------------


def test_dataframe_split_example_has_one_typed_row_per_column() -> None:
    example = example_from_schema(SPLIT_WITH_PREFIX_ITEMS)

    assert example == {"dataframe_split": {"columns": ["a", "n"], "data": [[1.0, 1]]}}
    assert isinstance(example["dataframe_split"]["data"][0][1], int)


def test_dataframe_split_takes_column_types_from_the_records_alternative() -> None:
    columns = {"const": ["s", "a"]}
    split = {"properties": {"dataframe_split": {"properties": {"columns": columns, "data": {}}}}}

    example = example_from_schema({"oneOf": [split, RECORDS_BRANCH]})

    assert example == {"dataframe_split": {"columns": ["s", "a"], "data": [["text", 1.0]]}}


def test_dataframe_split_with_shared_item_type_and_prefix_column_names() -> None:
    columns = {"prefixItems": [{"const": "x"}, {"const": "y"}]}
    data = {"items": {"type": "array", "items": {"type": "integer"}}}
    split = {"properties": {"dataframe_split": {"properties": {"columns": columns, "data": data}}}}

    assert example_from_schema(split) == {
        "dataframe_split": {"columns": ["x", "y"], "data": [[1, 1]]}
    }


def test_dataframe_split_with_its_own_example_uses_it() -> None:
    given = {"columns": ["x"], "data": [[3]]}
    schema = {"properties": {"dataframe_split": {"type": "object", "example": given}}}

    assert example_from_schema(schema) == {"dataframe_split": given}


def test_split_with_unknown_column_types_still_names_the_columns() -> None:
    split = {"properties": {"dataframe_split": {"properties": {"columns": {"const": ["a"]}}}}}

    assert example_from_schema(split) == {"dataframe_split": {"columns": ["a"], "data": [[None]]}}


@pytest.mark.parametrize(
    "columns",
    [
        pytest.param({"items": {"enum": [1, 2]}}, id="enum-of-numbers"),
        pytest.param({"prefixItems": [{"type": "integer"}]}, id="prefix-of-numbers"),
    ],
)
def test_split_whose_column_names_are_not_strings_gets_a_generic_sample(columns: Any) -> None:
    split = {"properties": {"dataframe_split": {"properties": {"columns": columns}}}}

    assert example_from_schema(split) == {"dataframe_split": {"columns": [1]}}


def test_split_without_properties_gets_an_empty_sample() -> None:
    split = {"properties": {"dataframe_split": {"type": "object"}}}

    assert example_from_schema(split) == {"dataframe_split": {}}


def test_refs_can_point_into_lists() -> None:
    document = {"all": [{"type": "integer"}]}

    assert resolve_refs({"$ref": "#/all/0"}, document) == {"type": "integer"}


def test_records_only_schema_gives_one_record() -> None:
    assert example_from_schema(RECORDS_BRANCH) == {"dataframe_records": [{"a": 1.0, "s": "text"}]}


def test_split_without_known_columns_falls_back_to_records() -> None:
    split = {"properties": {"dataframe_split": {"properties": {"columns": {"type": "array"}}}}}

    assert example_from_schema({"anyOf": [split, RECORDS_BRANCH]}) == {
        "dataframe_records": [{"a": 1.0, "s": "text"}]
    }


def test_instances_schema_gives_a_generic_sample() -> None:
    schema = {
        "type": "object",
        "required": ["instances"],
        "properties": {"instances": {"type": "array", "items": {"type": "number"}}, "x": {}},
    }

    assert example_from_schema(schema) == {"instances": [1.0]}


@pytest.mark.parametrize(
    "schema",
    [
        pytest.param("not a schema", id="not-a-mapping"),
        pytest.param({"type": "string"}, id="scalar"),
        pytest.param({"type": "object"}, id="empty-object"),
    ],
)
def test_schema_that_says_too_little_gives_no_example(schema: Any) -> None:
    assert example_from_schema(schema) is None


@pytest.mark.parametrize(
    ("schema", "value"),
    [
        pytest.param({"type": "integer", "minimum": 5}, 5, id="integer-minimum"),
        pytest.param({"type": "number", "maximum": 0.5}, 0.5, id="number-maximum"),
        pytest.param({"type": "number", "exclusiveMinimum": 2}, 3.0, id="exclusive-minimum"),
        pytest.param({"type": "boolean"}, True, id="boolean"),
        pytest.param({"type": "string", "format": "date"}, "2024-01-01", id="date"),
        pytest.param({"type": ["null", "string"]}, "text", id="nullable-string"),
        pytest.param({"type": "null"}, None, id="null"),
        pytest.param({"enum": ["b", "c"]}, "b", id="enum"),
        pytest.param({"examples": [7]}, 7, id="examples"),
        pytest.param({"const": 3}, 3, id="const"),
        pytest.param({"anyOf": [{"type": "null"}, {"type": "integer"}]}, 1, id="any-of"),
        pytest.param({"items": [{"type": "integer"}, {"type": "string"}]}, [1, "text"], id="tuple"),
        pytest.param({"type": "array"}, [], id="array-untyped"),
        pytest.param({"prefixItems": [{"type": "integer"}]}, [1], id="prefix-items"),
        pytest.param({}, None, id="untyped"),
        pytest.param({"type": "mystery"}, None, id="unknown-type"),
        pytest.param("junk", None, id="not-a-schema"),
        pytest.param({"anyOf": [{"type": "null"}]}, None, id="any-of-only-null"),
        pytest.param({"allOf": ["junk", {"type": "integer"}]}, 1, id="all-of-without-properties"),
        pytest.param(
            {"allOf": [{"properties": {"a": {"type": "integer"}}}, {"required": ["a"]}]},
            {"a": 1},
            id="all-of",
        ),
    ],
)
def test_sample_value_follows_the_schema(schema: Any, value: Any) -> None:
    assert sample_value(schema) == value


def test_task_schemas_come_with_their_example() -> None:
    detected, schema, example = task_schema("llm/v1/chat") or (None, {}, {})

    assert detected is DetectedType.CHAT
    assert schema["required"] == ["messages"]
    assert input_problem(example) is None
    assert task_schema("llm/v1/embeddings") is not None
    assert task_schema(None) is None


# --- OpenAPI ---------------------------------------------------------------------------------


def test_request_schema_is_extracted_with_refs_resolved() -> None:
    document = _openapi({"$ref": "#/components/schemas/Body"}, "/served-models/m-1/invocations")
    document["components"] = {"schemas": {"Body": SPLIT_WITH_PREFIX_ITEMS}}

    assert extract_request_schema(document) == SPLIT_WITH_PREFIX_ITEMS


def test_cyclic_and_dangling_refs_resolve_to_empty_schemas() -> None:
    node = {"properties": {"next": {"$ref": "#/components/schemas/Node"}, "gone": {"$ref": "#/x"}}}
    document = {"components": {"schemas": {"Node": node}}}

    resolved = resolve_refs({"$ref": "#/components/schemas/Node"}, document)

    assert resolved["properties"] == {"next": {}, "gone": {}}


@pytest.mark.parametrize(
    "document",
    [
        pytest.param([], id="not-an-object"),
        pytest.param({"openapi": "3.1.0"}, id="no-paths"),
        pytest.param({"paths": {"/health": {"get": {}}}}, id="no-invocations"),
        pytest.param({"paths": {"/invocations": {"post": {}}}}, id="no-request-body"),
        pytest.param(_openapi({}), id="empty-schema"),
    ],
)
def test_documents_without_a_request_schema_give_none(document: Any) -> None:
    assert extract_request_schema(document) is None


def test_json_like_media_types_are_accepted() -> None:
    document = _openapi(RECORDS_BRANCH)
    media = document["paths"]["/invocations"]["post"]["requestBody"]["content"]
    media["application/vnd.custom+json"] = media.pop("application/json")

    assert extract_request_schema(document) == RECORDS_BRANCH


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(None, id="none"),
        pytest.param(b"", id="empty"),
        pytest.param(b"<html>", id="not-json"),
        pytest.param(b'{"paths": {}}', id="no-schema"),
    ],
)
def test_openapi_without_a_schema_is_unknown_with_advice(raw: bytes | None) -> None:
    result = detect_from_openapi("m", None, raw)

    assert result.detected_type is DetectedType.UNKNOWN
    assert result.source is SchemaSource.NONE
    assert result.message is not None
    assert "dataframe_split" in result.message


def test_openapi_schema_without_example_says_so() -> None:
    raw = b'{"paths": {"/invocations": {"post": {"requestBody": {"content": {"application/json":'
    raw += b' {"schema": {"type": "string"}}}}}}}}'

    result = detect_from_openapi("m", None, raw)

    assert result.detected_type is DetectedType.CUSTOM
    assert result.example is None
    assert result.message


# -- Examples made from endpoint schemas at the edges of what the detection reads: escaped JSON
# pointers, array forms, and the nesting depth past which the example stops (24 levels).
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
