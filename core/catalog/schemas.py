from __future__ import annotations

from typing import Annotated, Any

import msgspec

from core.paging import Page


class CatalogEntryIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    category: str
    subtype: str
    project_name: Annotated[str, msgspec.Meta(max_length=200)] = ""
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    institution: Annotated[str, msgspec.Meta(max_length=200)] = ""
    fields: dict[str, Any] = {}
    framework_level: int | None = None


class CatalogEntryOut(msgspec.Struct, kw_only=True):
    id: int
    category: str
    subtype: str
    project_name: str
    name: str
    institution: str
    fields: dict[str, Any]
    framework_level: int | None


CatalogPage = Page[CatalogEntryOut]
