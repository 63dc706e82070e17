"""Walking the app's paged listings (preferences, the inference log, table rows): the helpers
every area's pagination tests share, and the page edges they all check."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from fake_workspace.reference import ALICE
from tests.harness import auth
from tests.integration.api import get_ok

# When the seeded rows are stamped.
BASE_TIME = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
EDGES = [
    pytest.param(0, 1, id="first-item"),
    pytest.param(999, 1000, id="offset-999-limit-1000"),
    pytest.param(10_000, 50, id="past-the-end"),
]


async def read_all(
    client: httpx.AsyncClient,
    url: str,
    limits: list[int],
    items: str = "items",
    token: str = ALICE.token,
    **params: Any,
) -> list[Any]:
    """Walk `url` page by page with these page sizes (the last one repeats) until the end, as
    the holder of `token`."""
    seen: list[Any] = []
    offset, total, step = 0, None, 0
    while total is None or offset < total:
        limit = limits[min(step, len(limits) - 1)]
        response = await client.get(
            url, params={**params, "limit": limit, "offset": offset}, headers=auth(token)
        )
        assert response.status_code == 200, response.text
        page = response.json()
        total = page["total"] if "total" in page else page["total_row_count"]
        assert len(page[items]) == min(limit, total - offset)
        seen.extend(page[items])
        offset, step = offset + limit, step + 1
    return seen


async def page_at(client: httpx.AsyncClient, path: str, offset: int, limit: int) -> Any:
    """One page of a listing, as ALICE; fails the test unless it is a 200."""
    return await get_ok(client, f"{path}?{urlencode({'offset': offset, 'limit': limit})}")
