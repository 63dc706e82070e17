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
from tests.integration.routes import ROUTES

pytestmark = pytest.mark.fake_only

# (method, path template) -> every status the route answers (tests/integration/routes.py).
PROMISES: dict[tuple[str, str], set[int]] = {r.key: set(r.statuses) for r in ROUTES}


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
