"""The app's OpenAPI document: FastAPI's own, less the one thing no route or model can tell it.

Everything else the document says is declared where it is true: the error answers on each route
(`responses=`), the preference key's rule and the shapes of model `inputs` on their fields. But
FastAPI adds a 422 answer (and its HTTPValidationError/ValidationError schemas) to every
operation with parameters or a body, unless that operation documents 422, 4XX or default itself;
this app never answers 422 (validation errors are 400 in the error envelope, `server/errors.py`,
which each route lists), and documenting 4XX or default would promise statuses it never gives.
So those 422 entries are removed here, and nothing else is touched.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

_VALIDATION_SCHEMAS = ("HTTPValidationError", "ValidationError")


def without_validation_422(document: dict[str, Any]) -> dict[str, Any]:
    """`document` without FastAPI's 422 answers and their schemas, in place. FastAPI writes
    every part read here for this app: each operation has responses, and its models make
    components."""
    for path_item in document["paths"].values():
        for operation in path_item.values():
            operation["responses"].pop("422", None)
    schemas: dict[str, Any] = document["components"]["schemas"]
    for name in _VALIDATION_SCHEMAS:
        schemas.pop(name, None)
    return document


def install_openapi(app: FastAPI) -> None:
    """Serve FastAPI's document, without its 422s, at /openapi.json (built on first request)."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = without_validation_422(generate())
        return app.openapi_schema

    setattr(app, "openapi", openapi)  # noqa: B010 - the documented way to replace the generator
