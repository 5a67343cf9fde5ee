from __future__ import annotations

from datetime import date
from typing import Annotated

import msgspec

from core.catalog.schemas import CatalogEntryOut
from core.ids import Id
from core.paging import Page

EntryRef = Id | str  # a catalog entry id, or "project_name|name|institution"


class RuleIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    description: Annotated[str, msgspec.Meta(max_length=2000)] = ""
    agreement: Annotated[str, msgspec.Meta(max_length=200)] = ""
    sources: Annotated[list[EntryRef], msgspec.Meta(min_length=1, max_length=20)]
    target: EntryRef
    credits: Annotated[float, msgspec.Meta(ge=0, le=1000)] = 0
    ratio: Annotated[int, msgspec.Meta(ge=1, le=100)] = 100
    valid_from: date | None = None
    valid_to: date | None = None


class RulePatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    description: Annotated[str, msgspec.Meta(max_length=2000)] | None = None
    credits: Annotated[float, msgspec.Meta(ge=0, le=1000)] | None = None
    ratio: Annotated[int, msgspec.Meta(ge=1, le=100)] | None = None
    valid_from: date | None = None
    valid_to: date | None = None


class RuleTarget(msgspec.Struct, kw_only=True):
    entry: CatalogEntryOut
    institution: str
    credits: float
    ratio: int


class RuleOut(msgspec.Struct, kw_only=True):
    id: int
    name: str
    description: str
    agreement: str
    sources: list[CatalogEntryOut]
    target: RuleTarget
    valid_from: date | None
    valid_to: date | None
    status: str
    used: bool | None = None  # set when listed for one achievement


RulePage = Page[RuleOut]
