"""Shapes shared by every router: the page envelope and its query parameters."""

from __future__ import annotations

from typing import Annotated, Generic, TypeVar

from fastapi import Query
from pydantic import BaseModel

T = TypeVar("T")

MAX_PAGE_LIMIT = 1000
DEFAULT_PAGE_LIMIT = 100


class Page(BaseModel, Generic[T]):
    """Every list endpoint answers this envelope."""

    items: list[T]
    total: int
    limit: int
    offset: int


LimitParam = Annotated[int, Query(ge=1, le=MAX_PAGE_LIMIT, description="Page size, 1-1000")]
OptionalLimitParam = Annotated[
    int | None, Query(ge=1, le=MAX_PAGE_LIMIT, description="Page size, 1-1000")
]
MAX_OFFSET = 2**31 - 1
OffsetParam = Annotated[
    int, Query(ge=0, le=MAX_OFFSET, description="Items to skip, 0 to 2147483647")
]
