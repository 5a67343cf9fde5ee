from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

import msgspec

from core.catalog.schemas import CatalogEntryOut
from core.ids import Id
from core.paging import Page

EntryRef = Id | str  # a catalog entry id, or "project_name|name|institution"
Credits = Annotated[float, msgspec.Meta(ge=0, le=1000)]


class AnyOfIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Any ``n`` of these catalog entries (任选 n 项)."""

    n: Annotated[int, msgspec.Meta(ge=1, le=20)]
    entries: Annotated[list[EntryRef], msgspec.Meta(min_length=1, max_length=20)]


class ThresholdIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A score or grade on a source: ``entry``'s outcome must have ``field`` ≥ (or ≤) ``value``.
    ``field`` is the field's name or its label in the taxonomy (成绩, 证书等级)."""

    entry: EntryRef
    field: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    op: Literal[">=", "<="] = ">="
    value: Annotated[float, msgspec.Meta(ge=-1e6, le=1e6)]


class ConditionsIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    any_of: AnyOfIn | None = None
    thresholds: Annotated[list[ThresholdIn], msgspec.Meta(max_length=20)] = []
    obtained_from: date | None = None  # each source obtained on or after this day
    within_years: Annotated[int, msgspec.Meta(ge=1, le=100)] | None = None  # ... or within N years of applying
    program_cap: Credits | None = None  # credits into the target's programme, in all
    year_cap: Credits | None = None  # ... in one calendar year
    once_per_program: bool | None = None  # one source outcome used once per target programme


class RuleIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    description: Annotated[str, msgspec.Meta(max_length=2000)] = ""
    agreement: Annotated[str, msgspec.Meta(max_length=200)] = ""
    sources: Annotated[list[EntryRef], msgspec.Meta(max_length=20)]  # all of these; at least one, or any_of
    target: EntryRef
    credits: Annotated[float, msgspec.Meta(ge=0, le=1000)] = 0
    ratio: Annotated[int, msgspec.Meta(ge=1, le=100)] = 100
    valid_from: date | None = None
    valid_to: date | None = None
    conditions: ConditionsIn | None = None


class RulePatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    description: Annotated[str, msgspec.Meta(max_length=2000)] | None = None
    credits: Annotated[float, msgspec.Meta(ge=0, le=1000)] | None = None
    ratio: Annotated[int, msgspec.Meta(ge=1, le=100)] | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    conditions: ConditionsIn | None = None  # replaces the rule's conditions (a new version)
    note: Annotated[str, msgspec.Meta(max_length=200)] = ""  # why this version (shown in the history)


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
    version: int = 1
    conditions: list[str] = []  # every condition besides holding the sources, in Chinese
    any_of: list[CatalogEntryOut] = []  # the sources of which any ``any_n`` are enough
    any_n: int = 0
    used: bool | None = None  # set when listed for one achievement
    explanation: Explanation | None = None  # set with ``explain=1``
    # The same verdict as API.md names it: ``{rule_id, version, verdict, reasons}`` (the reasons
    # it applies, or what is missing).
    rule_id: int | None = None
    verdict: Literal["applies", "missing", "used"] | None = None
    reasons: list[str] = []


class Explanation(msgspec.Struct, kw_only=True):
    """Why a rule applies to a learner's outcomes, or what is missing."""

    status: Literal["applies", "missing", "used"]
    because: list[str] = []
    missing: list[str] = []


class RuleVersionOut(msgspec.Struct, kw_only=True):
    version: int
    valid_from: date | None
    valid_to: date | None
    name: str
    description: str
    sources: list[str]
    target: str
    credits: float
    ratio: int
    conditions: list[str]
    note: str
    created_at: datetime


class WhatIfIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Catalog entries the learner does not hold yet (假设取得)."""

    catalog_entry_ids: Annotated[list[Id], msgspec.Meta(min_length=1, max_length=20)]


class WhatIfOut(msgspec.Struct, kw_only=True):
    opens: list[RuleOut]  # rules that would apply with the hypothetical outcomes
    still_missing: list[RuleOut]  # rules they touch that would still miss something


class ImpactIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """A change to preview: a new rule (``rule``), an edit (``rule_id`` and ``patch``), or
    retiring (``rule_id`` and ``retire``)."""

    rule: RuleIn | None = None
    rule_id: Id | None = None
    patch: RulePatch | None = None
    retire: bool = False


class PendingUse(msgspec.Struct, kw_only=True):
    application_id: int
    version: int
    status: str


class ImpactOut(msgspec.Struct, kw_only=True):
    learners_gaining: int  # learners for whom the rule newly applies
    learners_losing: int  # learners for whom it no longer would
    learners_changed: int
    pending: list[PendingUse]  # applications in flight citing the version being replaced
    note: str


RulePage = Page[RuleOut]
