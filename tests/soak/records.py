"""What one request of the soak leaves behind: the record every verdict and figure is read from.

A record is plain JSON (the load runs in a process of its own and hands its records over in a
file). `pref`, `invoke` and `logs` say what a preference, invocation or log request meant to
do and what it saw; the verdicts replay them per user, in the order the user sent them.
"""

from __future__ import annotations

from typing import Any, Literal, NotRequired, TypedDict

PREFS = "/api/lakebase/preferences"
NO_ANSWER = 0  # the status of a request that got no HTTP answer (refused, reset, timed out)
Phase = Literal["ceiling", "warmup", "baseline", "preferences", "faults", "final"]


class PrefOp(TypedDict):
    """A preference request: what it sent, and on success what it read."""

    op: Literal["write", "delete", "read", "list"]
    key: NotRequired[str]
    value: NotRequired[Any]
    observed: NotRequired[Any]  # read: the value; None when absent (404)
    items: NotRequired[list[list[Any]]]  # list: [key, value] of every item on the page
    total: NotRequired[int]


class LogsSeen(TypedDict):
    request_ids: list[str]
    total: int


class Record(TypedDict):
    user: str
    seq: int  # the user's own order
    phase: Phase
    route: str  # "METHOD /path/{template}"
    t: float  # wall-clock start (s since the epoch)
    ms: float
    status: int
    headers: dict[str, str]  # x-request-id, retry-after, content-type (lower-case names)
    body: str | None  # error answers only (status >= 400), cut to BODY_LIMIT characters
    pref: NotRequired[PrefOp]
    invoke: NotRequired[str | None]  # the request_id of a successful invocation
    logs: NotRequired[LogsSeen]


BODY_LIMIT = 2000
KEPT_HEADERS = ("x-request-id", "retry-after", "content-type")


def kept_headers(headers: Any) -> dict[str, str]:
    """The headers the verdicts read, from any case-insensitive mapping."""
    kept: dict[str, str] = {}
    for name in KEPT_HEADERS:
        value = headers.get(name)
        if value is not None:
            kept[name] = str(value)
    return kept


def list_seen(status: int, payload: Any) -> PrefOp:
    """A preference list as the verdicts read it: on success every item it showed (one page
    holds them all) and the total."""
    op: PrefOp = {"op": "list"}
    if status == 200:
        op["items"] = [[item["key"], item["value"]] for item in payload["items"]]
        op["total"] = payload["total"]
    return op
