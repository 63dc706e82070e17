"""The SDK's models as a strict judge: decoding with them must lose nothing.

``Cls.from_dict(body).as_dict()`` drops keys the model does not know and turns an enum value
it does not know into None (then dropped), both silently; so comparing the round trip with
the body finds exactly the fields and values the SDK does not know. Errors are decoded the
way the SDK decodes them, by its own error parser on a real response.
"""

from __future__ import annotations

from typing import Any

import requests
from databricks.sdk.errors.parser import _Parser

from fake_workspace.fidelity.allowlist import allowed


def lost_in_round_trip(body: Any, back: Any, template: str, path: str = "") -> list[str]:
    """Where ``back`` (the round trip) differs from ``body``, minus allow-listed paths."""
    if allowed(template, path) is not None:
        return []
    if isinstance(body, dict) and isinstance(back, dict):
        lost = []
        for key, value in body.items():
            where = f"{path}.{key}" if path else key
            if key not in back:
                if allowed(template, where) is None:
                    lost.append(f"{where}: {value!r} unknown to the SDK model")
                continue
            lost += lost_in_round_trip(value, back[key], template, where)
        lost += [f"{path}.{k}: added by the model" for k in back.keys() - body.keys()]
        return lost
    if isinstance(body, list) and isinstance(back, list) and len(body) == len(back):
        return [
            d
            for i, (a, b) in enumerate(zip(body, back, strict=True))
            for d in lost_in_round_trip(a, b, template, f"{path}[]")
        ]
    return [] if body == back else [f"{path or '$'}: {body!r} came back as {back!r}"]


def sdk_error(status: int, content: bytes, headers: dict[str, str]) -> Any:
    """The SDK's own reading of an error answer (its DatabricksError subclass)."""
    response = requests.Response()
    response.status_code = status
    response._content = content
    response.headers.update(headers)
    response.url = "http://127.0.0.1/"
    response.request = requests.Request("GET", response.url).prepare()
    return _Parser().get_api_error(response)
