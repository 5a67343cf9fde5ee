"""Bounded ids and cursors for the HTTP boundary.

Every row id is a 32-bit ``SERIAL`` on PostgreSQL (and a foreign key to one), so a number past
``MAX_ID`` names no row; let through, it overflows in the driver (asyncpg: "out of int32 range",
sqlite3: "Python int too large") and the request ends in a 500. Refusing it in the schema makes
it a 400 naming the field, and the OpenAPI document states the range.
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar.params import PathParameter, QueryParameter

MAX_ID = 2**31 - 1

PathId = Annotated[int, PathParameter(ge=1, le=MAX_ID)]
"""An id in a path: ``/achievements/{achievement_id:int}``."""

QueryId = Annotated[int | None, QueryParameter(ge=1, le=MAX_ID)]
"""An optional id in a query string: ``?catalog_entry_id=``."""

Cursor = Annotated[int | None, QueryParameter(ge=0, le=MAX_ID)]
"""A keyset cursor that is the last row's id."""

Id = Annotated[int, msgspec.Meta(ge=1, le=MAX_ID)]
"""An id in a JSON body."""


def in_range(value: int) -> bool:
    return 1 <= value <= MAX_ID
