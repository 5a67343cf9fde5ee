from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from core.ids import Id

Kind = Literal["recognition", "conversion", "performance_conversion", "certificate", "store_review"]


class ApplicationIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    kind: Kind
    achievement_id: Id | None = None
    # certificate: the outcomes (catalog, recognized or converted) the proof is to list, in order
    achievement_ids: Annotated[list[Id], msgspec.Meta(max_length=200)] | None = None
    rule_id: Id | None = None
    target_catalog_entry_id: Id | None = None
    unit_code: str | None = None  # the service point handling it, if not the learner's own


class DecisionIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    step: str
    decision: Literal["approve", "reject"]
    opinion: Annotated[str, msgspec.Meta(max_length=1000)]


class StepOut(msgspec.Struct, kw_only=True):
    name: str
    label: str
    role: str
    unit_code: str | None
    unit_name: str | None
    opinion_example: str | None
    materials: str
    materials_label: str
    onsite_check: bool


class MaterialOut(msgspec.Struct, kw_only=True):
    id: int
    step: str
    filename: str
    content_type: str
    size: int
    sha256: str


class RecordOut(msgspec.Struct, kw_only=True):
    step: str
    step_label: str
    decision: str
    opinion: str
    reviewer: str
    unit: str
    materials: list[MaterialOut]
    at: datetime


class ApplicationOut(msgspec.Struct, kw_only=True):
    id: int
    kind: str
    status: str
    current_step: str | None
    steps: list[StepOut]
    records: list[RecordOut]
    achievement_id: int | None
    achievement_name: str
    rule_id: int | None
    rule_name: str | None
    target_catalog_entry_id: int | None
    target_name: str | None
    target_achievement_id: int | None
    created_at: datetime
    decided_at: datetime | None
    achievement_ids: list[int] = []  # certificate: the outcomes the proof lists
    proof_code: str | None = None  # the proof an approved certificate (or national OUC conversion) issued


class ReviewItem(msgspec.Struct, kw_only=True):
    """A row of a reviewer's queue (认定审核 / 转换初审 / 转换终审 / 业绩类转换审核)."""

    id: int
    kind: str
    status: str
    current_step: str | None
    current_step_label: str | None
    learner_name: str
    learner_id_number_masked: str
    achievement_name: str
    category_label: str
    subtype_label: str
    rule_name: str | None
    agreement: str | None
    target_name: str | None
    submitted_at: datetime


class ReviewPage(msgspec.Struct):
    items: list[ReviewItem]
    next_cursor: str | None


class ApplicationPage(msgspec.Struct):
    items: list[ApplicationOut]
    next_cursor: str | None
