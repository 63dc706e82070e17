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

from fake_workspace.reference.identities import ALICE
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
MEANING = {
    400: "Invalid request",
    401: "Missing or rejected user token",
    403: "Permission denied",
    404: "Not found",
    409: "Conflict",
    413: "Payload too large",
    502: "Upstream error",
    503: "A dependency is unavailable; see Retry-After",
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
def test_each_error_status_is_the_envelope_with_its_meaning(
    document: dict[str, Any], method: str, path: str
) -> None:
    responses = operations(document)[(method, path)]["responses"]
    for status in PROMISES[(method, path)] - {200, 201, 204}:
        answer = responses[str(status)]
        schema = answer["content"]["application/json"]["schema"]
        assert answer["description"] == MEANING[status], (status, answer)
        assert schema == {"$ref": "#/components/schemas/ErrorEnvelope"}, (status, schema)


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
