"""Keyset pagination, one way: a ``Page`` of items and the cursor of the next one.

A cursor is the key of the last item shown (usually its id); the next page starts after it.
``keyset`` runs the query for one page of a Piccolo select — ``limit + 1`` rows, so whether
there is a next page is known without counting — and ``page_of`` makes the page of rows read
any other way.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Generic, TypeVar

import msgspec
from piccolo.columns import Column
from piccolo.query import Select

T = TypeVar("T")


class Page(msgspec.Struct, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


async def keyset(query: Select, column: Column, *, cursor: Any, limit: int, newest_first: bool = True,
                 out: Callable[[dict], T | Awaitable[T]]) -> Page[T]:
    """One page of ``query`` ordered by ``column`` (newest first: descending), after ``cursor``
    (a value of ``column``); each row becomes an item through ``out`` (sync or async)."""
    if cursor:
        query = query.where(column < cursor if newest_first else column > cursor)
    rows = await query.order_by(column, ascending=not newest_first).limit(limit + 1)
    items = []
    for row in rows[:limit]:
        item = out(row)
        items.append(await item if inspect.isawaitable(item) else item)
    return page_of(rows, limit, items, key=column._meta.name)


def page_of(rows: Sequence[dict], limit: int, items: list[T], key: str = "id") -> Page[T]:
    """The page of ``items`` (made from ``rows[:limit]``); a next cursor when ``rows`` had more."""
    more = len(rows) > limit and bool(items)
    return Page(items=items, next_cursor=str(rows[limit - 1][key]) if more else None)
