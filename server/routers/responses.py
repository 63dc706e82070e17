"""OpenAPI documentation of the error answers each kind of route can give."""

from __future__ import annotations

from typing import Any

from server.errors import ErrorEnvelope


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` entries that document the error envelope for these statuses."""
    # pragma: no mutate block - runs only at import (decorator arguments), before mutmut forks
    # the processes that run its mutants, so no mutant here is ever executed;
    # tests/integration/openapi/test_promises.py checks the document it builds.
    descriptions = {
        400: "Invalid request",
        401: "Missing or rejected user token",
        403: "Permission denied",
        404: "Not found",
        409: "Conflict",
        413: "Payload too large",
        502: "Upstream error",
        503: (
            "A dependency is unavailable or not configured; see Retry-After. No database "
            "configured is DATABASE_NOT_CONFIGURED (LAKEBASE_NOT_CONFIGURED before 2026-12-07)"
        ),
    }
    return {
        status: {"model": ErrorEnvelope, "description": descriptions.get(status, "Error")}
        for status in statuses
    }


# Any authenticated route: a bad request, a refused token, or the identity check (SCIM Me)
# failing upstream (502) or being unavailable (503).
AUTHENTICATED = errors(400, 401, 502, 503)
