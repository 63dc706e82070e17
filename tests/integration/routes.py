"""Every route of the app, as the tests know it: the one table a new route is added to.

`ROUTES`, one entry per operation (method and path template as the OpenAPI document has
them): the statuses it promises, whether it answers without a user's token, and calls that
exercise it - the first a valid request (2xx) that other tests build on. `CONSTRAINTS`: every
length, pattern, enum, range and item count the document may declare on a parameter or body
field, which test_boundaries.py tries at its edges. Every per-route test derives from these:

- openapi/test_contract.py: each call answers as the document says (`calls`);
- openapi/test_promises.py: each route documents exactly `statuses`, errors as the envelope;
- openapi/test_boundaries.py: each constraint tried inside the `example` request;
- auth/test_tokens.py: every route but the `public` ones needs a token;
- auth/test_identity_cache.py: every `example` of a token-guarded route refused once revoked.

openapi/test_route_table.py fails, naming this file, when the app has a route this table lacks
(or the table one the app lacks).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fake_workspace.reference import FRAUD_DETECTOR
from server.models.text_patterns import ENDPOINT_NAME_PATTERN, PREFERENCE_KEY_PATTERN
from tests.integration.api import INVOKE, LOGS, MS, PREFS, QUERY, UC, fraud_inputs

# Every route behind the user's token: a bad request, a refused token, Databricks failing, a
# dependency down. The app answers validation errors with 400 in its envelope, and its
# document says so: no 422 anywhere.
AUTHENTICATED = frozenset({400, 401, 502, 503})


@dataclass(frozen=True)
class Call:
    """One request and the status it must answer, made as ALICE (after `given`)."""

    method: str
    path: str  # concrete, with its query string
    status: int
    body: Any = None
    given: tuple[tuple[str, str, Any], ...] = ()  # (method, path, body) made first, each 2xx
    note: str = ""  # tells apart two calls of one path and status in test ids

    def __str__(self) -> str:
        return f"{self.method} {self.path} {self.status}" + (f" {self.note}" if self.note else "")


@dataclass(frozen=True)
class AppRoute:
    """One operation: `method` and `template` as the OpenAPI document spells them."""

    method: str
    template: str
    statuses: frozenset[int]
    calls: tuple[Call, ...]  # the first: a valid request, answered 2xx
    public: bool = False  # answers without a user's token

    @property
    def key(self) -> tuple[str, str]:
        """(lower-case method, template): how the OpenAPI document indexes the operation."""
        return self.method.lower(), self.template

    @property
    def example(self) -> Call:
        return self.calls[0]


def app_route(
    method: str, template: str, statuses: set[int], *calls: Call, public: bool = False
) -> AppRoute:
    """A table entry; refuses one whose first call is not a valid request of its own."""
    if not calls or not 200 <= calls[0].status < 300:
        raise ValueError(f"{method} {template}: its first call must be a valid one (2xx)")
    if any(call.method != method for call in calls):
        raise ValueError(f"{method} {template}: a call of another method")
    return AppRoute(method, template, frozenset(statuses), calls, public)


THEME = {"key": "theme", "value": {"a": [1]}}
THEME_SAVED = (("POST", PREFS, THEME),)
INVOCATION = {"endpoint_name": FRAUD_DETECTOR.name, "inputs": fraud_inputs([[100.0, 0.5, 3]])}
ORDERS = "catalog=main&schema=sales&table=orders"
ORDERS_BODY = {"catalog": "main", "schema": "sales", "table": "orders"}
FRAUD = f"{MS}/endpoints/{FRAUD_DETECTOR.name}"

ROUTES: tuple[AppRoute, ...] = (
    app_route("GET", "/health", {200}, Call("GET", "/health", 200), public=True),
    app_route("HEAD", "/health", {200}, Call("HEAD", "/health", 200), public=True),
    app_route("GET", "/ready", {200, 503}, Call("GET", "/ready", 200), public=True),
    app_route("HEAD", "/ready", {200, 503}, Call("HEAD", "/ready", 200), public=True),
    app_route(
        "GET",
        "/api/user/auth/status",
        {200, 502, 503},
        Call("GET", "/api/user/auth/status", 200),
        public=True,
    ),
    app_route("GET", "/api/user/me", {200} | AUTHENTICATED, Call("GET", "/api/user/me", 200)),
    app_route(
        "GET",
        "/api/user/me/workspace",
        {200} | AUTHENTICATED,
        Call("GET", "/api/user/me/workspace", 200),
    ),
    app_route("GET", PREFS, {200} | AUTHENTICATED, Call("GET", PREFS, 200, given=THEME_SAVED)),
    app_route(
        "POST",
        PREFS,
        {200, 201, 413} | AUTHENTICATED,
        Call("POST", PREFS, 201, THEME),
        Call("POST", PREFS, 200, {"key": "theme", "value": "dark"}, given=THEME_SAVED),
        Call("POST", PREFS, 400, {"key": "bad key", "value": 1}),
    ),
    app_route(
        "GET",
        f"{PREFS}/{{key}}",
        {200, 404} | AUTHENTICATED,
        Call("GET", f"{PREFS}/theme", 200, given=THEME_SAVED),
        Call("GET", f"{PREFS}/theme", 404),
    ),
    app_route(
        "DELETE",
        f"{PREFS}/{{key}}",
        {204, 404} | AUTHENTICATED,
        Call("DELETE", f"{PREFS}/theme", 204, given=THEME_SAVED),
    ),
    app_route(
        "GET", f"{UC}/catalogs", {200, 403} | AUTHENTICATED, Call("GET", f"{UC}/catalogs", 200)
    ),
    app_route(
        "GET",
        f"{UC}/schemas",
        {200, 403, 404} | AUTHENTICATED,
        Call("GET", f"{UC}/schemas?catalog=main", 200),
    ),
    app_route(
        "GET",
        f"{UC}/table-names",
        {200, 403, 404} | AUTHENTICATED,
        Call("GET", f"{UC}/table-names?catalog=main&schema=sales", 200),
    ),
    app_route(
        "GET",
        f"{UC}/tables",
        {200, 403, 404} | AUTHENTICATED,
        Call("GET", f"{UC}/tables?catalog=main&schema=sales", 200),
    ),
    app_route(
        "GET",
        QUERY,
        {200, 403, 404} | AUTHENTICATED,
        Call("GET", f"{QUERY}?{ORDERS}&limit=5", 200),
        Call("GET", f"{QUERY}?catalog=main&schema=sales&table=nope", 404),
        Call("GET", f"{QUERY}?catalog=restricted&schema=secret&table=salaries", 403),
    ),
    app_route(
        "POST",
        QUERY,
        {200, 403, 404, 413} | AUTHENTICATED,
        Call("POST", QUERY, 200, ORDERS_BODY),
        Call(
            "POST",
            QUERY,
            200,
            {
                **ORDERS_BODY,
                "limit": 3,
                "filters": [{"column": "order_id", "op": "<=", "value": 3}],
            },
            note="filtered",
        ),
    ),
    app_route(
        "GET",
        f"{MS}/endpoints",
        {200, 403} | AUTHENTICATED,
        Call("GET", f"{MS}/endpoints", 200),
    ),
    app_route(
        "GET",
        f"{MS}/endpoints/{{name}}",
        {200, 403, 404} | AUTHENTICATED,
        Call("GET", FRAUD, 200),
        Call("GET", f"{MS}/endpoints/no-such-endpoint", 404),
    ),
    app_route(
        "GET",
        f"{MS}/endpoints/{{name}}/schema",
        {200, 403, 404} | AUTHENTICATED,
        Call("GET", f"{FRAUD}/schema", 200),
    ),
    app_route(
        "POST",
        INVOKE,
        {200, 403, 404, 409, 413} | AUTHENTICATED,
        Call("POST", INVOKE, 200, INVOCATION),
        Call("POST", INVOKE, 400, {"endpoint_name": FRAUD_DETECTOR.name, "inputs": {}}),
    ),
    app_route(
        "GET",
        LOGS,
        {200} | AUTHENTICATED,
        Call("GET", LOGS, 200, given=(("POST", INVOKE, INVOCATION),)),
    ),
)

NAME = {"minLength": 1, "maxLength": 255, "pattern": r"^[^./\x00-\x1f\x7f]+$"}
COLUMN = {"minLength": 1, "maxLength": 255}
LIMIT = {"minimum": 1, "maximum": 1000}
OFFSET = {"minimum": 0, "maximum": 2147483647}
KEY = {"minLength": 1, "maxLength": 128, "pattern": PREFERENCE_KEY_PATTERN}
# (where, name) -> the constraint the document declares there, wherever it appears: the
# reviewed list, so a constraint changed in the code (which moves the document and the
# server's validation together) fails test_boundaries.py before a request is sent. A body
# field is "Model.field".
CONSTRAINTS: dict[tuple[str, str], dict[str, Any]] = {
    ("query", "limit"): LIMIT,
    ("query", "offset"): OFFSET,
    ("query", "catalog"): NAME,
    ("query", "schema"): NAME,
    ("query", "table"): NAME,
    ("query", "endpoint_name"): {
        "minLength": 1,
        "maxLength": 255,
        "pattern": ENDPOINT_NAME_PATTERN,
    },
    ("path", "key"): KEY,
    ("body", "PreferenceIn.key"): KEY,
    ("body", "QueryRequest.catalog"): NAME,
    ("body", "QueryRequest.schema"): NAME,
    ("body", "QueryRequest.table"): NAME,
    ("body", "QueryRequest.limit"): LIMIT,
    ("body", "QueryRequest.offset"): OFFSET,
    ("body", "QueryRequest.filters"): {"maxItems": 50},
    ("body", "QueryRequest.order_by"): {"maxItems": 20},
    ("body", "ComparisonFilter.column"): COLUMN,
    ("body", "ComparisonFilter.op"): {"enum": ["=", "!=", "<", "<=", ">", ">="]},
    ("body", "LikeFilter.column"): COLUMN,
    ("body", "InFilter.column"): COLUMN,
    ("body", "InFilter.value"): {"minItems": 1, "maxItems": 100},
    ("body", "NullFilter.column"): COLUMN,
    ("body", "NullFilter.op"): {"enum": ["is_null", "not_null"]},
    ("body", "QueryOrder.column"): COLUMN,
    ("body", "QueryOrder.direction"): {"enum": ["asc", "desc"]},
    ("body", "InvokeRequest.endpoint_name"): {"minLength": 1, "maxLength": 255},
    ("body", "InvokeRequest.timeout_seconds"): {"minimum": 1, "maximum": 300},
}
# A list item of each model a body's list holds (a query's filters and sort keys), on a real
# column of the example's table, for the constraints of the item's fields.
ITEMS: dict[str, dict[str, Any]] = {
    "ComparisonFilter": {"column": "quantity", "op": "=", "value": 1},
    "LikeFilter": {"column": "status", "op": "like", "value": "s%"},
    "InFilter": {"column": "quantity", "op": "in", "value": [1]},
    "NullFilter": {"column": "quantity", "op": "is_null"},
    "QueryOrder": {"column": "quantity", "direction": "asc"},
}

BY_KEY: dict[tuple[str, str], AppRoute] = {r.key: r for r in ROUTES}
CALLS: list[Call] = [call for r in ROUTES for call in r.calls]
PUBLIC_PATHS: frozenset[str] = frozenset(r.template for r in ROUTES if r.public)
