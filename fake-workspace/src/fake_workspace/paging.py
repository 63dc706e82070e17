"""Unity Catalog pagination, as the real service does it.

``max_results``: absent → everything in one response (legacy); ``0`` → the server page size;
``> 0`` → ``min(value, server page size)``; ``< 0`` → 400 ``INVALID_PARAMETER_VALUE``.

Pages are cut from *all* objects and only then filtered by what the caller may see, so a
page can be short or empty while still carrying ``next_page_token``. ``insert_empty_pages``
additionally serves an empty page after every non-empty one (still with a token).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from fake_workspace.errors import invalid_parameter

T = TypeVar("T")


@dataclass(frozen=True)
class PageRequest:
    max_results: int | None
    page_token: str | None


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_page_token: str | None


def parse_page_request(query: Mapping[str, str]) -> PageRequest:
    raw = query.get("max_results")
    max_results: int | None = None
    if raw is not None:
        try:
            max_results = int(raw)
        except ValueError:
            raise invalid_parameter(f"Invalid max_results: '{raw}'.") from None
        if max_results < 0:
            raise invalid_parameter("max_results must be greater than or equal to 0.")
    return PageRequest(max_results, query.get("page_token") or None)


def _encode(listing: str, offset: int, empty_next: bool) -> str:
    raw = json.dumps({"l": listing, "o": offset, "e": empty_next}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(listing: str, token: str) -> tuple[int, bool]:
    try:
        padded = token + "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded))
        if data["l"] != listing:
            raise ValueError(listing)
        return int(data["o"]), bool(data["e"])
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise invalid_parameter(f"Invalid page token: '{token}'.") from None


def paginate(
    items: Sequence[T],
    visible: Callable[[T], bool],
    request: PageRequest,
    *,
    listing: str,
    page_size: int,
    insert_empty_pages: bool = False,
) -> Page[T]:
    """Return one page of ``items`` (already sorted) filtered by ``visible``."""
    if request.max_results is None and request.page_token is None:
        return Page([item for item in items if visible(item)], None)
    size = page_size if not request.max_results else min(request.max_results, page_size)
    offset, empty_now = 0, False
    if request.page_token is not None:
        offset, empty_now = _decode(listing, request.page_token)
    if empty_now:
        return Page([], _encode(listing, offset, False))
    end = offset + size
    page = [item for item in items[offset:end] if visible(item)]
    token = _encode(listing, end, insert_empty_pages) if end < len(items) else None
    return Page(page, token)
