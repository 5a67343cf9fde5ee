"""The workload report (工作量统计): per responsible unit and per reviewer of a subtree, how many
reviews were decided between two dates, how many working days they took from the start of
their step to the decision (median and 90th percentile), and how many wait past their deadline
now — by kind of application and by step.

A step begins when the application reached it: its submission or the previous step's
decision, both rows of ``review_record``; the working days between come from core.workdays,
so a holiday does not count against a reviewer.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from core.achievements.tables import Achievement
from core.clock import aware, utcnow
from core.reports.schemas import WorkloadReport, WorkloadRow
from core.reports.service import Scope, _created_between, parse_range, report_scope, unit_ref
from core.reviews.engine import decode_chain
from core.reviews.service import KIND_LABELS
from core.reviews.tables import Appeal
from core.security.principal import Principal
from core.tenancy.context import TenantContext
from core.workdays import working_days_between

_DECISIONS = (
    "SELECT r.id, r.application_id, r.step, r.step_name, r.decision, r.actor_id, r.actor_name, r.created_at,"
    " r.reason_code,"
    " ap.kind, ap.chain, (SELECT MAX(p.created_at) FROM review_record p"
    " WHERE p.application_id = r.application_id AND p.id < r.id) AS started_at"
    " FROM review_record r JOIN application ap ON ap.id = r.application_id AND ap.tenant_id = r.tenant_id"
    " WHERE r.tenant_id = {} AND r.decision IN ('approve', 'reject')")
_OVERDUE = ("SELECT ap.kind, ap.chain, ap.current_step FROM application ap WHERE ap.tenant_id = {}"
            " AND ap.status IN ('submitted', 'in_review') AND ap.step_due_at <= {}")


def _moment(value) -> datetime:
    return aware(datetime.fromisoformat(value) if isinstance(value, str) else value)


def p90(values: list[int]) -> float:
    """The nearest-rank 90th percentile: nine in ten decisions took at most this long."""
    ordered = sorted(values)
    return float(ordered[max(0, math.ceil(0.9 * len(ordered)) - 1)])


@dataclass
class _Tally:
    days: list[int] = field(default_factory=list)
    approved: int = 0
    rejected: int = 0
    overdue: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    appealed: int = 0
    overturned: int = 0


class _Steps:
    """Chains decoded once each: the (unit id, step index, label) of a step of a stored chain."""

    def __init__(self) -> None:
        self._chains: dict[str, object] = {}

    def step(self, chain_text, index: int):
        key = chain_text if isinstance(chain_text, str) else str(chain_text)
        if key not in self._chains:
            self._chains[key] = decode_chain(chain_text)
        steps = self._chains[key].steps  # type: ignore[attr-defined]
        return steps[index] if index < len(steps) else None


def _reason_label(step, code: str | None) -> str:
    if not code:
        return ""
    return next((r.label for r in (step.refusal_reasons if step else []) if r.code == code), code)


def _in_scope(scope: Scope, unit_id: int | None) -> bool:
    return unit_id in scope.units if unit_id is not None else scope.root


async def workload_report(tenant: TenantContext, actor: Principal, unit_code: str | None,
                          date_from: str | None = None, date_to: str | None = None, *,
                          now: datetime | None = None) -> WorkloadReport:
    start, end = parse_range(date_from, date_to)
    scope = await report_scope(tenant, actor, unit_code)
    now = now or utcnow()
    between, between_args = _created_between("r.created_at", start, end)
    steps = _Steps()
    by_unit: dict[tuple, _Tally] = defaultdict(_Tally)
    by_reviewer: dict[tuple, _Tally] = defaultdict(_Tally)
    names: dict[int, str] = {}
    labels: dict[tuple[str, str], tuple[int, str]] = {}  # (kind, step) → (index, label)
    refusals: dict[tuple[int, int], tuple[_Tally, _Tally]] = {}  # (application, step) → its rows' tallies

    for r in await Achievement.raw(_DECISIONS + between, tenant.id, *between_args):
        step = steps.step(r["chain"], r["step"])
        unit_id = step.unit_id if step else None
        if not _in_scope(scope, unit_id):
            continue
        labels.setdefault((r["kind"], r["step_name"]), (r["step"], step.label if step else r["step_name"]))
        decided = _moment(r["created_at"])
        days = working_days_between(_moment(r["started_at"]) if r["started_at"] else decided, decided)
        names[r["actor_id"]] = r["actor_name"]
        tallies = (by_unit[(unit_id, r["kind"], r["step_name"])],
                   by_reviewer[(unit_id, r["actor_id"], r["kind"], r["step_name"])])
        if r["decision"] == "reject":
            refusals[(r["application_id"], r["step"])] = tallies
        reason = _reason_label(step, r["reason_code"]) if r["decision"] == "reject" else ""
        for tally in tallies:
            tally.days.append(days)
            if r["decision"] == "approve":
                tally.approved += 1
            else:
                tally.rejected += 1
                if reason:
                    tally.reasons[reason] = tally.reasons.get(reason, 0) + 1
    if refusals:
        for appeal in await Appeal.select(Appeal.application_id, Appeal.step, Appeal.status).where(
                Appeal.tenant_id == tenant.id, Appeal.application_id.is_in(list({a for a, _ in refusals}))):
            for tally in refusals.get((appeal["application_id"], appeal["step"]), ()):
                tally.appealed += 1
                tally.overturned += appeal["status"] == "overturned"
    for r in await Achievement.raw(_OVERDUE, tenant.id, now):
        step = steps.step(r["chain"], r["current_step"])
        if step is None or not _in_scope(scope, step.unit_id):
            continue
        labels.setdefault((r["kind"], step.name), (r["current_step"], step.label))
        by_unit[(step.unit_id, r["kind"], step.name)].overdue += 1

    def row(unit_id: int | None, kind: str, step_name: str, tally: _Tally, **reviewer) -> WorkloadRow:
        unit = scope.units.get(unit_id) if unit_id is not None else None
        return WorkloadRow(
            unit=unit_ref(tenant, unit) if unit else None, kind=kind, kind_label=KIND_LABELS.get(kind, kind),
            step=step_name, step_label=labels[(kind, step_name)][1], decided=len(tally.days),
            approved=tally.approved, rejected=tally.rejected, overdue=tally.overdue, reasons=tally.reasons,
            appealed=tally.appealed, overturned=tally.overturned,
            median_days=float(statistics.median(tally.days)) if tally.days else None,
            p90_days=p90(tally.days) if tally.days else None, **reviewer)

    def order(unit_id: int | None, kind: str, step_name: str) -> tuple:
        path = scope.units[unit_id]["path"] if unit_id is not None else ""
        return path, kind, labels[(kind, step_name)][0]

    unit_rows = [row(u, k, s, t) for (u, k, s), t in sorted(by_unit.items(), key=lambda kv: order(*kv[0]))]
    reviewer_rows = [row(u, k, s, t, reviewer_id=a, reviewer=names[a]) for (u, a, k, s), t in sorted(
        by_reviewer.items(), key=lambda kv: (order(kv[0][0], kv[0][2], kv[0][3]), names[kv[0][1]], kv[0][1]))]
    return WorkloadReport(
        unit=unit_ref(tenant, scope.unit), date_from=start, date_to=end, generated_at=now, by_unit=unit_rows,
        by_reviewer=reviewer_rows, decided=sum(r.decided for r in unit_rows), overdue=sum(r.overdue for r in unit_rows))
