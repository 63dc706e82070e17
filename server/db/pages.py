"""A page of a table's rows with the count of all that match: what every list route answers."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.models.base import Base
from server.models.common import Page

Row = TypeVar("Row", bound=Base)
Item = TypeVar("Item")


async def read_page(
    session: AsyncSession,
    model: type[Row],
    where: Sequence[ColumnElement[bool]],
    *,
    order_by: Sequence[Any],
    limit: int,
    offset: int,
    shape: Callable[[Row], Item],
) -> Page[Item]:
    """Rows of `model` matching `where` in `order_by` order, each shaped by `shape`; `total`
    counts every match, in the same transaction."""
    total = await session.scalar(select(func.count()).select_from(model).where(*where))
    rows = await session.scalars(
        select(model).where(*where).order_by(*order_by).limit(limit).offset(offset)
    )
    return Page(items=[shape(row) for row in rows], total=total or 0, limit=limit, offset=offset)
