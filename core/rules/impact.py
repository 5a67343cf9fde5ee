"""Impact before publishing: what a new rule, an edit or retiring one would change — how many
learners' usable rules change (gaining or losing this one), and which applications in flight
cite the version being replaced. Reads only; nothing is written."""

from __future__ import annotations

from datetime import date

import msgspec

from core import db
from core.catalog.tables import CatalogEntry
from core.errors import DomainError
from core.rules import conditions as cond
from core.rules.explain import HELD, defaults_of, evaluate, learner_state, load_terms
from core.rules.schemas import ImpactIn, ImpactOut, PendingUse
from core.rules.service import resolve_conditions, resolve_entry
from core.rules.tables import Rule

OPEN = ("submitted", "in_review")
CHUNK = 500  # learners evaluated per round of reads


async def _program(tenant_id: int, entry: int) -> str:
    row = await CatalogEntry.select(CatalogEntry.project_name).where(
        CatalogEntry.tenant_id == tenant_id, CatalogEntry.id == entry).first()
    return row["project_name"] if row else ""


async def preview(tenant_id: int, hooks, data: ImpactIn) -> ImpactOut:
    old: cond.Terms | None = None
    new: cond.Terms | None = None
    if data.rule_id is not None:
        row = await Rule.select(Rule.id, Rule.status, Rule.version).where(
            Rule.id == data.rule_id, Rule.tenant_id == tenant_id).first()
        if row is None:
            raise DomainError("未找到该规则", 404)
        if row["status"] == "published":
            old = (await load_terms(tenant_id, [data.rule_id]))[data.rule_id]
        if data.retire:
            new = None
        elif data.patch is not None and old is not None:
            new = msgspec.structs.replace(old, rule_id=-1)
            if data.patch.credits is not None:
                new.credits = data.patch.credits
            if data.patch.conditions is not None:
                optional = set(old.conditions.any_of.entries) if old.conditions.any_of else set()
                new.conditions, new.sources = await resolve_conditions(
                    tenant_id, hooks, data.patch.conditions, [s for s in old.sources if s not in optional], old.target)
        else:
            raise DomainError("请说明要预览的修改（patch）或停用（retire）", 400, extra={"field": "patch"})
    elif data.rule is not None:
        sources = [await resolve_entry(tenant_id, ref, "sources") for ref in data.rule.sources]
        target = await resolve_entry(tenant_id, data.rule.target, "target")
        conditions, every = await resolve_conditions(tenant_id, hooks, data.rule.conditions, sources, target)
        new = cond.Terms(rule_id=-1, sources=every, target=target, target_program=await _program(tenant_id, target),
                         credits=data.rule.credits, conditions=conditions, valid_from=data.rule.valid_from)
    else:
        raise DomainError("请提供新规则（rule）或要修改、停用的规则编号（rule_id）", 400, extra={"field": "rule_id"})
    entries = sorted({e for t in (old, new) if t for e in t.sources})
    learners: list[int] = []
    if entries:
        rows = await db.fetch(
            Rule, "SELECT DISTINCT learner_id FROM achievement WHERE tenant_id = $1 "
                  f"AND catalog_entry_id IN ({', '.join(f'${i + 2}' for i in range(len(entries)))}) "
                  f"AND status IN ({', '.join(f'${i + 2 + len(entries)}' for i in range(len(HELD)))})",
            tenant_id, *entries, *HELD)
        learners = sorted(r["learner_id"] for r in rows)
    defaults, today = defaults_of(hooks), date.today()
    gaining = losing = 0
    for start in range(0, len(learners), CHUNK):
        for holdings, ledger in (await learner_state(tenant_id, learners[start:start + CHUNK])).values():
            before = old is not None and evaluate(old, holdings, ledger, {}, defaults, today).status == "applies"
            after = new is not None and evaluate(new, holdings, ledger, {}, defaults, today).status == "applies"
            gaining += after and not before
            losing += before and not after
    pending: list[PendingUse] = []
    if data.rule_id is not None:
        rows = await db.fetch(
            Rule, "SELECT a.id, a.status, u.version FROM application a LEFT JOIN conversion_rule_use u "
                  "ON u.tenant_id = a.tenant_id AND u.application_id = a.id "
                  "WHERE a.tenant_id = $1 AND a.rule_id = $2 AND a.status IN ($3, $4) ORDER BY a.id",
            tenant_id, data.rule_id, *OPEN)
        pending = [PendingUse(application_id=r["id"], version=r["version"] or 1, status=r["status"]) for r in rows]
    if data.retire:
        note = "停用后，已提交的申请仍按其提交时的版本审核，不受影响"
    elif pending:
        note = f"有 {len(pending)} 个审核中的申请引用当前版本；修改后它们仍按原版本审核"
    else:
        note = "没有审核中的申请引用当前版本"
    return ImpactOut(learners_gaining=gaining, learners_losing=losing, learners_changed=gaining + losing,
                     pending=pending, note=note)
