"""Every endpoint answers what the app's own OpenAPI document promises, errors included.

One test per call, each on its own: a call that needs state (a saved preference, a logged
inference) makes it first through the API, so the order the tests run in does not matter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator

from fake_workspace.reference import ALICE
from tests.harness import auth
from tests.integration.api import INVOKE, LOGS, MS, PREFS, UC, fraud_inputs

pytestmark = pytest.mark.fake_only


@dataclass(frozen=True)
class Call:
    method: str
    path: str  # concrete, with its query string
    status: int  # what the call must answer
    body: Any = None
    given: tuple[tuple[str, str, Any], ...] = ()  # (method, path, body) made first, each 2xx

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.status}"


THEME_SAVED = (("POST", PREFS, {"key": "theme", "value": {"a": [1]}}),)
INVOCATION = {"endpoint_name": "fraud-detector", "inputs": fraud_inputs([[100.0, 0.5, 3]])}

# At least one call per operation.
CALLS = [
    Call("GET", "/health", 200),
    Call("GET", "/ready", 200),
    Call("HEAD", "/health", 200),
    Call("HEAD", "/ready", 200),
    Call("GET", "/api/user/auth/status", 200),
    Call("GET", "/api/user/me", 200),
    Call("GET", "/api/user/me/workspace", 200),
    Call("POST", PREFS, 201, {"key": "theme", "value": {"a": [1]}}),
    Call("POST", PREFS, 200, {"key": "theme", "value": "dark"}, given=THEME_SAVED),
    Call("GET", PREFS, 200, given=THEME_SAVED),
    Call("GET", f"{PREFS}/theme", 200, given=THEME_SAVED),
    Call("DELETE", f"{PREFS}/theme", 204, given=THEME_SAVED),
    Call("GET", f"{PREFS}/theme", 404),
    Call("POST", PREFS, 400, {"key": "bad key", "value": 1}),
    Call("GET", f"{UC}/catalogs", 200),
    Call("GET", f"{UC}/schemas?catalog=main", 200),
    Call("GET", f"{UC}/table-names?catalog=main&schema=sales", 200),
    Call("GET", f"{UC}/tables?catalog=main&schema=sales", 200),
    Call("GET", f"{UC}/query?catalog=main&schema=sales&table=orders&limit=5", 200),
    Call("GET", f"{UC}/query?catalog=main&schema=sales&table=nope", 404),
    Call("GET", f"{UC}/query?catalog=restricted&schema=secret&table=salaries", 403),
    Call(
        "POST",
        f"{UC}/query",
        200,
        {
            "catalog": "main",
            "schema": "sales",
            "table": "orders",
            "limit": 3,
            "filters": [{"column": "order_id", "op": "<=", "value": 3}],
        },
    ),
    Call("GET", f"{MS}/endpoints", 200),
    Call("GET", f"{MS}/endpoints/fraud-detector", 200),
    Call("GET", f"{MS}/endpoints/no-such-endpoint", 404),
    Call("GET", f"{MS}/endpoints/fraud-detector/schema", 200),
    Call("POST", INVOKE, 200, INVOCATION),
    Call("POST", INVOKE, 400, {"endpoint_name": "fraud-detector", "inputs": {}}),
    Call("GET", LOGS, 200, given=(("POST", INVOKE, INVOCATION),)),
]

# Without a token: the 401 envelope, as documented.
UNAUTHENTICATED = [Call("GET", "/api/user/me", 401), Call("GET", LOGS, 401)]


def _template(spec: dict[str, Any], method: str, path: str) -> str | None:
    """The OpenAPI path template that `method path` is an instance of, if any."""
    bare = path.split("?", 1)[0]
    for template, operations in spec["paths"].items():
        pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$"
        if re.match(pattern, bare) and method.lower() in operations:
            return str(template)
    return None


def _validate(spec: dict[str, Any], call: Call, response: httpx.Response) -> None:
    template = _template(spec, call.method, call.path)
    assert template is not None, f"{call.method} {call.path} is not in the OpenAPI document"
    operation = spec["paths"][template][call.method.lower()]
    documented = operation["responses"].get(str(response.status_code))
    assert documented is not None, (
        f"{call} answered {response.status_code}, which its OpenAPI entry does not list"
    )
    if response.status_code == 204 or call.method == "HEAD":
        assert response.content == b""
        return
    schema = documented["content"]["application/json"]["schema"]
    validator = Draft202012Validator({**schema, "components": spec["components"]})
    errors = sorted(validator.iter_errors(response.json()), key=str)
    assert not errors, f"{call}: {errors[0].message} at {list(errors[0].absolute_path)}"


def test_every_operation_is_exercised(client) -> None:
    spec = client.app.openapi()
    exercised = {(call.method.lower(), _template(spec, call.method, call.path)) for call in CALLS}
    every = {(m, t) for t, ops in spec["paths"].items() for m in ops}
    assert every - exercised == set()


@pytest.mark.parametrize("call", CALLS, ids=str)
async def test_response_matches_the_openapi_document(client, call: Call) -> None:
    for method, path, body in call.given:
        before = await client.request(method, path, json=body, headers=auth(ALICE.token))
        assert before.is_success, f"{method} {path}: {before.text}"

    response = await client.request(
        call.method, call.path, json=call.body, headers=auth(ALICE.token)
    )

    assert response.status_code == call.status, f"{call}: {response.text}"
    _validate(client.app.openapi(), call, response)


@pytest.mark.parametrize("call", UNAUTHENTICATED, ids=str)
async def test_error_answer_matches_the_openapi_document(client, call: Call) -> None:
    response = await client.request(call.method, call.path)

    assert response.status_code == call.status
    _validate(client.app.openapi(), call, response)
