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
    counts every match. One statement (the count is a window over every match, taken before
    LIMIT), so the page and its total are one snapshot even outside a transaction; only a page
    past the end, which has no row to carry the count, asks for it alone."""
    total_column = func.count().over().label("total")
    rows = (
        await session.execute(
            select(model, total_column)
            .where(*where)
            .order_by(*order_by)
            .limit(limit)
            .offset(offset)
        )
    ).all()
    if rows:
        total = rows[0].total
    elif offset == 0:
        total = 0
    else:
        total = await session.scalar(select(func.count()).select_from(model).where(*where)) or 0
    return Page(items=[shape(row[0]) for row in rows], total=total, limit=limit, offset=offset)
