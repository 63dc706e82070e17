"""Generated requests against the app's OpenAPI document: no 5xx, and status code, content type
and body as documented. Stateless (every operation on its own) and stateful (links between
operations). A failure prints the reproducing request (schemathesis shows it as curl)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import httpx
import hypothesis
import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from fake_workspace.reference import ALICE
from server.app import create_app
from server.deps import TOKEN_HEADER
from tests.fuzz import reference_values as ref
from tests.fuzz.sent import Sent
from tests.harness.settings import isolated_settings

pytestmark = pytest.mark.fake_only

AUTH = {TOKEN_HEADER: ALICE.token}
PREFERENCES = "/api/lakebase/preferences"
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

# Half of the generated values stay as schemathesis made them; the other half name things the
# fake workspace really has, so requests reach rows, models and stored preferences.
QUERY_STEERING: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "/api/unity-catalog/schemas": st.fixed_dictionaries({"catalog": ref.catalog_names}),
    "/api/unity-catalog/table-names": ref.schema_refs.map(
        lambda s: {"catalog": s[0], "schema": s[1]}
    ),
    "/api/unity-catalog/tables": ref.schema_refs.map(lambda s: {"catalog": s[0], "schema": s[1]}),
    "/api/unity-catalog/query": ref.query_params(),
    "/api/model-serving/logs": st.fixed_dictionaries({"endpoint_name": ref.endpoint_names}),
}
BODY_STEERING: dict[str, st.SearchStrategy[Any]] = {
    "/api/unity-catalog/query": ref.query_bodies(),
    "/api/model-serving/invoke": ref.invoke_bodies(),
    "/api/lakebase/preferences": st.fixed_dictionaries(
        {"key": ref.preference_keys, "value": st.one_of(ref.scalars, st.lists(ref.scalars))}
    ),
}
PATH_STEERING: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "/api/lakebase/preferences/{key}": st.fixed_dictionaries({"key": ref.preference_keys}),
    "/api/model-serving/endpoints/{name}": st.fixed_dictionaries({"name": ref.endpoint_names}),
    "/api/model-serving/endpoints/{name}/schema": st.fixed_dictionaries(
        {"name": ref.endpoint_names}
    ),
}


def _steer(
    table: dict[str, st.SearchStrategy[Any]],
    context: schemathesis.HookContext,
    strategy: st.SearchStrategy[Any],
) -> st.SearchStrategy[Any]:
    operation = context.operation
    steered = table.get(operation.path) if operation is not None else None
    return strategy if steered is None else st.one_of(strategy, steered)


@schemathesis.hook
def before_generate_query(
    context: schemathesis.HookContext, strategy: st.SearchStrategy[Any]
) -> st.SearchStrategy[Any]:
    return _steer(QUERY_STEERING, context, strategy)


@schemathesis.hook
def before_generate_body(
    context: schemathesis.HookContext, strategy: st.SearchStrategy[Any]
) -> st.SearchStrategy[Any]:
    return _steer(BODY_STEERING, context, strategy)


@schemathesis.hook
def before_generate_path_parameters(
    context: schemathesis.HookContext, strategy: st.SearchStrategy[Any]
) -> st.SearchStrategy[Any]:
    return _steer(PATH_STEERING, context, strategy)


# The operations, read from the app's document without starting it (collection needs them).
OPERATIONS = sorted(
    (method.upper(), path)
    for path, item in create_app(isolated_settings()).openapi()["paths"].items()
    for method in item
)


def _settings(max_examples: int) -> hypothesis.settings:
    return hypothesis.settings(
        max_examples=max_examples,
        deadline=None,  # real HTTP on a shared machine: no timing
        suppress_health_check=list(hypothesis.HealthCheck),
        stateful_step_count=10,
        database=None,  # no replay of old examples against a server whose state moved on
        print_blob=True,  # a failure prints how to reproduce it
    )


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_every_operation_answers_as_documented(
    api_schema: schemathesis.BaseSchema, pytestconfig: pytest.Config, method: str, path: str
) -> None:
    operation = api_schema[path][method]

    @hypothesis.given(case=operation.as_strategy())
    @_settings(pytestconfig.getoption("--max-examples"))
    def fuzz(case: schemathesis.Case) -> None:
        response = case.call(headers=AUTH)
        Sent.record(response.status_code)
        case.validate_response(response, checks=CHECKS, headers=AUTH)

    fuzz()


def _forget_preferences(app_url: str) -> None:
    """Each scenario starts from no stored preferences, so that which links can be followed
    (a 200 or a 404 on a key) depends only on the scenario, as Hypothesis requires."""
    with httpx.Client(base_url=app_url, headers=AUTH) as http:
        page = http.get(PREFERENCES, params={"limit": 1000}).json()
        for item in page["items"]:
            http.delete(f"{PREFERENCES}/{quote(item['key'], safe='')}")


def test_sequences_of_operations_answer_as_documented(
    api_schema: schemathesis.BaseSchema, app_url: str, pytestconfig: pytest.Config
) -> None:
    class Workflow(api_schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            _forget_preferences(app_url)

        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
            return {"headers": AUTH}

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            Sent.record(response.status_code)
            case.validate_response(response, checks=CHECKS, headers=AUTH)

    Workflow.run(settings=_settings(max(1, pytestconfig.getoption("--max-examples") // 3)))
