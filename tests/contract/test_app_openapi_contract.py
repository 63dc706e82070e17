"""Every endpoint answers what the app's own OpenAPI document promises, errors included."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator

from tests.fakes.reference.identities import ALICE
from tests.harness import auth

pytestmark = pytest.mark.fake_only

# (method, concrete path, JSON body, expected status): at least one call per operation.
CALLS: list[tuple[str, str, Any, int]] = [
    ("GET", "/health", None, 200),
    ("GET", "/ready", None, 200),
    ("HEAD", "/health", None, 200),
    ("HEAD", "/ready", None, 200),
    ("GET", "/api/user/auth/status", None, 200),
    ("GET", "/api/user/me", None, 200),
    ("GET", "/api/user/me/workspace", None, 200),
    ("POST", "/api/lakebase/preferences", {"key": "theme", "value": {"a": [1]}}, 201),
    ("POST", "/api/lakebase/preferences", {"key": "theme", "value": "dark"}, 200),
    ("GET", "/api/lakebase/preferences", None, 200),
    ("GET", "/api/lakebase/preferences/theme", None, 200),
    ("DELETE", "/api/lakebase/preferences/theme", None, 204),
    ("GET", "/api/lakebase/preferences/theme", None, 404),
    ("POST", "/api/lakebase/preferences", {"key": "bad key", "value": 1}, 400),
    ("GET", "/api/unity-catalog/catalogs", None, 200),
    ("GET", "/api/unity-catalog/schemas?catalog=main", None, 200),
    ("GET", "/api/unity-catalog/table-names?catalog=main&schema=sales", None, 200),
    ("GET", "/api/unity-catalog/tables?catalog=main&schema=sales", None, 200),
    ("GET", "/api/unity-catalog/query?catalog=main&schema=sales&table=orders&limit=5", None, 200),
    ("GET", "/api/unity-catalog/query?catalog=main&schema=sales&table=nope", None, 404),
    ("GET", "/api/unity-catalog/query?catalog=restricted&schema=secret&table=salaries", None, 403),
    (
        "POST",
        "/api/unity-catalog/query",
        {
            "catalog": "main",
            "schema": "sales",
            "table": "orders",
            "limit": 3,
            "filters": [{"column": "order_id", "op": "<=", "value": 3}],
        },
        200,
    ),
    ("GET", "/api/model-serving/endpoints", None, 200),
    ("GET", "/api/model-serving/endpoints/fraud-detector", None, 200),
    ("GET", "/api/model-serving/endpoints/no-such-endpoint", None, 404),
    ("GET", "/api/model-serving/endpoints/fraud-detector/schema", None, 200),
    (
        "POST",
        "/api/model-serving/invoke",
        {
            "endpoint_name": "fraud-detector",
            "inputs": {
                "dataframe_split": {
                    "columns": ["amount", "merchant_score", "hour"],
                    "data": [[100.0, 0.5, 3]],
                }
            },
        },
        200,
    ),
    ("POST", "/api/model-serving/invoke", {"endpoint_name": "fraud-detector", "inputs": {}}, 400),
    ("GET", "/api/model-serving/logs", None, 200),
]


def _operation(spec: dict[str, Any], method: str, path: str) -> dict[str, Any]:
    bare = path.split("?", 1)[0]
    for template, operations in spec["paths"].items():
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, bare) and method.lower() in operations:
            return dict(operations[method.lower()])
    raise AssertionError(f"{method} {bare} is not in the OpenAPI document")


def _validate(spec: dict[str, Any], method: str, path: str, response: httpx.Response) -> None:
    operation = _operation(spec, method, path)
    documented = operation["responses"].get(str(response.status_code))
    assert documented is not None, (
        f"{method} {path} answered {response.status_code}, which its OpenAPI entry does not list"
    )
    if response.status_code == 204 or method == "HEAD":
        assert response.content == b""
        return
    schema = documented["content"]["application/json"]["schema"]
    validator = Draft202012Validator({**schema, "components": spec["components"]})
    errors = sorted(validator.iter_errors(response.json()), key=str)
    assert not errors, f"{method} {path}: {errors[0].message} at {list(errors[0].absolute_path)}"


def test_every_operation_is_exercised(client) -> None:
    spec = client.app.openapi()
    exercised = {
        (method.lower(), template)
        for method, path, _, _ in CALLS
        for template, operations in spec["paths"].items()
        if method.lower() in operations
        and re.match(
            "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$",
            path.split("?", 1)[0],
        )
    }
    every = {(m, t) for t, ops in spec["paths"].items() for m in ops}
    assert every - exercised == set()


async def test_responses_match_the_openapi_document(client) -> None:
    spec = client.app.openapi()
    for method, path, body, status in CALLS:
        response = await client.request(method, path, json=body, headers=auth(ALICE.token))
        assert response.status_code == status, f"{method} {path}: {response.text}"
        _validate(spec, method, path, response)


async def test_error_answers_match_the_openapi_document(client) -> None:
    spec = client.app.openapi()
    for method, path in (("GET", "/api/user/me"), ("GET", "/api/model-serving/logs")):
        response = await client.request(method, path)
        assert response.status_code == 401
        _validate(spec, method, path, response)
