"""What an outside probe of the API found (issue 11): each answer is the error envelope with the
right status, nothing is stored or sent to Databricks on the way, and no input leaves a user
unable to read their own data."""

from __future__ import annotations

import httpx
import pytest

from fake_workspace.reference.identities import ALICE
from fake_workspace.routes import Route
from fake_workspace.server import FakeWorkspace
from tests.harness import auth
from tests.integration.api import INVOKE
from tests.integration.expectations import assert_error

pytestmark = pytest.mark.fake_only


# --- defect 4: JSON booleans and floats are not integers -------------------------------------


@pytest.mark.parametrize("value", [True, 1.0, 30.5, "30"])
async def test_invoke_timeout_must_be_an_integer(
    client: httpx.AsyncClient, fake: FakeWorkspace, value: object
) -> None:
    body = {
        "endpoint_name": "fraud-detector",
        "inputs": {"dataframe_records": [{"amount": 1.0}]},
        "timeout_seconds": value,
    }

    response = await client.post(INVOKE, json=body, headers=auth(ALICE.token))

    error = assert_error(response, 400, "INVALID_REQUEST")
    assert error["details"][0]["field"] == "timeout_seconds"
    assert fake.requests_for(Route.INVOCATIONS) == []
