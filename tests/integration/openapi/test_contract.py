"""Every endpoint answers what the app's own OpenAPI document promises, errors included.

The calls are the route table's (tests/integration/routes.py), at least one per route. One
test per call, each on its own: a call that needs state (a saved preference, a logged inference)
makes it first through the API, so the order the tests run in does not matter.
"""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from jsonschema import Draft202012Validator

from fake_workspace.reference import ALICE
from tests.harness import auth
from tests.integration.api import LOGS
from tests.integration.routes import CALLS, ROUTES, Call

pytestmark = pytest.mark.fake_only


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


def test_every_call_is_an_instance_of_its_route(client) -> None:
    spec = client.app.openapi()
    misplaced = [
        str(call)
        for route in ROUTES
        for call in route.calls
        if _template(spec, call.method, call.path) != route.template
    ]
    assert misplaced == []


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
