"""Preference requests refused in the error envelope, naming what is wrong: keys that
break the rules (in the body or the path), values over 64 KiB or not JSON, and bodies too
large, streamed without a length, malformed or broken; the server stays healthy."""

from __future__ import annotations

import httpx
import pytest
from pydantic import ValidationError

from fake_workspace.reference import ALICE
from server.db.database import Database
from server.models.user_preference import PreferenceIn
from tests.harness import auth
from tests.integration.api import JSON, PREFS, post_pref, pref_url
from tests.integration.expectations import assert_error
from tests.integration.rows import preference_count

# Acts as the fake workspace's seeded users; integration/live/ covers live mode.
pytestmark = pytest.mark.fake_only


@pytest.mark.parametrize(
    "key",
    [
        pytest.param("", id="empty"),
        pytest.param("k" * 129, id="too-long"),
        pytest.param("has space", id="space"),
        pytest.param("a/b", id="slash"),
        pytest.param("bell\x07", id="control-char"),
        pytest.param("tab\tkey", id="tab"),
        pytest.param("emoji😀", id="emoji-symbol"),
    ],
)
async def test_invalid_keys_are_refused_naming_the_field(
    client: httpx.AsyncClient, database: Database, key: str
) -> None:
    response = await post_pref(client, key, "x")

    error = assert_error(response, 400, "INVALID_PREFERENCE")
    assert error["details"][0]["field"] == "key"
    assert await preference_count(database, ALICE.user_name) == 0


async def test_longest_valid_key_is_accepted(client: httpx.AsyncClient) -> None:
    response = await post_pref(client, "é" * 128, 1)
    assert response.status_code == 201


async def test_invalid_key_in_path_is_400(client: httpx.AsyncClient) -> None:
    response = await client.get(pref_url("has space"), headers=auth(ALICE.token))
    assert_error(response, 400, "INVALID_PREFERENCE")


async def test_value_over_64_kib_is_413(client: httpx.AsyncClient, database: Database) -> None:
    response = await post_pref(client, "big", "x" * (64 * 1024))

    error = assert_error(response, 413, "PAYLOAD_TOO_LARGE")
    assert error["details"][0]["limit_bytes"] == 64 * 1024
    assert await preference_count(database, ALICE.user_name) == 0


async def test_ten_megabyte_body_is_refused_and_server_stays_healthy(
    client: httpx.AsyncClient, database: Database
) -> None:
    huge = b'{"key": "huge", "value": "' + b"x" * (10 * 1024 * 1024) + b'"}'

    response = await client.post(
        PREFS, content=huge, headers={**auth(ALICE.token), "Content-Type": "application/json"}
    )

    error = assert_error(response, 413, "PAYLOAD_TOO_LARGE")
    assert error["details"] == [{"field": "body", "limit_bytes": 1024 * 1024}]
    assert error["message"] == (
        "The request body is larger than the limit of 1048576 bytes for this route."
    )
    # Refused by its Content-Length, unread: the connection cannot carry another request.
    assert response.headers["connection"] == "close"
    assert (await client.get("/health")).status_code == 200
    assert (await post_pref(client, "after", 1)).status_code == 201
    assert await preference_count(database, ALICE.user_name) == 1


async def test_body_streamed_without_length_is_cut_at_the_limit(
    client: httpx.AsyncClient,
) -> None:
    async def chunks():
        for _ in range(20):
            yield b"x" * (128 * 1024)

    response = await client.post(
        PREFS, content=chunks(), headers={**auth(ALICE.token), "Content-Type": "application/json"}
    )

    # Found while streaming, it is the same refusal as by Content-Length.
    error = assert_error(response, 413, "PAYLOAD_TOO_LARGE")
    assert "1048576" in error["message"]
    assert error["details"] == [{"field": "body", "limit_bytes": 1024 * 1024}]


@pytest.mark.parametrize(
    ("body", "field", "kind"),
    [
        pytest.param({"value": 1}, "key", "missing", id="no-key"),
        pytest.param({"key": "k"}, "value", "missing", id="no-value"),
        pytest.param({"key": "k", "value": 1, "extra": 2}, "extra", "extra_forbidden", id="extra"),
        pytest.param([1, 2], "body", "model_attributes_type", id="not-an-object"),
    ],
)
async def test_malformed_bodies_get_400_with_field_details(
    client: httpx.AsyncClient, body: object, field: str, kind: str
) -> None:
    response = await client.post(PREFS, json=body, headers=auth(ALICE.token))

    error = assert_error(response, 400, "INVALID_REQUEST")
    assert error["message"] == "The request is not valid; see details for each field."
    [detail] = error["details"]
    assert (detail["field"], detail["location"], detail["type"]) == (field, "body", kind)
    # pydantic's own words for the problem, whatever its version says.
    with pytest.raises(ValidationError) as refused:
        PreferenceIn.model_validate(body)
    words = refused.value.errors()[0]["msg"]
    assert detail["message"].split(" or ")[0] == words.split(" or ")[0]


async def test_a_bad_query_parameter_is_named_with_its_location(client: httpx.AsyncClient) -> None:
    response = await client.get(PREFS, params={"limit": "0"}, headers=auth(ALICE.token))

    [detail] = assert_error(response, 400, "INVALID_REQUEST")["details"]
    assert (detail["field"], detail["location"], detail["type"]) == (
        "limit",
        "query",
        "greater_than_equal",
    )
    assert "1" in detail["message"]


async def test_broken_json_is_400_not_500(client: httpx.AsyncClient) -> None:
    response = await client.post(
        PREFS,
        content=b'{"key": ',
        headers={**auth(ALICE.token), "Content-Type": "application/json"},
    )
    assert_error(response, 400, "INVALID_REQUEST")


async def test_nan_value_is_refused_as_not_json(client: httpx.AsyncClient) -> None:
    headers = {**auth(ALICE.token), "Content-Type": "application/json"}
    response = await client.post(PREFS, content=b'{"key": "k", "value": NaN}', headers=headers)
    assert_error(response, 400, "INVALID_PREFERENCE")


async def test_lone_surrogate_in_a_preference_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/lakebase/preferences",
        content=b'{"key": "k", "value": "\\ud800"}',
        headers={**auth(ALICE.token), **JSON},
    )
    assert_error(response, 400, "INVALID_PREFERENCE")
