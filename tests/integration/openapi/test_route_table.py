"""The route table (tests/integration/routes.py) holds exactly the app's routes: a route added
to the app fails here, naming the file to add it to, until the table describes it."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from server.app import create_app
from tests.harness.settings import app_document, isolated_settings
from tests.integration.routes import ROUTES

TABLE = "tests/integration/routes.py"


def table_mismatch(document: dict[str, Any]) -> list[str]:
    """What the app's OpenAPI document and the route table disagree on, one line each."""
    served = {(method.upper(), path) for path, item in document["paths"].items() for method in item}
    listed = {(r.method, r.template) for r in ROUTES}
    return [
        f"{m} {p}: a route of the app, missing from {TABLE}" for m, p in sorted(served - listed)
    ] + [f"{m} {p}: in {TABLE}, not a route of the app" for m, p in sorted(listed - served)]


def test_the_route_table_lists_every_route_of_the_app() -> None:
    assert table_mismatch(app_document()) == []


def test_a_route_missing_from_the_table_is_named_with_the_file() -> None:
    app: FastAPI = create_app(isolated_settings())

    @app.get("/api/new-thing")
    def new_thing() -> dict[str, str]:
        return {}

    assert table_mismatch(app.openapi()) == [
        f"GET /api/new-thing: a route of the app, missing from {TABLE}"
    ]
