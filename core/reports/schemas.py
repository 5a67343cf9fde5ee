"""What the service-network reports return: the figures per child unit of a unit, and the
reviews past their deadline."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

import msgspec


class UnitRef(msgspec.Struct, kw_only=True):
    code: str
    name: str
    level: str
    level_label: str


class SubtypeColumn(msgspec.Struct, kw_only=True):
    code: str
    label: str
    key: str  # "category/subtype": the key of ``UnitRow.subtypes``


class CategoryColumn(msgspec.Struct, kw_only=True):
    """An outcome category of the tenant's taxonomy; ``subtypes`` lists its sub-types when it
    has more than one (a category of one sub-type, such as Zhejiang's 社会培训成果, is its own
    column already)."""

    code: str
    label: str
    subtypes: list[SubtypeColumn]


class StatusColumn(msgspec.Struct, kw_only=True):
    code: str
    label: str


RowKind = Literal["child", "own", "unassigned", "total"]


class UnitRow(msgspec.Struct, kw_only=True):
    """One line of the report.

    ``child``: a child unit with everything of its subtree; ``own``: what is attached to the
    unit itself; ``unassigned``: learners with no unit (root units' reports only); ``total``.
    Learners, outcomes and applications count where the learner belongs; ``overdue`` counts
    open reviews past their deadline whose current step the row's units must decide;
    ``collected*`` count outcomes by the unit that collected them at its window.
    """

    kind: RowKind
    code: str | None
    name: str
    level: str | None = None
    level_label: str | None = None
    learners: int = 0
    achievements: int = 0
    categories: dict[str, int] = {}  # category code → outcomes
    subtypes: dict[str, int] = {}  # "category/subtype" → outcomes
    applications: int = 0
    statuses: dict[str, int] = {}  # application status → applications
    overdue: int = 0
    # By the COLLECTING unit (信息采集 at a window), as the 考核 rule counts them: “受理点、分中心、
    # 分部的相关成果按所属县、市级统一汇总后考核计分” — outcomes the row's units entered for learners,
    # wherever those learners belong; ``collected_recognized`` those of them recognized.
    collected: int = 0
    collected_recognized: int = 0
    collected_categories: dict[str, int] = {}  # category code → collected outcomes


class UnitReport(msgspec.Struct, kw_only=True):
    unit: UnitRef
    date_from: date | None = msgspec.field(default=None, name="from")
    date_to: date | None = msgspec.field(default=None, name="to")
    generated_at: datetime
    categories: list[CategoryColumn]
    statuses: list[StatusColumn]
    rows: list[UnitRow]  # the child units, by code
    own: UnitRow
    unassigned: UnitRow | None
    total: UnitRow

    def lines(self) -> list[UnitRow]:
        """Children, the unit's own row, the unassigned row where there is one, the total."""
        return [*self.rows, self.own, *([self.unassigned] if self.unassigned else []), self.total]


class OverdueItem(msgspec.Struct, kw_only=True):
    """An open review past its deadline. ``unit`` is the unit that must decide the current step
    (None: a step any holder of the role in the tenant may decide)."""

    application_id: int
    kind: str
    kind_label: str
    status: str
    step: str
    step_label: str
    unit: UnitRef | None
    learner_name: str
    achievement_id: int | None
    achievement_name: str
    submitted_at: datetime
    step_started_at: datetime
    due_at: datetime
    days_overdue: int  # started days past ``due_at``


class OverdueCount(msgspec.Struct, kw_only=True):
    unit: UnitRef | None
    overdue: int


class OverduePage(msgspec.Struct, kw_only=True):
    """The overdue reviews of a subtree, by responsible unit (in tree order) then application;
    ``by_unit`` counts all of them per responsible unit, not only this page's."""

    unit: UnitRef
    generated_at: datetime
    total: int
    by_unit: list[OverdueCount]
    items: list[OverdueItem]
    next_cursor: str | None


class WorkloadRow(msgspec.Struct, kw_only=True):
    """Decisions of one kind of application at one step, by the responsible unit (``unit``
    None: a step any holder of the role in the tenant decides) or by one reviewer. Days are
    working days from the step's start to the decision (0: decided the day it began)."""

    unit: UnitRef | None
    reviewer_id: int | None = None
    reviewer: str | None = None
    kind: str
    kind_label: str
    step: str
    step_label: str
    decided: int = 0
    approved: int = 0
    rejected: int = 0
    median_days: float | None = None
    p90_days: float | None = None
    overdue: int = 0  # open now and past the step's deadline (units only: a step is not a reviewer's until decided)
    reasons: dict[str, int] = {}  # refusals by coded reason (its label)
    appealed: int = 0  # refusals appealed (申诉)
    overturned: int = 0  # … and overturned


class WorkloadReport(msgspec.Struct, kw_only=True):
    """Who decided how much and how fast in a subtree, over decisions made between the dates."""

    unit: UnitRef
    date_from: date | None = msgspec.field(default=None, name="from")
    date_to: date | None = msgspec.field(default=None, name="to")
    generated_at: datetime
    by_unit: list[WorkloadRow]
    by_reviewer: list[WorkloadRow]
    decided: int
    overdue: int
