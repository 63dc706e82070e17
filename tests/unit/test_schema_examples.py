"""Pure helpers of Model Serving: example bodies from JSON schemas, OpenAPI request-schema
extraction, input-shape validation, Retry-After parsing and endpoint-name checks."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from server.errors import AppError, ErrorCode
from server.models.schema_detection_result import DetectedType, SchemaSource
from server.services.model_inputs import encode_inputs, endpoint_name_problem, input_problem
from server.services.model_invoker import model_error_message, model_failure, parse_retry_after
from server.services.schema_detection_service import detect_from_openapi, task_schema
from server.services.schema_examples import (
    example_from_schema,
    extract_request_schema,
    resolve_refs,
    sample_value,
)
from server.services.serving_shapes import invoke_response

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


# --- Input validation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "inputs",
    [
        pytest.param({"dataframe_split": {"columns": ["a"], "data": [[1]]}}, id="split"),
        pytest.param({"dataframe_split": {"data": [[1, 2]], "index": [0]}}, id="split-no-cols"),
        pytest.param({"dataframe_records": [{"a": 1}], "params": {"k": 1}}, id="records+params"),
        pytest.param({"instances": [[1, 2]], "client_request_id": "r1"}, id="instances"),
        pytest.param({"inputs": {"x": [1]}}, id="inputs"),
        pytest.param({"messages": [{"role": "user", "content": "hi"}], "max_tokens": 5}, id="chat"),
        pytest.param(
            {"messages": [{"role": "assistant", "tool_calls": []}], "temperature": 0},
            id="chat-tool-call",
        ),
        pytest.param({"prompt": "hi", "stream": False}, id="completions"),
        pytest.param({"input": ["a", "b"]}, id="embeddings"),
    ],
)
def test_well_formed_inputs_pass(inputs: Any) -> None:
    assert input_problem(inputs) is None


@pytest.mark.parametrize(
    ("inputs", "fragment"),
    [
        pytest.param([1, 2], "JSON object", id="not-an-object"),
        pytest.param({}, "got keys: none", id="empty"),
        pytest.param({"data": [1]}, "got keys: data", id="unknown-format"),
        pytest.param({"instances": [1], "inputs": [1]}, "exactly one", id="two-formats"),
        pytest.param({"instances": [1], "messages": []}, "exactly one", id="tabular-and-chat"),
        pytest.param({"instances": [1], "extra": 1}, "next to instances: extra", id="extra-key"),
        pytest.param({"instances": [1], "params": [1]}, "params must be", id="params-list"),
        pytest.param({"instances": []}, "non-empty list", id="no-instances"),
        pytest.param({"inputs": None}, "not be null", id="null-inputs"),
        pytest.param({"dataframe_records": [1]}, "list of objects", id="records-not-objects"),
        pytest.param({"dataframe_split": [[1]]}, '"data"', id="split-not-object"),
        pytest.param({"dataframe_split": {"data": [], "x": 1}}, "unexpected", id="split-extra"),
        pytest.param({"dataframe_split": {"columns": "a", "data": []}}, "columns", id="cols-str"),
        pytest.param({"dataframe_split": {"data": [1]}}, "data[0]", id="row-not-list"),
        pytest.param(
            {"dataframe_split": {"columns": ["a", "b"], "data": [[1]]}},
            "1 values for 2 columns",
            id="row-too-short",
        ),
        pytest.param({"messages": []}, "non-empty list", id="no-messages"),
        pytest.param({"messages": [{"content": "x"}]}, "string role", id="no-role"),
        pytest.param({"messages": [{"role": "user", "content": 3}]}, "content", id="bad-content"),
        pytest.param({"messages": [{"role": "u", "content": ""}], "foo": 1}, "foo", id="llm-extra"),
        pytest.param({"prompt": "x", "stream": True}, "Streaming", id="stream"),
        pytest.param({"prompt": "x", "max_tokens": 0}, "max_tokens", id="max-tokens-zero"),
        pytest.param({"prompt": "x", "max_tokens": True}, "max_tokens", id="max-tokens-bool"),
        pytest.param({"prompt": "x", "temperature": "hot"}, "temperature", id="temperature"),
        pytest.param({"input": []}, "non-empty list", id="empty-input"),
    ],
)
def test_malformed_inputs_are_explained(inputs: Any, fragment: str) -> None:
    problem = input_problem(inputs)

    assert problem is not None
    assert fragment in problem


def test_encoded_inputs_are_compact_utf8_json() -> None:
    assert encode_inputs({"inputs": ["é"]}, 100) == '{"inputs":["é"]}'.encode()


def test_inputs_over_the_limit_name_their_size_and_the_limit() -> None:
    with pytest.raises(AppError) as caught:
        encode_inputs({"inputs": "x" * 20}, 20)

    assert caught.value.code is ErrorCode.INVALID_INPUT
    assert "33 bytes" in caught.value.message
    assert "limit is 20 bytes" in caught.value.message


def test_nan_is_not_json() -> None:
    with pytest.raises(AppError) as caught:
        encode_inputs({"instances": [float("nan")]}, 1000)

    assert caught.value.code is ErrorCode.INVALID_INPUT


def test_badly_shaped_inputs_raise_invalid_input() -> None:
    with pytest.raises(AppError) as caught:
        encode_inputs({"nope": 1}, 1000)

    assert caught.value.code is ErrorCode.INVALID_INPUT


# --- Retry-After and names -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        pytest.param("3", 3.0, id="seconds"),
        pytest.param(" 1.5 ", 1.5, id="fractional"),
        pytest.param("-4", 0.0, id="negative"),
        pytest.param("Mon, 01 Jan 2024 00:00:10 GMT", 10.0, id="http-date"),
        pytest.param("soon", None, id="garbage"),
        pytest.param("inf", None, id="infinite"),
        pytest.param("", None, id="empty"),
        pytest.param(None, None, id="absent"),
    ],
)
def test_retry_after_is_parsed(header: str | None, seconds: float | None) -> None:
    now = datetime(2024, 1, 1, tzinfo=UTC)

    assert parse_retry_after(header, now) == seconds


@pytest.mark.parametrize(
    ("name", "valid"),
    [
        pytest.param("fraud-detector", True, id="plain"),
        pytest.param("modèle-ü_v2", True, id="unicode"),
        pytest.param("a.b", True, id="dot"),
        pytest.param("", False, id="empty"),
        pytest.param("..", False, id="dot-dot"),
        pytest.param("a/b", False, id="slash"),
        pytest.param("a b", False, id="space"),
        pytest.param("x" * 256, False, id="too-long"),
    ],
)
def test_endpoint_names_are_checked(name: str, valid: bool) -> None:
    assert (endpoint_name_problem(name) is None) is valid


# --- Model answers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("response", "message", "code"),
    [
        pytest.param(
            httpx.Response(400, json={"error_code": "BAD_REQUEST", "message": "bad column"}),
            "bad column",
            "BAD_REQUEST",
            id="databricks-envelope",
        ),
        pytest.param(
            httpx.Response(422, json={"error": {"message": "too long", "type": "x"}}),
            "too long",
            None,
            id="openai-envelope",
        ),
        pytest.param(httpx.Response(400, json={"error": "no"}), "no", None, id="error-string"),
        pytest.param(httpx.Response(500, text=" boom \n"), "boom", None, id="plain-text"),
        pytest.param(httpx.Response(502), "HTTP 502", None, id="empty"),
    ],
)
def test_model_error_message_is_found_in_any_envelope(
    response: httpx.Response, message: str, code: str | None
) -> None:
    assert model_error_message(response) == (message, code)


@pytest.mark.parametrize(
    ("status", "code"),
    [
        pytest.param(408, ErrorCode.MODEL_TIMEOUT, id="408"),
        pytest.param(409, ErrorCode.INVALID_INPUT, id="409"),
        pytest.param(501, ErrorCode.MODEL_ERROR, id="501"),
    ],
)
def test_model_failures_map_to_our_codes(status: int, code: ErrorCode) -> None:
    assert model_failure(httpx.Response(status, text="x")).code is code


def test_model_answer_that_is_not_json_is_a_model_error() -> None:
    with pytest.raises(AppError) as caught:
        invoke_response("r", "m", httpx.Response(200, text="<html>"), 1.0)

    assert caught.value.code is ErrorCode.MODEL_ERROR


def test_chat_answer_without_a_message_has_none() -> None:
    answer = invoke_response("r", "m", httpx.Response(200, json={"choices": [{"text": "t"}]}), 1)

    assert answer.message is None
    assert answer.output == {"choices": [{"text": "t"}]}
