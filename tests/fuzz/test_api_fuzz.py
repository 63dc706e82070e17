"""Generated requests against the app's OpenAPI document, in both directions: every schema-valid
request is accepted (positive_data_acceptance) and every schema-violating one refused
(negative_data_rejection), no 5xx, and status code, content type and body as documented.

Per operation (schemathesis's pytest plugin, one test each): the examples phase, the
coverage phase (every declared length, pattern, range and enum at its boundary, just inside and
just outside, plus missing and wrongly typed values) and the fuzzing phase (valid requests, half
of them steered to the fake's reference data). Then sequences that follow the links between
operations. A failure prints the reproducing request (schemathesis shows it as curl).
"""

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
    allow_header_conformance,
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from server.services.preference_service import nested_too_deep
from tests.fuzz import document
from tests.fuzz import reference_values as ref
from tests.fuzz.document import AUTH
from tests.fuzz.sent import Sent
from tests.harness.settings import app_document
from tests.integration.api import PREFS, QUERY

pytestmark = pytest.mark.fake_only


def _columns_named(body: Any) -> set[str]:
    """The columns a query body's filters and sort keys name, case-folded."""
    keys = [*body.get("filters", []), *body.get("order_by", [])] if isinstance(body, dict) else []
    return {key["column"].casefold() for key in keys if isinstance(key, dict)}


def only_the_undeclarable_rules(ctx: Any, response: Any, case: schemathesis.Case) -> bool | None:
    """A schema-valid request refused with 400 on a marked operation broke one of the rules
    JSON Schema cannot state (tests/fuzz/document.py), and nothing else."""
    positive = case.meta is not None and case.meta.generation.mode.is_positive
    operation = (case.method.upper(), case.operation.path)
    if not positive or response.status_code != 400 or operation not in document.MARKED:
        return None
    error = response.json()["error"]
    if operation[1] == PREFS:
        assert error["code"] == "INVALID_PREFERENCE", error
        # A value nested past the limit (PreferenceIn.value says so: JSON Schema could only
        # state it by spelling out every level).
        assert nested_too_deep(case.body["value"]), error
        return None
    if error["code"] == "INVALID_REQUEST":
        for detail in error["details"]:
            value = case.body.get(detail["field"]) if isinstance(case.body, dict) else None
            assert detail["field"] in document.WHOLE_NUMBERS[operation], error
            assert isinstance(value, float), (error, value)
            assert value.is_integer(), (error, value)
        return None
    if operation[1] == QUERY:
        assert error["code"] == "INVALID_QUERY", error
        assert error["details"]["column"].casefold() in _columns_named(case.body), error
        return None
    assert error["code"] == "INVALID_INPUT", error
    refused_by_model = isinstance(error["details"], dict) and error["details"].get("model_status")
    assert refused_by_model == 400 or document.ROW_LENGTH_RULE.fullmatch(error["message"]), error
    return None


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    positive_data_acceptance,
    negative_data_rejection,
    # The coverage phase also sends the methods a path does not document: 405 with an Allow
    # header, which must list exactly the path's documented methods (RFC 9110).
    unsupported_method,
    allow_header_conformance,
    only_the_undeclarable_rules,
]
CHECK_NAMES = [check.__name__ for check in CHECKS]

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


def before_generate_query(
    context: schemathesis.HookContext, strategy: st.SearchStrategy[Any]
) -> st.SearchStrategy[Any]:
    return _steer(QUERY_STEERING, context, strategy)


def before_generate_body(
    context: schemathesis.HookContext, strategy: st.SearchStrategy[Any]
) -> st.SearchStrategy[Any]:
    return _steer(BODY_STEERING, context, strategy)


def before_generate_path_parameters(
    context: schemathesis.HookContext, strategy: st.SearchStrategy[Any]
) -> st.SearchStrategy[Any]:
    return _steer(PATH_STEERING, context, strategy)


def steered(api_schema: schemathesis.BaseSchema) -> schemathesis.BaseSchema:
    """`api_schema` with the steering hooks, on it alone: a schema that draws schema-violating
    values must not have them swapped for reference data that may be valid."""
    for hook in (before_generate_query, before_generate_body, before_generate_path_parameters):
        api_schema.hook(hook)
    return api_schema


# Read without starting the app: the plugin makes a test of each operation as it collects them.
schema = steered(document.load(app_document()))
# The fuzzing phase again, drawing only schema-violating requests (unsteered), each of which
# negative_data_rejection holds to a 4xx.
negative_schema = document.load_negative(app_document())


def _settings(max_examples: int) -> hypothesis.settings:
    return hypothesis.settings(
        max_examples=max_examples,
        deadline=None,  # real HTTP on a shared machine: no timing
        suppress_health_check=list(hypothesis.HealthCheck),
        stateful_step_count=10,
        database=None,  # no replay of old examples against a server whose state moved on
        print_blob=True,  # a failure prints how to reproduce it
    )


@schema.parametrize()
@hypothesis.settings(
    deadline=None, suppress_health_check=list(hypothesis.HealthCheck), database=None
)
def test_every_operation_answers_as_documented(app_url: str, case: schemathesis.Case) -> None:
    _call_and_check(app_url, case)


@negative_schema.parametrize()
@hypothesis.settings(
    deadline=None, suppress_health_check=list(hypothesis.HealthCheck), database=None
)
def test_every_operation_refuses_what_the_document_forbids(
    app_url: str, case: schemathesis.Case
) -> None:
    _call_and_check(app_url, case)


def _call_and_check(app_url: str, case: schemathesis.Case) -> None:
    response = case.call(base_url=app_url, headers=AUTH)
    Sent.record(response.status_code, case, CHECK_NAMES)
    case.validate_response(response, checks=CHECKS, headers=AUTH)


def _forget_preferences(app_url: str) -> None:
    """Each scenario starts from no stored preferences, so that which links can be followed
    (a 200 or a 404 on a key) depends only on the scenario, as Hypothesis requires."""
    with httpx.Client(base_url=app_url, headers=AUTH) as http:
        page = http.get(PREFS, params={"limit": 1000}).json()
        for item in page["items"]:
            http.delete(f"{PREFS}/{quote(item['key'], safe='')}")


def test_sequences_of_operations_answer_as_documented(
    api_schema: schemathesis.BaseSchema, app_url: str, pytestconfig: pytest.Config
) -> None:
    class Workflow(steered(api_schema).as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            _forget_preferences(app_url)

        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
            return {"headers": AUTH}

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            Sent.record(response.status_code, case, CHECK_NAMES)
            case.validate_response(response, checks=CHECKS, headers=AUTH)

    Workflow.run(settings=_settings(max(1, pytestconfig.getoption("--max-examples") // 3)))
