"""Shapes shared by every router: the page envelope and its query parameters."""

from __future__ import annotations

import re
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel, BeforeValidator

T = TypeVar("T")

MAX_PAGE_LIMIT = 1000
DEFAULT_PAGE_LIMIT = 100


class Page(BaseModel, Generic[T]):
    """Every list endpoint answers this envelope."""

    items: list[T]
    total: int
    limit: int
    offset: int


def page_of(items: list[T], *, limit: int, offset: int) -> Page[T]:
    """One page of an already sorted, complete listing."""
    return Page(items=items[offset : offset + limit], total=len(items), limit=limit, offset=offset)


_DECIMAL_DIGITS = re.compile(r"-?[0-9]+")


def _plain_integer(value: Any) -> Any:
    """Query-string integers are decimal digits only: pydantic would also read "2.0", " 2",
    "+2" and "1_0" (as 10), which no client means as a page size."""
    if isinstance(value, str) and not _DECIMAL_DIGITS.fullmatch(value):
        raise ValueError("must be a whole number written in decimal digits")
    return value


QueryInt = BeforeValidator(_plain_integer)

LimitParam = Annotated[
    int, Query(ge=1, le=MAX_PAGE_LIMIT, description="Page size, 1-1000"), QueryInt
]
OptionalLimitParam = Annotated[
    int | None, Query(ge=1, le=MAX_PAGE_LIMIT, description="Page size, 1-1000"), QueryInt
]
MAX_OFFSET = 2**31 - 1
OffsetParam = Annotated[
    int, Query(ge=0, le=MAX_OFFSET, description="Items to skip, 0 to 2147483647"), QueryInt
]
