"""Preferences at their limits, through the API: the largest key and value that are stored,
the first that are refused, and the `details` a client reads to say why."""

from __future__ import annotations

import httpx
import pytest

from fake_workspace.reference import ALICE
from server.db.database import Database
from server.models.user_preference import PREFERENCE_KEY_MAX_LENGTH, PREFERENCE_VALUE_MAX_BYTES
from tests.harness import auth
from tests.integration.api import PREFS
from tests.integration.expectations import assert_error

pytestmark = pytest.mark.fake_only

LIMIT = 64 * 1024  # what clients are told; the constant must agree


async def save(client: httpx.AsyncClient, key: str, value: object) -> httpx.Response:
    return await client.post(PREFS, json={"key": key, "value": value}, headers=auth(ALICE.token))


def string_of_encoded_size(size: int, char: str = "x") -> str:
    """A string whose JSON text (quotes included) is `size` bytes of UTF-8."""
    width = len(char.encode())
    assert (size - 2) % width == 0
    return char * ((size - 2) // width)


def test_the_documented_limit_is_the_one_enforced() -> None:
    assert PREFERENCE_VALUE_MAX_BYTES == LIMIT


@pytest.mark.parametrize("char", ["x", "é"], ids=["ascii", "two-byte-utf8"])
async def test_a_value_of_exactly_the_limit_is_stored_and_reads_back(
    client: httpx.AsyncClient, database: Database, char: str
) -> None:
    value = string_of_encoded_size(LIMIT, char)

    created = await save(client, "biggest", value)
    read = await client.get(f"{PREFS}/biggest", headers=auth(ALICE.token))

    assert created.status_code == 201, created.text[:300]
    assert read.json()["value"] == value


@pytest.mark.parametrize("char", ["x", "é"], ids=["ascii", "two-byte-utf8"])
async def test_one_byte_over_the_limit_is_413_with_size_and_limit_in_details(
    client: httpx.AsyncClient, char: str
) -> None:
    # A two-byte character cannot make an odd size: the first size past the limit it reaches.
    size = LIMIT + len(char.encode())

    response = await save(client, "too-big", string_of_encoded_size(size, char))

    error = assert_error(response, 413, "PAYLOAD_TOO_LARGE")
    assert error["message"] == f"The value is {size} bytes once encoded; the limit is {LIMIT}."
    assert error["details"] == [{"field": "value", "size_bytes": size, "limit_bytes": LIMIT}]
    missing = await client.get(f"{PREFS}/too-big", headers=auth(ALICE.token))
    assert missing.status_code == 404


async def test_a_key_of_the_maximum_length_is_stored(client: httpx.AsyncClient) -> None:
    key = "k" * PREFERENCE_KEY_MAX_LENGTH

    response = await save(client, key, 1)

    assert response.status_code == 201, response.text
    assert response.json()["key"] == key


@pytest.mark.parametrize(
    ("key", "message"),
    [
        pytest.param(
            "k" * (PREFERENCE_KEY_MAX_LENGTH + 1),
            f"The key is {PREFERENCE_KEY_MAX_LENGTH + 1} characters long; "
            f"the limit is {PREFERENCE_KEY_MAX_LENGTH}.",
            id="one-too-long",
        ),
        pytest.param(
            "a/b",
            "The key contains SOLIDUS ('/'); only letters, digits and _ . - : are allowed.",
            id="slash",
        ),
        pytest.param("", "The key must not be empty.", id="empty"),
    ],
)
async def test_a_refused_key_says_why_in_message_and_details(
    client: httpx.AsyncClient, key: str, message: str
) -> None:
    response = await save(client, key, 1)

    error = assert_error(response, 400, "INVALID_PREFERENCE")
    assert error["message"] == message
    assert error["details"] == [{"field": "key", "message": message}]


async def test_a_value_that_is_not_json_text_is_400_naming_the_value(
    client: httpx.AsyncClient,
) -> None:
    body = b'{"key": "ratio", "value": NaN}'  # Python's JSON reader accepts it; JSON does not

    response = await client.post(
        PREFS, content=body, headers={**auth(ALICE.token), "Content-Type": "application/json"}
    )

    error = assert_error(response, 400, "INVALID_PREFERENCE")
    assert error["message"] == "The value must be JSON text (no NaN, Infinity or lone surrogates)."
    assert [d["field"] for d in error["details"]] == ["value"]
    # Python's own words (they gained a ": nan" suffix in 3.13).
    assert "not JSON compliant" in error["details"][0]["message"]


async def test_a_missing_key_is_404_naming_the_key(client: httpx.AsyncClient) -> None:
    response = await client.get(f"{PREFS}/never-saved", headers=auth(ALICE.token))

    error = assert_error(response, 404, "PREFERENCE_NOT_FOUND")
    assert error["message"] == "No preference with this key."
    assert error["details"] == {"key": "never-saved"}


async def test_deleting_one_preference_leaves_the_others(client: httpx.AsyncClient) -> None:
    for key in ("theme", "language", "layout"):
        assert (await save(client, key, key.upper())).status_code == 201

    deleted = await client.delete(f"{PREFS}/language", headers=auth(ALICE.token))
    listing = await client.get(PREFS, headers=auth(ALICE.token))

    assert deleted.status_code == 204
    assert [(i["key"], i["value"]) for i in listing.json()["items"]] == [
        ("layout", "LAYOUT"),
        ("theme", "THEME"),
    ]
