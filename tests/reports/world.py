"""A small Zhejiang service network with learners, outcomes and applications spread over
several units, written straight into the tables (as imports and reviews leave them) and counted by a rebuild
of the report's counters, and the
plain SQL the tests check the reports against."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import msgspec

from core.accounts.tables import Account
from core.achievements.tables import Achievement
from core.clock import utcnow
from core.hierarchy.service import create_unit
from core.hierarchy.tables import OrgUnit
from core.reports import counters
from core.reviews.engine import ResolvedChain, ResolvedStep, resolve_chain, step_due_at
from core.reviews.tables import Application
from core.tenancy.context import TenantContext

_serial = itertools.count(1)

# (unit code or None, learners): the centre itself, a branch itself, sub-centres and the
# acceptance points below them, a sub-centre straight under the centre, and no unit at all.
LEARNERS = [("ZJ", 1), ("ZJ-B01", 2), ("ZJ-S01", 1), ("ZJ-S01-A01", 3), ("ZJ-S02", 1), ("ZJ-S57", 1),
            ("ZJ-S57-A01", 2), ("ZJ-S90", 1), (None, 1)]
# Outcomes each learner stores, in turn: (category, subtype).
OUTCOMES = [("social_training", "social_training"), ("academic", "course"), ("informal", "volunteer_service"),
            ("social_training", "social_training"), ("vocational", "skill_level"), ("academic", "degree")]


@dataclass
class World:
    tenant: TenantContext
    now: datetime
    units: dict[str, dict]
    learners: dict[int, str | None] = field(default_factory=dict)  # id → unit code
    overdue: set[int] = field(default_factory=set)  # application ids past their deadline
    not_overdue: set[int] = field(default_factory=set)  # open, within their deadline
    old: datetime | None = None  # creation time of the "last year" rows


async def _learner(tenant: TenantContext, unit: dict | None, created: datetime) -> int:
    n = next(_serial)
    row = Account(tenant_id=tenant.id, kind="learner", username=f"learner{n:04d}", status="active",
                  real_name=f"学员{n}", unit_id=unit["id"] if unit else None, source="import",
                  created_at=created, updated_at=created, activated_at=created)
    await row.save()
    return row.id


async def _achievement(tenant: TenantContext, learner_id: int, category: str, subtype: str, status: str,
                       created: datetime, due: datetime | None = None) -> int:
    row = Achievement(tenant_id=tenant.id, learner_id=learner_id, category=category, subtype=subtype,
                      name=f"{subtype}成果", fields="{}", status=status, review_due_at=due,
                      created_at=created, updated_at=created)
    await row.save()
    return row.id


async def _application(tenant: TenantContext, learner_id: int, achievement_id: int, kind: str, chain: ResolvedChain,
                       status: str, step: int, created: datetime, moved: datetime) -> int:
    """An application whose current step began at ``moved``, with the deadline the engine
    stores: a stored-outcome review keeps its outcome's, any other step its working days."""
    current = chain.steps[step]
    due = step_due_at(current, moved)
    if kind == "store_review":
        due = (await Achievement.select(Achievement.review_due_at).where(Achievement.id == achievement_id)
               .first())["review_due_at"] or due
    row = Application(tenant_id=tenant.id, learner_id=learner_id, kind=kind, achievement_id=achievement_id,
                      status=status, chain=msgspec.json.encode(chain).decode(), current_step=step,
                      step_role=current.role, step_unit_id=current.unit_id, created_at=created, updated_at=moved,
                      step_started_at=moved, step_due_at=due,
                      decided_at=moved if status in ("approved", "rejected", "withdrawn") else None)
    await row.save()
    return row.id


async def build(tenant: TenantContext) -> World:
    """The network of ``LEARNERS``: each learner with the outcomes of ``OUTCOMES`` (the
    last two stored a year ago), and applications in every status, some of them overdue."""
    levels = tenant.hooks.org_levels
    for code, parent in (("ZJ-S01-A01", "ZJ-S01"), ("ZJ-S57-A01", "ZJ-S57")):
        await create_unit(tenant.id, levels, code=code, level="acceptance_point", name=f"{parent}社区学校受理点",
                          parent_code=parent)
    units = {u["code"]: u for u in await OrgUnit.select(OrgUnit.id, OrgUnit.code, OrgUnit.path, OrgUnit.level)
             .where(OrgUnit.tenant_id == tenant.id)}
    now = utcnow()
    world = World(tenant, now, units, old=now - timedelta(days=400))
    recognition = tenant.hooks.review_chain("recognition", "social_training", "social_training")
    long_ago, yesterday = now - timedelta(days=40), now - timedelta(days=1)

    k = 0
    for code, count in LEARNERS:
        unit = units[code] if code else None
        chain = await resolve_chain(tenant.id, recognition, unit) if unit and unit["code"] != "ZJ" else None
        for _ in range(count):
            learner = await _learner(tenant, unit, world.old if k % 4 == 3 else now - timedelta(days=3))
            world.learners[learner] = code
            ids = []
            for i, (category, subtype) in enumerate(OUTCOMES):
                created = world.old if i >= 4 else now - timedelta(days=2)
                ids.append(await _achievement(tenant, learner, category, subtype, "unapplied", created))
            k += 1
            if chain is None:
                continue
            # One application in each status, turn by turn; open ones alternate old and recent.
            status = ("submitted", "in_review", "approved", "rejected", "withdrawn")[k % 5]
            step = 1 if status in ("in_review", "approved") else 0
            moved = long_ago if k % 2 else yesterday
            app = await _application(tenant, learner, ids[0], "recognition", chain, status, step, moved, moved)
            if status in ("submitted", "in_review"):
                (world.overdue if moved == long_ago else world.not_overdue).add(app)
            # A recognition of the learner's second outcome, open at the acceptance step for 40 days.
            if k % 3 == 0:
                late = await _application(tenant, learner, ids[1], "recognition", chain, "submitted", 0,
                                          long_ago, long_ago)
                world.overdue.add(late)

    # Stored-outcome reviews, decided by the centre at tenant level: one past the achievement's
    # deadline, one whose step began long ago but whose deadline is still ahead.
    store = ResolvedChain(steps=[ResolvedStep(name="store_review", label="存储审核", role="unit_admin",
                                              reviewer="ancestor_level", level="center", unit_id=units["ZJ"]["id"],
                                              unit_code="ZJ", unit_name="浙江省终身教育学分银行")])
    wide = ResolvedChain(steps=[ResolvedStep(name="committee_review", label="专业委员会审核", role="committee")])
    learner = next(i for i, c in world.learners.items() if c == "ZJ-S57-A01")
    late = await _achievement(tenant, learner, "academic", "course", "applied", long_ago, due=now - timedelta(days=2))
    world.overdue.add(await _application(tenant, learner, late, "store_review", store, "submitted", 0, long_ago,
                                         long_ago))
    early = await _achievement(tenant, learner, "academic", "course", "applied", long_ago, due=now + timedelta(days=3))
    world.not_overdue.add(await _application(tenant, learner, early, "store_review", store, "submitted", 0, long_ago,
                                             long_ago))
    # A step any committee member of the tenant decides (no unit): counts at the centre itself.
    world.overdue.add(await _application(tenant, learner, late, "conversion", wide, "submitted", 0, long_ago, long_ago))
    # Rows written straight into the tables are counted as a bulk load is: by a rebuild.
    await counters.rebuild(tenant.id)
    return world


# ---------------------------------------------------------------------------------------------
# The same figures taken one by one with plain SQL


async def direct_counts(tenant_id: int, path: str | None, *, exact: bool = False, since: datetime | None = None,
                        until: datetime | None = None) -> dict:
    """Learners, outcomes per category and applications per status of the learners of the unit
    at ``path`` and below (``exact``: of that unit only; ``path`` None: of learners without a
    unit), created in [since, until)."""
    where, args = "acc.tenant_id = {}", [tenant_id]
    if path is None:
        where += " AND acc.unit_id IS NULL"
    elif exact:
        where += " AND acc.unit_id = (SELECT id FROM org_unit WHERE tenant_id = {} AND path = {})"
        args += [tenant_id, path]
    else:
        where += " AND acc.unit_id IN (SELECT id FROM org_unit WHERE tenant_id = {} AND path LIKE {})"
        args += [tenant_id, path + "%"]

    def created(alias: str) -> tuple[str, list]:
        sql, extra = "", []
        if since:
            sql, extra = sql + f" AND {alias}.created_at >= {{}}", extra + [since]
        if until:
            sql, extra = sql + f" AND {alias}.created_at < {{}}", extra + [until]
        return sql, extra

    sql, extra = created("acc")
    learners = await Account.raw(f"SELECT COUNT(*) AS n FROM account acc WHERE {where} AND acc.kind = 'learner'{sql}",
                                 *args, *extra)
    sql, extra = created("a")
    categories = await Account.raw(
        f"SELECT a.category, COUNT(*) AS n FROM achievement a JOIN account acc ON acc.id = a.learner_id "
        f"WHERE {where}{sql} GROUP BY a.category", *args, *extra)
    sql, extra = created("ap")
    statuses = await Account.raw(
        f"SELECT ap.status, COUNT(*) AS n FROM application ap JOIN account acc ON acc.id = ap.learner_id "
        f"WHERE {where}{sql} GROUP BY ap.status", *args, *extra)
    by_category = {r["category"]: int(r["n"]) for r in categories}
    by_status = {r["status"]: int(r["n"]) for r in statuses}
    return {"learners": int(learners[0]["n"]), "achievements": sum(by_category.values()), "categories": by_category,
            "applications": sum(by_status.values()), "statuses": by_status}


def figures(row: dict) -> dict:
    """A report row in the shape of ``direct_counts`` (zero counts left out)."""
    return {"learners": row["learners"], "achievements": row["achievements"],
            "categories": {k: v for k, v in row["categories"].items() if v},
            "applications": row["applications"], "statuses": {k: v for k, v in row["statuses"].items() if v}}
