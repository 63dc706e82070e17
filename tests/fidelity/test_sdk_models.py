"""Every answer the fake gives, decoded by the SDK class the SDK itself uses for that call
(or, for an error, by the SDK's error parser), must come back whole."""

from __future__ import annotations

import json

import httpx
import pytest
from databricks.sdk.errors.details import parse_error_details

from fake_workspace import FakeWorkspace
from tests.fidelity.catalogue import Case, EmptyAnswer, all_cases
from tests.fidelity.conftest import Tally
from tests.fidelity.judge import lost_in_round_trip, sdk_error
from tests.fidelity.recorded import ERROR_DETAIL_TYPES

CASES = all_cases()


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_the_sdk_model_keeps_every_key_and_value(
    case: Case, fake: FakeWorkspace, http: httpx.Client, tally: Tally
) -> None:
    response = case.call(fake, http)
    body = response.json()
    if case.model is None:
        assert response.status_code >= 400, f"{case.id} should be an error: {body}"
        judge_error(case, response, body)
    elif case.model is EmptyAnswer:
        assert (response.status_code, body) == (200, {})
    else:
        assert response.status_code == 200, body
        # The generated models leave out what is unset; HostMetadata writes None for it.
        back = {k: v for k, v in case.model.from_dict(body).as_dict().items() if v is not None}
        assert case.route is not None
        assert lost_in_round_trip(body, back, case.route.template) == []
    tally.sdk.add(case.id)


def judge_error(case: Case, response: httpx.Response, body: dict[str, object]) -> None:
    """The SDK reads error_code, message and every detail; nothing else is in the body."""
    error = sdk_error(response.status_code, response.content, dict(response.headers))
    assert error is not None
    assert set(body) == {"error_code", "message", "details"}, body
    assert error.error_code == body["error_code"]
    assert str(error) == body["message"]
    details = parse_error_details(body["details"])  # type: ignore[arg-type]
    assert details.unknown_details == [], details
    assert details.request_info is not None
    assert details.request_info.request_id
    # The detail types a real error carries (the recorded 404): an ErrorInfo, whose reason is
    # what the SDK's get_error_info() reads, beside the RequestInfo.
    assert {d["@type"] for d in body["details"]} == ERROR_DETAIL_TYPES  # type: ignore[index,union-attr]
    assert details.error_info is not None
    assert details.error_info.reason
    assert [d.type for d in error.details] == [d["@type"] for d in body["details"]]  # type: ignore[index,union-attr]
    json.dumps(body)  # plain JSON, nothing else
