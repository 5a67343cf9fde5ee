from __future__ import annotations

from typing import Annotated

import msgspec

from core.paging import Page

UnitCode = Annotated[
    str,
    msgspec.Meta(pattern=r"^[A-Za-z0-9][A-Za-z0-9.-]{0,63}$", description="字母、数字、“-”或“.”，最长 64 位"),
]


class OrgUnitOut(msgspec.Struct, kw_only=True):
    code: str
    level: str
    level_label: str
    name: str
    parent_code: str | None
    host_institution: str
    address: str
    phone: str
    children_count: int


class OrgUnitDetail(OrgUnitOut, kw_only=True):
    ancestors: list[OrgUnitOut]  # from the root down to the parent


OrgUnitPage = Page[OrgUnitOut]


class OrgUnitIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    code: UnitCode
    level: str
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    parent_code: str
    host_institution: Annotated[str, msgspec.Meta(max_length=200)] = ""
    address: Annotated[str, msgspec.Meta(max_length=300)] = ""
    phone: Annotated[str, msgspec.Meta(max_length=64)] = ""
