"""Checks and encoding of serving inputs: body shapes per format, size limit, endpoint names."""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator

from server.errors import AppError, ErrorCode
from server.models.model_input_schema import INPUTS_SCHEMA
from server.services.model_inputs import encode_inputs, endpoint_name_problem, input_problem

WELL_FORMED = [
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
]
MALFORMED = [
    pytest.param([1, 2], "JSON object", id="not-an-object"),
    pytest.param({}, "got keys: none", id="empty"),
    pytest.param({"data": [1], "rows": [1]}, "got keys: data, rows.", id="unknown-format"),
    pytest.param(
        {"instances": [1], "inputs": [1]}, "holds instances and inputs; send exactly one", id="two"
    ),
    pytest.param({"instances": [1], "messages": []}, "exactly one", id="tabular-and-chat"),
    pytest.param({"instances": [1], "extra": 1}, "next to instances: extra", id="extra-key"),
    pytest.param({"instances": [1], "params": [1]}, "params must be", id="params-list"),
    pytest.param({"instances": []}, "non-empty list", id="no-instances"),
    pytest.param({"inputs": None}, "other than null", id="null-inputs"),
    pytest.param(
        {"dataframe_records": [1]}, "records[0] must be an object", id="records-not-objects"
    ),
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
    pytest.param({"prompt": "x", "stream": True}, "streaming is not supported", id="stream"),
    pytest.param({"prompt": "x", "max_tokens": 0}, "max_tokens", id="max-tokens-zero"),
    pytest.param({"prompt": "x", "max_tokens": True}, "max_tokens", id="max-tokens-bool"),
    pytest.param({"prompt": "x", "temperature": "hot"}, "temperature", id="temperature"),
    pytest.param({"input": []}, "non-empty list", id="empty-input"),
]


@pytest.mark.parametrize("inputs", WELL_FORMED)
def test_well_formed_inputs_pass(inputs: Any) -> None:
    assert input_problem(inputs) is None


@pytest.mark.parametrize(("inputs", "fragment"), MALFORMED)
def test_malformed_inputs_are_explained(inputs: Any, fragment: str) -> None:
    problem = input_problem(inputs)

    assert problem is not None
    assert fragment in problem


@pytest.mark.parametrize(
    "inputs", [pytest.param(p.values[0], id=p.id) for p in (*WELL_FORMED, *MALFORMED)]
)
def test_the_check_refuses_what_the_published_schema_refuses_and_one_rule_more(
    inputs: Any,
) -> None:
    # The rules are stated once (INPUTS_SCHEMA, in the OpenAPI document); the check reads them.
    # Beyond JSON Schema only: a dataframe_split row has one value per column.
    problem = input_problem(inputs)

    valid = Draft202012Validator(INPUTS_SCHEMA).is_valid(inputs)
    assert valid == (problem is None or " values for " in problem), problem


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
