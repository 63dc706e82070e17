"""Calling the app's API the way the integration tests do: route prefixes and request helpers.

Every helper acts as ALICE unless given another `token`, and returns the response as it came
(except `ok` and `save_pref`, which fail the test on an unexpected status).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote, urlencode

import httpx

from fake_workspace import FakeWorkspace, RecordedRequest, Route
from fake_workspace.reference import ALICE, FRAUD_DETECTOR, TableDef
from tests.harness import auth

UC = "/api/unity-catalog"
MS = "/api/model-serving"
PREFS = "/api/lakebase/preferences"
QUERY = f"{UC}/query"
INVOKE = f"{MS}/invoke"
LOGS = f"{MS}/logs"

# Headers for a body sent as raw text (`content=`), which httpx does not label JSON itself.
JSON = {"Content-Type": "application/json"}
# A token of the right shape that the workspace refuses.
REJECTED_TOKEN = "dapi" + "0" * 32

# The fraud detector's input columns, and two rows of them.
FRAUD_COLUMNS = ["amount", "merchant_score", "hour"]
FRAUD_ROWS: list[list[Any]] = [[120.0, 0.4, 3], [15.5, 0.9, 14]]


def ok(response: httpx.Response) -> Any:
    """The JSON body of a 200 answer; any other status fails the test, showing the body."""
    assert response.status_code == 200, response.text
    return response.json()


# --- Unity Catalog ---------------------------------------------------------------------------


def query_url(table: TableDef, **params: Any) -> str:
    """GET /query for `table`, with further query parameters."""
    query = {"catalog": table.catalog, "schema": table.schema, "table": table.name, **params}
    return f"{UC}/query?{urlencode(query)}"


async def get_ok(
    client: httpx.AsyncClient, url: str, token: str = ALICE.token, **headers: str
) -> Any:
    """GET `url` as the holder of `token`; the JSON body of its 200 answer."""
    return ok(await client.get(url, headers=auth(token, **headers)))


def statements(fake: FakeWorkspace) -> list[RecordedRequest]:
    """The SQL statements the app sent to the warehouse, in order."""
    return fake.requests.for_route(Route.SQL_EXECUTE)


# --- preferences -----------------------------------------------------------------------------


def pref_url(key: str) -> str:
    return f"{PREFS}/{quote(key, safe='')}"


async def post_pref(
    client: httpx.AsyncClient, key: str, value: Any, *, token: str = ALICE.token, **headers: str
) -> httpx.Response:
    """POST a preference; whatever the app answers."""
    body = {"key": key, "value": value}
    return await client.post(PREFS, json=body, headers=auth(token, **headers))


async def save_pref(
    client: httpx.AsyncClient, key: str, value: Any, *, token: str = ALICE.token, **headers: str
) -> httpx.Response:
    """Save a preference the app must accept (201 created or 200 updated)."""
    response = await post_pref(client, key, value, token=token, **headers)
    assert response.status_code in (200, 201), response.text
    return response


# --- Model Serving ---------------------------------------------------------------------------


def endpoint_url(name: str, suffix: str = "") -> str:
    return f"{MS}/endpoints/{quote(name, safe='')}{suffix}"


def fraud_inputs(rows: list[list[Any]] = FRAUD_ROWS) -> dict[str, Any]:
    """The fraud detector's input (`dataframe_split`) for rows of its three features."""
    return {"dataframe_split": {"columns": FRAUD_COLUMNS, "data": rows}}


def order_features(orders: list[dict[str, Any]]) -> list[list[Any]]:
    """Orders as the query endpoint returns them, as fraud features: amount, the discount as
    the merchant score, the hour of creation."""
    return [
        [float(o["amount"]), o["discount"] or 0.0, datetime.fromisoformat(o["created_at"]).hour]
        for o in orders
    ]


async def invoke(
    client: httpx.AsyncClient,
    inputs: Any,
    name: str = FRAUD_DETECTOR.name,
    *,
    token: str = ALICE.token,
    headers: dict[str, str] | None = None,
    **body: Any,
) -> httpx.Response:
    """POST /invoke for endpoint `name`; further keyword arguments go into the body."""
    payload = {"endpoint_name": name, "inputs": inputs, **body}
    return await client.post(INVOKE, json=payload, headers=auth(token, **(headers or {})))
