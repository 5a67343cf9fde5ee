from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from core.ids import Id
from core.paging import Page
from core.province import ApplicationKind

Kind = ApplicationKind


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
    reason_code: Annotated[str, msgspec.Meta(max_length=64)] | None = None  # a refusal's coded reason, where the step has them


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
    reason_code: str = ""  # a refusal's coded reason
    reason_label: str = ""


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
    step_due_at: datetime | None = None  # open: when the current step should be decided (working days)
    achievement_ids: list[int] = []  # certificate: the outcomes the proof lists
    proof_code: str | None = None  # the proof an approved certificate (or national OUC conversion) issued
    appeal: AppealOut | None = None  # the learner's appeal against its refusal (learner's views)
    appeal_until: datetime | None = None  # refused and not yet appealed: the appeal is open until then
    rule_version: int | None = None  # the version of the rule it was submitted (and is decided) under


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
    step_due_at: datetime | None = None  # when the current step should be decided (working days)
    escalated_at: datetime | None = None  # when it was escalated to the parent unit, running late (督办)
    claimed_by_name: str | None = None  # the reviewer who took it (认领), while the claim holds
    claimed_at: datetime | None = None


ReviewPage = Page[ReviewItem]


ApplicationPage = Page[ApplicationOut]


class StepCount(msgspec.Struct, kw_only=True):
    """One tab of a reviewer's queue: a step of one kind of application, with what waits."""

    kind: str
    kind_label: str
    step: str
    step_label: str
    pending: int
    overdue: int


class QueueCounts(msgspec.Struct, kw_only=True):
    steps: list[StepCount]
    escalated: int  # open reviews escalated to a unit the reviewer administers (督办)


class ClaimOut(msgspec.Struct, kw_only=True):
    """A reviewer's hold on an item (认领), until ``expires_at`` unless decided or released."""

    application_id: int
    claimed_by: int
    claimed_by_name: str
    claimed_at: datetime
    expires_at: datetime


class DuplicateOut(msgspec.Struct, kw_only=True):
    """Another outcome that may be the same as the one under review (a warning, with where to
    look: its latest application, if it has one)."""

    achievement_id: int
    achievement_name: str
    status: str
    status_label: str
    learner_name: str
    same_learner: bool
    reason: str  # certificate_no | same_record
    reason_label: str
    application_id: int | None = None


class AppealIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    grounds: Annotated[str, msgspec.Meta(max_length=2000)]


class AppealDecisionIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    decision: Literal["uphold", "overturn"]
    opinion: Annotated[str, msgspec.Meta(max_length=1000)]


class AppealFileOut(msgspec.Struct, kw_only=True):
    id: int
    filename: str
    content_type: str
    size: int


class AppealOut(msgspec.Struct, kw_only=True):
    """A learner's appeal (申诉) against a refusal, and how it was decided."""

    id: int
    application_id: int
    step: str
    step_label: str
    grounds: str
    status: str  # pending | upheld | overturned
    status_label: str
    opinion: str
    decided_by: str
    created_at: datetime
    decided_at: datetime | None
    files: list[AppealFileOut] = []
    learner_name: str = ""
    kind_label: str = ""


class ReviewDetail(msgspec.Struct, kw_only=True):
    application: ApplicationOut
    learner: dict
    duplicates: list[DuplicateOut] = []  # outcomes that may be the same one (same certificate number, entered twice)
