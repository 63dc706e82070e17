"""The OpenAPI document says what the server does: 400 with the envelope (never 422), and the
rules the services enforce as JSON Schema keywords, agreeing with the services on samples."""

from __future__ import annotations

import copy
import re
from importlib.metadata import version
from typing import Any

import pytest
from fastapi.openapi.utils import get_openapi
from jsonschema import Draft202012Validator

from server.services.model_inputs import input_problem
from server.services.preference_service import key_problem
from tests.harness.apps import AppPool

pytestmark = pytest.mark.fake_only

ENVELOPE_REF = "#/components/schemas/ErrorEnvelope"

KEYS = ["theme", "a.b:c-d_e", "ключ", "鍵", "x" * 128, "x" * 129, "", "a b", "a/b", "é\u0301", "٣"]

INPUTS: list[Any] = [
    {"dataframe_split": {"columns": ["a"], "data": [[1]]}},
    {"dataframe_split": {"data": [[1, 2]]}, "params": {"k": 1}},
    {"dataframe_split": {"columns": ["a"], "data": [1]}},
    {"dataframe_split": {"data": [], "other": 1}},
    {"dataframe_records": [{"a": 1}]},
    {"dataframe_records": []},
    {"dataframe_records": [1]},
    {"instances": [[1.0, 2.0]], "client_request_id": "r1"},
    {"instances": []},
    {"inputs": {"a": [1, 2]}},
    {"inputs": None},
    {"instances": [1], "inputs": [1]},
    {"instances": [1], "params": 3},
    {"instances": [1], "surprise": True},
    {"messages": [{"role": "user", "content": "hi"}], "max_tokens": 5, "temperature": 0.2},
    {"messages": [{"role": "assistant", "tool_calls": []}]},
    {"messages": [{"role": "user"}]},
    {"messages": []},
    {"messages": [{"role": "user", "content": "hi"}], "max_tokens": 0},
    {"messages": [{"role": "user", "content": "hi"}], "max_tokens": True},
    {"messages": [{"role": "user", "content": "hi"}], "stream": True},
    *({"messages": [{"role": "user", "content": "hi"}], "stream": v} for v in (0, 0.0, "", {}, [])),
    {"messages": [{"role": "user", "content": "hi"}], "stream": None},
    {"messages": [{"role": "user", "content": "hi"}], "max_tokens": 1.0},
    {"messages": [{"role": "user", "content": "hi"}], "max_tokens": 2.5},
    {"messages": [{"role": "user", "content": "hi"}], "temperature": -1},
    {"prompt": "Once", "stop": ["."]},
    {"prompt": []},
    {"input": ["a", "b"], "dimensions": 8},
    {"input": 3},
    {"input": "x", "params": {}},
    {},
    [],
    "text",
]


@pytest.fixture(scope="module")
def downloaded() -> dict[str, Any]:
    """The document this module's first test downloaded (empty until then)."""
    return {}


@pytest.fixture
async def spec(client, app_pool: AppPool, downloaded: dict[str, Any]) -> dict[str, Any]:
    """The document as a client downloads it, generated afresh (an app from the pool would
    otherwise serve the one it generated first, for an earlier test) once per module, a copy
    for each test: generating it costs a tenth of a second. Without app reuse (mutmut's first
    run) every test generates it, so each is recorded as reaching the generation."""
    if not downloaded or not app_pool.reuse:
        client.app.openapi_schema = None
        response = await client.get("/openapi.json")
        assert response.status_code == 200
        downloaded.clear()
        downloaded.update(response.json())
    return copy.deepcopy(downloaded)


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
    ]


def test_the_document_names_the_release_and_what_the_api_serves(spec: dict[str, Any]) -> None:
    # A generated client is versioned by info.version: it is the released distribution's.
    assert spec["info"]["version"] == version("databricks-app-backend")
    assert spec["info"]["title"] == "Databricks App backend"
    for feature in ("preferences", "Unity Catalog", "Model Serving"):
        assert feature in spec["info"]["description"]


def test_no_operation_lists_422_and_every_validated_one_lists_400(spec: dict[str, Any]) -> None:
    for method, path, operation in operations(spec):
        responses = operation["responses"]
        assert "422" not in responses, (method, path)
        if operation.get("parameters") or operation.get("requestBody"):
            schema = responses["400"]["content"]["application/json"]["schema"]
            assert schema == {"$ref": ENVELOPE_REF}, (method, path)
    assert "HTTPValidationError" not in spec["components"]["schemas"]


def test_the_document_is_fastapis_own_less_its_422_answers(client, spec: dict[str, Any]) -> None:
    app = client.app
    plain = get_openapi(
        title=app.title, version=app.version, description=app.description, routes=app.routes
    )
    for _, _, operation in operations(plain):
        operation["responses"].pop("422", None)
    del plain["components"]["schemas"]["HTTPValidationError"]
    del plain["components"]["schemas"]["ValidationError"]

    assert spec == plain


def test_authenticated_operations_list_the_upstream_failures(spec: dict[str, Any]) -> None:
    for method, path, operation in operations(spec):
        if path.startswith("/api/"):
            assert {"502", "503"} <= set(operation["responses"]), (method, path)


def test_the_renamed_database_error_code_is_announced_where_clients_read_codes(
    spec: dict[str, Any],
) -> None:
    # docs/api-changes.md, 2026-12-07: a client still comparing with the old code learns the new
    # one from the document it generates from.
    code = spec["components"]["schemas"]["ErrorBody"]["properties"]["code"]["description"]
    unavailable = {
        answer["description"]
        for _, _, operation in operations(spec)
        for status, answer in operation["responses"].items()
        if status == "503"
    }
    assert unavailable
    for words in (code, *unavailable):
        assert "LAKEBASE_NOT_CONFIGURED" in words
        assert "DATABASE_NOT_CONFIGURED" in words


@pytest.mark.parametrize("key", KEYS)
def test_the_key_schema_agrees_with_the_service(spec: dict[str, Any], key: str) -> None:
    body = spec["components"]["schemas"]["PreferenceIn"]["properties"]["key"]
    (path_param,) = spec["paths"]["/api/lakebase/preferences/{key}"]["get"]["parameters"]
    for schema in (body, path_param["schema"]):
        valid = Draft202012Validator(schema).is_valid(key)
        assert valid == (key_problem(key) is None), (key, schema)
    assert re.compile(body["pattern"])


@pytest.mark.parametrize("inputs", INPUTS, ids=[str(i) for i in range(len(INPUTS))])
def test_the_inputs_schema_agrees_with_the_service(spec: dict[str, Any], inputs: Any) -> None:
    schema = spec["components"]["schemas"]["InvokeRequest"]["properties"]["inputs"]

    valid = Draft202012Validator(schema).is_valid(inputs)

    assert valid == (input_problem(inputs) is None), input_problem(inputs)
