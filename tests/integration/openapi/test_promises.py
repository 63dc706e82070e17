"""What the OpenAPI document promises a client, route by route: exactly the statuses each
route can answer, each error one documented as the error envelope with its meaning.

The contract test (tests/contract) checks that every status a route answers is documented;
this checks the other direction, so a documented status that the route never answers (a 404
become 405, a 413 become 414) or a missing one fails here.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from fake_workspace.reference import ALICE
from tests.harness import auth
from tests.integration.expectations import assert_error

pytestmark = pytest.mark.fake_only

# Every route behind the user's token: a bad request, a refused token, Databricks failing, a
# dependency down.
AUTHENTICATED = {400, 401, 502, 503}
# (method, path template) -> every status the route answers. The app answers validation errors
# with 400 in its envelope, and its document says so: no 422 anywhere.
PROMISES: dict[tuple[str, str], set[int]] = {
    ("get", "/health"): {200},
    ("head", "/health"): {200},
    ("get", "/ready"): {200, 503},
    ("head", "/ready"): {200, 503},
    ("get", "/api/user/auth/status"): {200, 502, 503},
    ("get", "/api/user/me"): {200} | AUTHENTICATED,
    ("get", "/api/user/me/workspace"): {200} | AUTHENTICATED,
    ("get", "/api/lakebase/preferences"): {200} | AUTHENTICATED,
    ("post", "/api/lakebase/preferences"): {200, 201, 413} | AUTHENTICATED,
    ("get", "/api/lakebase/preferences/{key}"): {200, 404} | AUTHENTICATED,
    ("delete", "/api/lakebase/preferences/{key}"): {204, 404} | AUTHENTICATED,
    ("get", "/api/unity-catalog/catalogs"): {200, 403} | AUTHENTICATED,
    ("get", "/api/unity-catalog/schemas"): {200, 403, 404} | AUTHENTICATED,
    ("get", "/api/unity-catalog/table-names"): {200, 403, 404} | AUTHENTICATED,
    ("get", "/api/unity-catalog/tables"): {200, 403, 404} | AUTHENTICATED,
    ("get", "/api/unity-catalog/query"): {200, 403, 404} | AUTHENTICATED,
    ("post", "/api/unity-catalog/query"): {200, 403, 404, 413} | AUTHENTICATED,
    ("get", "/api/model-serving/endpoints"): {200, 403} | AUTHENTICATED,
    ("get", "/api/model-serving/endpoints/{name}"): {200, 403, 404} | AUTHENTICATED,
    ("get", "/api/model-serving/endpoints/{name}/schema"): {200, 403, 404} | AUTHENTICATED,
    ("post", "/api/model-serving/invoke"): {200, 403, 404, 409, 413} | AUTHENTICATED,
    ("get", "/api/model-serving/logs"): {200} | AUTHENTICATED,
}


@pytest.fixture
def document(client: httpx.AsyncClient) -> dict[str, Any]:
    spec: dict[str, Any] = client.app.openapi()  # type: ignore[attr-defined]
    return spec


def operations(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method, path): operation
        for path, by_method in document["paths"].items()
        for method, operation in by_method.items()
    }


def test_every_route_is_promised_and_nothing_else(document: dict[str, Any]) -> None:
    assert set(operations(document)) == set(PROMISES)


@pytest.mark.parametrize(("method", "path"), list(PROMISES), ids=" ".join)
def test_a_route_documents_exactly_the_statuses_it_answers(
    document: dict[str, Any], method: str, path: str
) -> None:
    documented = {int(status) for status in operations(document)[(method, path)]["responses"]}

    assert documented == PROMISES[(method, path)]


@pytest.mark.parametrize(("method", "path"), list(PROMISES), ids=" ".join)
def test_each_error_status_is_the_envelope(
    document: dict[str, Any], method: str, path: str
) -> None:
    responses = operations(document)[(method, path)]["responses"]
    for status in PROMISES[(method, path)] - {200, 201, 204}:
        schema = responses[str(status)]["content"]["application/json"]["schema"]
        assert schema == {"$ref": "#/components/schemas/ErrorEnvelope"}, (status, schema)


def test_an_error_status_means_the_same_on_every_route(document: dict[str, Any]) -> None:
    meanings: dict[int, set[str]] = {}
    for operation in operations(document).values():
        for status, answer in operation["responses"].items():
            if int(status) >= 400:
                meanings.setdefault(int(status), set()).add(answer["description"])

    assert set(meanings) == {s for promised in PROMISES.values() for s in promised if s >= 400}
    # One meaning per status, said in words, not FastAPI's generic "Error".
    assert all(len(descriptions) == 1 for descriptions in meanings.values()), meanings
    meaning = {status: descriptions.pop() for status, descriptions in meanings.items()}
    assert not {status for status, words in meaning.items() if words in {"", "Error"}}, meaning
    # The one status a client should wait on says how to know how long.
    assert "Retry-After" in meaning[503]


def test_an_update_is_documented_as_200_beside_the_201_of_a_creation(
    document: dict[str, Any],
) -> None:
    responses = operations(document)[("post", "/api/lakebase/preferences")]["responses"]

    assert responses["201"]["content"] == responses["200"]["content"]
    assert responses["200"]["description"] == "Updated"


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code"),
    [
        pytest.param(
            "POST",
            "/api/lakebase/preferences",
            {"key": "big", "value": "x" * 70_000},
            413,
            "PAYLOAD_TOO_LARGE",
            id="413-preference",
        ),
        pytest.param(
            "DELETE",
            "/api/lakebase/preferences/never-saved",
            None,
            404,
            "PREFERENCE_NOT_FOUND",
            id="404-delete",
        ),
        pytest.param(
            "GET",
            "/api/lakebase/preferences/has%20space",
            None,
            400,
            "INVALID_PREFERENCE",
            id="400-key",
        ),
    ],
)
async def test_promised_errors_are_answered(
    client: httpx.AsyncClient,
    document: dict[str, Any],
    method: str,
    path: str,
    body: object,
    status: int,
    code: str,
) -> None:
    response = await client.request(method, path, json=body, headers=auth(ALICE.token))

    assert_error(response, status, code)
    template = path.rsplit("/", 1)[0] + "/{key}" if method != "POST" else path
    assert status in PROMISES[(method.lower(), template)]
