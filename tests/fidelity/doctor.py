"""A proxy that doctors the fake's answer to one route, to prove the comparison notices.

Test-only: the statement answer loses ``manifest.truncated`` and reports BIGINT columns as
``BIGINT`` instead of ``LONG`` (what a drifted fake would look like).
"""

from __future__ import annotations

import json
from typing import Any

from fake_workspace import Route
from fake_workspace.fidelity.proxy import RecordingProxy

DOCTORED = Route.SQL_EXECUTE


def doctor(answer: dict[str, Any]) -> dict[str, Any]:
    manifest = answer.get("manifest", {})
    manifest.pop("truncated", None)
    for column in manifest.get("schema", {}).get("columns", []):
        if column.get("type_name") == "LONG":
            column["type_name"] = "BIGINT"
    return answer


def _doctored(route: Route | None, status: int, body: bytes) -> bytes:
    if route is DOCTORED and status == 200:
        return json.dumps(doctor(json.loads(body))).encode()
    return body


def serve_doctor(upstream: str) -> RecordingProxy:
    """A proxy in front of `upstream` that answers as a workspace drifted on one route would."""
    return RecordingProxy(upstream, rewrite=_doctored).start()
