from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import msgspec

from core.ids import Id
from core.paging import Page

# How pages and proofs name an outcome's status and where it came from.
STATUS_LABELS = {"catalog": "名录成果", "unapplied": "未申请", "applied": "已申请", "recognized": "已认定",
                 "rejected": "认定未通过"}
SOURCE_LABELS = {"self": "自助添加", "converted": "转换所得", "external": "跨行导入"}


class AchievementIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    category: str
    subtype: str
    catalog_entry_id: Id | None = None  # None: "not in the list" (其他), every field typed
    name: Annotated[str, msgspec.Meta(max_length=200)] | None = None
    fields: dict[str, Any] = {}
    obtained_at: date | None = None


class EvidenceOut(msgspec.Struct, kw_only=True):
    id: int
    item: str
    filename: str
    content_type: str
    size: int
    sha256: str
    created_at: datetime


class DisputeOut(msgspec.Struct, kw_only=True):
    """A learner's objection (异议) to an outcome collected for them at a service window."""

    id: int
    achievement_id: int
    status: str  # pending | upheld | dismissed
    status_label: str
    grounds: str
    unit_code: str
    unit_name: str
    opinion: str
    decided_by_name: str
    created_at: datetime
    decided_at: datetime | None
    learner_name: str = ""  # masked, for staff
    achievement_name: str = ""


class AchievementOut(msgspec.Struct, kw_only=True):
    id: int
    category: str
    subtype: str
    category_label: str
    subtype_label: str
    catalog_entry_id: int | None
    name: str
    institution: str
    status: str
    source: str
    fields: dict[str, Any]
    obtained_at: date | None
    review_due_at: datetime | None
    created_at: datetime
    evidence: list[EvidenceOut] = []
    applications: list[dict[str, Any]] = []
    usable_rules: int | None = None  # 可转换规则数 (in lists)
    used_rules: int | None = None  # 已用转换规则数
    collected_by: str | None = None  # the unit that entered it at its window (由某某受理点采集), else None
    collected_by_code: str | None = None
    dispute: DisputeOut | None = None  # the learner's latest objection to a collected outcome


AchievementPage = Page[AchievementOut]


class Summary(msgspec.Struct):
    total: int
    catalog: int
    unapplied: int
    applied: int
    recognized: int
    rejected: int


class DuplicateClaim(msgspec.Struct):
    certificate_no: str
    achievements: list[dict[str, Any]]  # [{id, learner_id, learner_name (masked), name, status}]


DisputePage = Page[DisputeOut]
