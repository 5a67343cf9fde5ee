"""Reports on a tenant's service network for its staff: figures per child unit of a unit, and
the reviews that have outrun their deadline.

Learners, outcomes and applications are read from the per-unit, per-period counters
(core/reports/counters.py, kept in the transaction of every change); overdue reviews, which
depend on the clock, from one live aggregate over the open applications of the unit's subtree
(the materialized ``path``), grouped by unit. Rolling units up into their child of the reported
unit happens here, over at most a few hundred groups. Learners, outcomes and applications
count where the learner belongs (``account.unit_id``); an overdue review counts at the unit
that must decide its current step (``application.step_unit_id``), and a step any holder of
the role in the tenant may decide counts at the top of the tree.

Who may look: staff holding ``tenant_admin`` (anywhere), ``unit_admin`` or ``committee`` over
the unit (their grant's subtree). A unit outside the caller's scope is reported as not found.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from core.accounts.tables import Account
from core.achievements.tables import Achievement
from core.clock import aware, utcnow
from core.errors import DomainError
from core.hierarchy.tables import OrgUnit
from core.ids import in_range
from core.reports import counters
from core.reports.schemas import (
    CategoryColumn,
    OverdueCount,
    OverdueItem,
    OverduePage,
    StatusColumn,
    SubtypeColumn,
    UnitRef,
    UnitReport,
    UnitRow,
)
from core.reviews.engine import decode_chain
from core.reviews.service import KIND_LABELS, STATUS_LABELS, STATUSES
from core.security.permissions import ACTIONS, require
from core.security.principal import Principal
from core.tenancy.context import TenantContext
from core.workdays import days_overdue, local_midnight

REPORT_ROLES = ACTIONS["reports.read"]


class ReportError(DomainError):
    pass


# ---------------------------------------------------------------------------------------------
# The unit reported on, and who may see it


@dataclass(frozen=True)
class Scope:
    """The reported unit and its subtree. ``bucket`` maps every unit of the subtree to the code
    of the child it rolls up into, or to ``""`` for the unit itself."""

    tenant_id: int
    unit: dict
    units: dict[int, dict]
    children: list[dict]
    bucket: dict[int, str]

    @property
    def root(self) -> bool:
        return self.unit["parent_id"] is None

    def subtree_join(self, column: str) -> tuple[str, list]:
        """A join keeping the rows whose ``column`` (a unit id) lies in the subtree; none for a
        root unit, whose subtree is the tenant (rows of units outside it are dropped later)."""
        if self.root:
            return "", []
        return (f" JOIN org_unit su ON su.id = {column} AND su.tenant_id = {{}} AND su.path LIKE {{}}",
                [self.tenant_id, self.unit["path"] + "%"])


_UNIT_COLUMNS = "SELECT id, code, name, level, path, parent_id FROM org_unit WHERE tenant_id = {}"


def unit_ref(tenant: TenantContext, unit: dict) -> UnitRef:
    level = tenant.hooks.org_level(unit["level"])
    return UnitRef(code=unit["code"], name=unit["name"], level=unit["level"],
                   level_label=level.label if level else unit["level"])


async def report_scope(tenant: TenantContext, actor: Principal, unit_code: str | None) -> Scope:
    """The subtree of ``unit_code`` (default: the widest unit the actor reports on).

    Raises 403 for staff holding none of the report roles, 400 (field ``unit``) for a code the
    tenant does not have, 404 for a unit outside the actor's scope."""
    require(actor, "reports.read")
    grants = [g for g in actor.grants if g.role in REPORT_ROLES]
    if not unit_code:
        unit_code = min(grants, key=lambda g: (g.unit_path.count("/"), g.unit_path)).unit_code
    found = await OrgUnit.raw(_UNIT_COLUMNS + " AND code = {}", tenant.id, unit_code)
    if not found:
        raise ReportError(f"单位 {unit_code} 不存在", 400, extra={"field": "unit"})
    unit = found[0]
    if not actor.covers(unit["path"], *REPORT_ROLES):
        raise ReportError(f"未找到单位 {unit_code}", 404)
    prefix = unit["path"]
    # LIKE finds the subtree by its index; startswith keeps it exact (SQLite's LIKE ignores case).
    rows = [r for r in await OrgUnit.raw(_UNIT_COLUMNS + " AND path LIKE {}", tenant.id, prefix + "%")
            if r["path"].startswith(prefix)]
    child = prefix.count("/")  # "/ZJ/ZJ-B01/…".split("/"): the unit's code at index 1, its child's at 2
    bucket = {r["id"]: ("" if r["id"] == unit["id"] else r["path"].split("/")[child]) for r in rows}
    children = sorted((r for r in rows if r["parent_id"] == unit["id"]), key=lambda r: r["code"])
    return Scope(tenant.id, unit, {r["id"]: r for r in rows}, children, bucket)


_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def parse_range(date_from: str | None, date_to: str | None) -> tuple[date | None, date | None]:
    """``YYYY-MM-DD`` dates, both optional and both included; 400 naming the field otherwise."""
    parsed = []
    for field, text in (("from", date_from), ("to", date_to)):
        try:
            if text and not _DATE.fullmatch(text):
                raise ValueError(text)
            parsed.append(date.fromisoformat(text) if text else None)
        except ValueError:
            raise ReportError(f"日期格式应为 YYYY-MM-DD（年-月-日），收到“{text}”", 400, extra={"field": field}) from None
    start, end = parsed
    if start and end and start > end:
        raise ReportError("结束日期不能早于开始日期", 400, extra={"field": "to"})
    return start, end


def _created_between(column: str, start: date | None, end: date | None) -> tuple[str, list]:
    """Creation time within the dates, taken as days in China's time zone."""
    sql, args = "", []
    if start:
        sql += f" AND {column} >= {{}}"
        args.append(local_midnight(start))
    if end:
        sql += f" AND {column} < {{}}"
        args.append(local_midnight(end + timedelta(days=1)))
    return sql, args


# ---------------------------------------------------------------------------------------------
# Deadlines of open reviews


def _current_step(row: dict):
    chain = decode_chain(row["chain"])
    return chain.steps[row["current_step"]] if row["current_step"] < len(chain.steps) else None


def _moment(value) -> datetime:
    # A timestamp read through a subquery comes back from SQLite as its stored text.
    return aware(datetime.fromisoformat(value) if isinstance(value, str) else value)


# An open review is overdue once its current step's deadline, stored when the step began
# (``application.step_due_at``, working days from core.workdays), has passed.
_OPEN_OVERDUE = " WHERE ap.tenant_id = {} AND ap.status IN ('submitted', 'in_review') AND ap.step_due_at <= {}"


def overdue_statements(tenant: TenantContext, scope: Scope, now: datetime, start: date | None,
                       end: date | None) -> tuple[tuple[str, list], None]:
    """The count of overdue reviews per responsible unit, one statement the partial index
    ``application_open_due`` answers. (The second element, once the rows to judge one by one
    when deadlines were inferred, is always None now that every step stores its own.)"""
    join, join_args = scope.subtree_join("ap.step_unit_id")
    between, between_args = _created_between("ap.created_at", start, end)
    return (("SELECT ap.step_unit_id AS unit_id, COUNT(*) AS n FROM application ap" + join + _OPEN_OVERDUE
             + between + " GROUP BY ap.step_unit_id", [*join_args, tenant.id, now, *between_args]), None)


async def overdue_counts(tenant: TenantContext, scope: Scope, now: datetime, start: date | None,
                         end: date | None) -> dict[int | None, int]:
    """Overdue open reviews per responsible unit id (None: a tenant-wide step) of the subtree."""
    (sql, args), _ = overdue_statements(tenant, scope, now, start, end)
    counts: dict[int | None, int] = {}
    for r in await Achievement.raw(sql, *args):
        counts[r["unit_id"]] = counts.get(r["unit_id"], 0) + int(r["n"])
    return counts


# ---------------------------------------------------------------------------------------------
# Figures per child unit


def _columns(tenant: TenantContext, seen: Iterable[tuple[str, str]]) -> list[CategoryColumn]:
    """The taxonomy's categories, then any category found in the data that it no longer has."""
    columns = [CategoryColumn(code=c.code, label=c.label, subtypes=[
        SubtypeColumn(code=s.code, label=s.label, key=f"{c.code}/{s.code}") for s in c.subtypes
    ] if len(c.subtypes) > 1 else []) for c in tenant.hooks.taxonomy.categories]
    known = {c.code for c in columns}
    columns += [CategoryColumn(code=code, label=code, subtypes=[]) for code in sorted({c for c, _ in seen} - known)]
    return columns


def figures_statements(tenant: TenantContext, scope: Scope, start: date | None,
                       end: date | None) -> list[tuple[str, list]]:
    """Learners; outcomes by category and sub-type; applications by status: one statement
    each, per unit of the subtree, all with rows of ``(measure, unit_id, k1, k2, n)``: the scan
    the report made before it read the counters, kept as what they must equal (tests, the
    benchmark's baseline)."""
    join, join_args = scope.subtree_join("acc.unit_id")
    statements = []
    for select, where, created, group in (
        ("SELECT 'learners' AS measure, acc.unit_id AS unit_id, '' AS k1, '' AS k2, COUNT(*) AS n FROM account acc",
         " WHERE acc.tenant_id = {} AND acc.kind = 'learner'", "acc.created_at", ""),
        ("SELECT 'achievements' AS measure, acc.unit_id AS unit_id, a.category AS k1, a.subtype AS k2, COUNT(*) AS n"
         " FROM achievement a JOIN account acc ON acc.tenant_id = a.tenant_id AND acc.id = a.learner_id",
         " WHERE a.tenant_id = {} AND acc.tenant_id = {}", "a.created_at", ", a.category, a.subtype"),
        ("SELECT 'applications' AS measure, acc.unit_id AS unit_id, ap.status AS k1, '' AS k2, COUNT(*) AS n"
         " FROM application ap JOIN account acc ON acc.tenant_id = ap.tenant_id AND acc.id = ap.learner_id",
         " WHERE ap.tenant_id = {} AND acc.tenant_id = {}", "ap.created_at", ", ap.status"),
    ):
        between, between_args = _created_between(created, start, end)
        statements.append((select + join + where + between + " GROUP BY acc.unit_id" + group,
                           [*join_args, *[tenant.id] * where.count("{}"), *between_args]))
    statements.append(collected_statement(tenant, scope, start, end))
    return statements


def collected_statement(tenant: TenantContext, scope: Scope, start: date | None, end: date | None) -> tuple[str, list]:
    """Outcomes by the unit that collected them (信息采集), by category and whether recognized:
    rows of ``('collected', unit_id, category, recognized, n)``, read from the partial index
    ``achievement_collected_status`` alone where it serves."""
    join, join_args = scope.subtree_join("a.collected_by_unit_id")
    between, between_args = _created_between("a.created_at", start, end)
    return ("SELECT 'collected' AS measure, a.collected_by_unit_id AS unit_id, a.category AS k1,"
            " CASE WHEN a.status = 'recognized' THEN 'recognized' ELSE '' END AS k2, COUNT(*) AS n"
            " FROM achievement a" + join + " WHERE a.tenant_id = {} AND a.collected_by_unit_id IS NOT NULL" + between
            + " GROUP BY a.collected_by_unit_id, a.category, CASE WHEN a.status = 'recognized' THEN 'recognized' ELSE '' END",
            [*join_args, tenant.id, *between_args])


async def unit_report(tenant: TenantContext, actor: Principal, unit_code: str | None, date_from: str | None = None,
                      date_to: str | None = None, *, now: datetime | None = None) -> UnitReport:
    """Learners, outcomes by category and sub-type, applications by status and overdue reviews
    for each child unit of ``unit_code`` (its subtree rolled into its row), the unit's own row
    and a total, counting what was created between the dates (both included)."""
    start, end = parse_range(date_from, date_to)
    scope = await report_scope(tenant, actor, unit_code)
    now = now or utcnow()
    # Learners, outcomes and applications from the counters (core/reports/counters.py: the
    # same figures as ``figures_statements`` would scan for); overdue reviews live.
    figures, overdue = await asyncio.gather(
        counters.figures(tenant.id, start, end, None if scope.root else list(scope.units)),
        overdue_counts(tenant, scope, now, start, end))

    columns = _columns(tenant, ((r["k1"], r["k2"]) for r in figures if r["measure"] in ("achievements", "collected")))
    subtype_keys = [f"{c.code}/{s.code}" for c in tenant.hooks.taxonomy.categories for s in c.subtypes]
    extra = sorted({f"{r['k1']}/{r['k2']}" for r in figures if r["measure"] == "achievements"} - set(subtype_keys))
    subtype_keys += extra

    def empty(kind: str, unit: dict | None, name: str) -> UnitRow:
        ref = unit_ref(tenant, unit) if unit else None
        return UnitRow(kind=kind, code=ref.code if ref else None, name=name, level=ref.level if ref else None,
                       level_label=ref.level_label if ref else None, categories={c.code: 0 for c in columns},
                       subtypes=dict.fromkeys(subtype_keys, 0), statuses=dict.fromkeys(STATUSES, 0),
                       collected_categories={c.code: 0 for c in columns})

    rows = {c["code"]: empty("child", c, c["name"]) for c in scope.children}
    own = empty("own", scope.unit, scope.unit["name"])
    unassigned = empty("unassigned", None, "未归属单位") if scope.root else None

    def row_of(unit_id: int | None, *, responsible: bool = False) -> UnitRow | None:
        if unit_id is None:  # no unit: the learner has none, or any reviewer in the tenant decides
            return own if responsible and scope.root else unassigned
        code = scope.bucket.get(unit_id)
        if code is None:  # another root's subtree
            return None
        return rows[code] if code else own

    for r in figures:
        row = row_of(r["unit_id"])
        if row is None:
            continue
        n = int(r["n"])
        if r["measure"] == "learners":
            row.learners += n
        elif r["measure"] == "collected":
            row.collected += n
            row.collected_recognized += n if r["k2"] == "recognized" else 0
            row.collected_categories[r["k1"]] = row.collected_categories.get(r["k1"], 0) + n
        elif r["measure"] == "achievements":
            row.achievements += n
            row.categories[r["k1"]] = row.categories.get(r["k1"], 0) + n
            row.subtypes[f"{r['k1']}/{r['k2']}"] += n
        else:
            row.applications += n
            row.statuses[r["k1"]] = row.statuses.get(r["k1"], 0) + n
    for unit_id, n in overdue.items():
        if row := row_of(unit_id, responsible=True):
            row.overdue += n

    parts = [*rows.values(), own, *([unassigned] if unassigned else [])]
    total = empty("total", None, "合计")
    for part in parts:
        total.learners += part.learners
        total.achievements += part.achievements
        total.applications += part.applications
        total.overdue += part.overdue
        total.collected += part.collected
        total.collected_recognized += part.collected_recognized
        for target, source in ((total.categories, part.categories), (total.subtypes, part.subtypes),
                               (total.statuses, part.statuses), (total.collected_categories, part.collected_categories)):
            for key, n in source.items():
                target[key] = target.get(key, 0) + n
    if unassigned and not (unassigned.learners or unassigned.achievements or unassigned.applications
                           or unassigned.collected):
        unassigned = None
    return UnitReport(
        unit=unit_ref(tenant, scope.unit), date_from=start, date_to=end, generated_at=now, categories=columns,
        statuses=[StatusColumn(code=s, label=STATUS_LABELS[s]) for s in STATUSES], rows=list(rows.values()), own=own,
        unassigned=unassigned, total=total)


# ---------------------------------------------------------------------------------------------
# Overdue reviews, listed


def _cursor(text: str | None) -> tuple[str, int] | None:
    if not text:
        return None
    path, _, last = text.rpartition("|")
    if not last.isdigit() or not in_range(int(last)):
        raise ReportError("cursor 无效", 400, extra={"field": "cursor"})
    return path, int(last)


async def overdue_report(tenant: TenantContext, actor: Principal, unit_code: str | None, date_from: str | None = None,
                         date_to: str | None = None, *, cursor: str | None = None, limit: int = 100,
                         now: datetime | None = None) -> OverduePage:
    """Open reviews past their deadline that units of the subtree of ``unit_code`` must decide
    (and, for a root unit, tenant-wide steps), submitted between the dates; ordered by the
    responsible unit in tree order, then by application, a page at a time."""
    start, end = parse_range(date_from, date_to)
    after = _cursor(cursor)
    scope = await report_scope(tenant, actor, unit_code)
    now = now or utcnow()
    counts = await overdue_counts(tenant, scope, now, start, end)

    args: list = [tenant.id, now]
    if scope.root:  # rows of another root's units are dropped below
        subtree = ""
    else:
        subtree, args = " AND su.path LIKE {}", [*args, scope.unit["path"] + "%"]
    between, between_args = _created_between("ap.created_at", start, end)
    sql = ("SELECT ap.id, ap.kind, ap.status, ap.chain, ap.current_step, ap.step_unit_id, ap.learner_id,"
           " ap.achievement_id, ap.created_at, ap.step_started_at, ap.step_due_at, COALESCE(su.path, '') AS unit_path"
           " FROM application ap LEFT JOIN org_unit su ON su.tenant_id = ap.tenant_id AND su.id = ap.step_unit_id"
           + _OPEN_OVERDUE + subtree + between)
    args += between_args
    found: list[dict] = []
    batch = limit + 1
    while len(found) <= limit:
        keyset, keyset_args = (" AND (COALESCE(su.path, ''), ap.id) > ({}, {})", list(after)) if after else ("", [])
        rows = await Achievement.raw(sql + keyset + f" ORDER BY COALESCE(su.path, ''), ap.id LIMIT {batch}",
                                     *args, *keyset_args)
        for r in rows:
            if r["step_unit_id"] in scope.units if r["step_unit_id"] is not None else scope.root:
                found.append(r)
        if len(rows) < batch:
            break
        after = (rows[-1]["unit_path"], rows[-1]["id"])
        batch = min(batch * 4, 5000)  # few rows of a batch were in scope: read further at once
    page, more = found[:limit], len(found) > limit

    learners = {r["id"]: r["real_name"] for r in await Account.select(Account.id, Account.real_name).where(
        Account.tenant_id == tenant.id, Account.id.is_in([r["learner_id"] for r in page] or [0]))}
    achievements = {r["id"]: r["name"] for r in await Achievement.select(Achievement.id, Achievement.name).where(
        Achievement.tenant_id == tenant.id, Achievement.id.is_in([r["achievement_id"] for r in page
                                                                  if r["achievement_id"]] or [0]))}
    items = []
    for r in page:
        step = _current_step(r)
        unit = scope.units.get(r["step_unit_id"])
        due = _moment(r["step_due_at"])
        items.append(OverdueItem(
            application_id=r["id"], kind=r["kind"], kind_label=KIND_LABELS.get(r["kind"], r["kind"]),
            status=r["status"],
            step=step.name if step else "", step_label=step.label if step else "",
            unit=unit_ref(tenant, unit) if unit else None, learner_name=learners.get(r["learner_id"], ""),
            achievement_id=r["achievement_id"], achievement_name=achievements.get(r["achievement_id"], ""),
            submitted_at=aware(r["created_at"]), step_started_at=_moment(r["step_started_at"]), due_at=due,
            days_overdue=days_overdue(due, now)))

    def tree_order(unit_id: int | None) -> str:
        return scope.units[unit_id]["path"] if unit_id is not None else ""

    by_unit = [OverdueCount(unit=unit_ref(tenant, scope.units[u]) if u is not None else None, overdue=n)
               for u, n in sorted(counts.items(), key=lambda kv: tree_order(kv[0]))
               if (u in scope.units if u is not None else scope.root)]
    return OverduePage(
        unit=unit_ref(tenant, scope.unit), generated_at=now, total=sum(c.overdue for c in by_unit), by_unit=by_unit,
        items=items, next_cursor=f"{page[-1]['unit_path']}|{page[-1]['id']}" if more else None)
