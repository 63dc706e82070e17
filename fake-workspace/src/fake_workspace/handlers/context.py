"""The request as handlers see it: parsed parts plus the authenticated principal."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.responses import Response

from fake_workspace.errors import ApiError
from fake_workspace.identity import Principal
from fake_workspace.state import FakeState


@dataclass(frozen=True)
class Ctx:
    state: FakeState
    params: dict[str, str]
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    base_url: str
    caller: Principal | None

    @property
    def principal(self) -> Principal:
        if self.caller is None:  # pragma: no cover - the app authenticates BEARER routes
            raise RuntimeError("route has no authenticated principal")
        return self.caller

    def json(self) -> Any:
        """The JSON body (``{}`` when empty); 400 ``MALFORMED_REQUEST`` when unparsable."""
        if not self.body.strip():
            return {}
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError):
            raise ApiError(
                400, "MALFORMED_REQUEST", "Could not parse request body as JSON."
            ) from None

    def json_object(self) -> dict[str, Any]:
        body = self.json()
        if not isinstance(body, dict):
            raise ApiError(400, "MALFORMED_REQUEST", "The request body must be a JSON object.")
        return body

    def flag(self, name: str) -> bool:
        return self.query.get(name, "false").lower() == "true"


Handler = Callable[[Ctx], Response]
