"""Applications and their reviews: submission, withdrawal, the reviewers' queues, decisions.

State machine (see ARCHITECTURE.md): ``submitted → in_review (step k) → approved | rejected``,
``withdrawn`` by the learner before the first decision. Every event is an immutable
``ReviewRecord``; every transition is one conditional update, so two reviewers racing on one
step cannot both decide it; notifications go to the outbox in the same transaction.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec

from core.accounts.audit import audit
from core.accounts.tables import Account
from core.achievements.tables import Achievement, Evidence
from core.catalog.tables import CatalogEntry
from core.clock import aware, utcnow
from core.db import contains, one, starts_with
from core.errors import DomainError
from core.events import ApplicationDecided, ApplicationDeciding, ProofIssued, counted, notify, publish
from core.hierarchy.tables import OrgUnit
from core.paging import page_of
from core.reviews import claims
from core.reviews import proof_requests as proofs
from core.reviews.engine import (
    ResolvedChain,
    ResolvedStep,
    check_opinion,
    decode_chain,
    issues_proof,
    may_decide,
    resolve_chain,
    step_due_at,
)
from core.reviews.schemas import (
    ApplicationIn,
    ApplicationOut,
    ApplicationPage,
    DecisionIn,
    MaterialOut,
    QueueCounts,
    RecordOut,
    ReviewItem,
    ReviewPage,
    StepCount,
    StepOut,
)
from core.reviews.tables import Application, ProofRequestItem, ReviewMaterial, ReviewRecord
from core.rules import explain as rules_explain
from core.rules import service as rules_service
from core.rules.service import LIVE, rules_for_entries
from core.rules.tables import Rule
from core.security.principal import Principal
from core.storage import Storage
from core.storage.files import clean_filename, inspect_file
from core.tenancy.context import TenantContext
from core.workdays import due_at

OPEN = ("submitted", "in_review")
KIND_LABELS = {"recognition": "认定", "conversion": "转换", "performance_conversion": "业绩类转换",
               "certificate": "学习成果认证证明", "store_review": "存储审核"}
# How learners, reports and the platform name an application's status (reviewers' pages word
# a waiting application as 待审核 instead) and the decisions its records carry.
STATUSES = ("submitted", "in_review", "approved", "rejected", "withdrawn")
STATUS_LABELS = {"submitted": "已提交", "in_review": "审核中", "approved": "已通过", "rejected": "未通过",
                 "withdrawn": "已撤回"}
# Reviewers read the same statuses as their work: what waits for them is 待审核.
REVIEWER_STATUS_LABELS = {**STATUS_LABELS, "submitted": "待审核", "approved": "审核通过", "rejected": "审核不通过"}
DECISION_LABELS = {"submit": "提交申请", "approve": "同意", "reject": "不同意", "withdraw": "撤回申请"}


class ReviewError(DomainError):
    pass


def db():
    return Application._meta.db


# ---------------------------------------------------------------------------------------------
# Reading


async def application_out(row: dict) -> ApplicationOut:
    return (await application_outs([row]))[0]


async def application_outs(rows: list[dict]) -> list[ApplicationOut]:
    """The applications of ``rows`` (one tenant's) as the API shows them, with their records,
    materials and the names they refer to — each read once for all the rows, not per row."""
    if not rows:
        return []
    tenant_id = rows[0]["tenant_id"]
    ids = [r["id"] for r in rows]
    records: dict[int, list[dict]] = {}
    for r in await ReviewRecord.select().where(ReviewRecord.tenant_id == tenant_id,
                                               ReviewRecord.application_id.is_in(ids)).order_by(ReviewRecord.id):
        records.setdefault(r["application_id"], []).append(r)
    materials: dict[int, list[dict]] = {}
    for m in await ReviewMaterial.select().where(ReviewMaterial.tenant_id == tenant_id,
                                                 ReviewMaterial.application_id.is_in(ids)).order_by(ReviewMaterial.id):
        materials.setdefault(m["application_id"], []).append(m)
    achievements = await _names(Achievement, tenant_id, {r["achievement_id"] for r in rows})
    rules = await _names(Rule, tenant_id, {r["rule_id"] for r in rows})
    targets = await _names(CatalogEntry, tenant_id, {r["target_entry_id"] for r in rows})
    listed = await proofs.listed_outcomes([r["id"] for r in rows if r["kind"] == "certificate"])
    chains = {r["id"]: decode_chain(r["chain"]) for r in rows}
    codes = await proofs.proof_codes([r["id"] for r in rows if r["status"] == "approved"
                                      and issues_proof(r["kind"], chains[r["id"]])])
    outs = [_application_out(row, chains[row["id"]], records.get(row["id"], []), materials.get(row["id"], []),
                             achievements, rules, targets, listed.get(row["id"], []), codes.get(row["id"]))
            for row in rows]
    # The version of its rule each conversion was submitted (and is decided) under.
    versions = await rules_service.versions_used(tenant_id, [r["id"] for r in rows if r["rule_id"]])
    for row, out in zip(rows, outs):
        if row["rule_id"]:
            out.rule_version = versions.get(row["id"], 1)
    return outs


async def _names(table, tenant_id: int, ids: set[int | None]) -> dict[int, str]:
    wanted = [i for i in ids if i]
    if not wanted:
        return {}
    return {r["id"]: r["name"] for r in await table.select(table.id, table.name).where(
        table.tenant_id == tenant_id, table.id.is_in(wanted))}


def _application_out(row: dict, chain: ResolvedChain, records: list[dict], materials: list[dict],
                     achievements: dict[int, str], rules: dict[int, str], targets: dict[int, str],
                     listed: list[tuple[int, str]], proof_code: str | None) -> ApplicationOut:
    names = {i: s.name for i, s in enumerate(chain.steps)}
    labels = {s.name: s.label for s in chain.steps}
    material_outs = {m["id"]: MaterialOut(id=m["id"], step=names.get(m["step"], ""), filename=m["filename"],
                                          content_type=m["content_type"], size=m["size"], sha256=m["sha256"])
                     for m in materials}
    open_ = row["status"] in OPEN
    return ApplicationOut(
        id=row["id"], kind=row["kind"], status=row["status"],
        current_step=chain.steps[row["current_step"]].name if open_ else None,
        steps=[StepOut(name=s.name, label=s.label, role=s.role, unit_code=s.unit_code, unit_name=s.unit_name,
                       opinion_example=s.opinion.example if s.opinion else None, materials=s.materials,
                       materials_label=s.materials_label, onsite_check=s.onsite_check) for s in chain.steps],
        records=[RecordOut(step=r["step_name"], step_label=labels.get(r["step_name"], "提交" if r["decision"] == "submit" else ""),
                           decision=r["decision"], opinion=r["opinion"], reviewer=r["actor_name"], unit=r["unit_name"],
                           materials=[material_outs[m] for m in _json_list(r["materials"]) if m in material_outs],
                           at=r["created_at"], reason_code=r.get("reason_code") or "",
                           reason_label=_reason_label(chain, r)) for r in records],
        achievement_id=row["achievement_id"],
        achievement_name=achievements[row["achievement_id"]] if row["achievement_id"] in achievements
        else "、".join(name for _, name in listed),
        rule_id=row["rule_id"], rule_name=rules.get(row["rule_id"]) if row["rule_id"] else None,
        target_catalog_entry_id=row["target_entry_id"],
        target_name=targets.get(row["target_entry_id"]) if row["target_entry_id"] else None,
        target_achievement_id=row["target_achievement_id"], created_at=row["created_at"], decided_at=row["decided_at"],
        step_due_at=aware(row["step_due_at"]) if open_ and row.get("step_due_at") else None,
        achievement_ids=[a for a, _ in listed], proof_code=proof_code,
    )


def _reason_label(chain: ResolvedChain, record: dict) -> str:
    code = record.get("reason_code") or ""
    steps = [s for s in chain.steps if s.name == record["step_name"]]
    return next((r.label for s in steps for r in s.refusal_reasons if r.code == code), code)


def _json_list(value) -> list:
    return msgspec.json.decode(value) if isinstance(value, str) else value or []


async def my_applications(tenant: TenantContext, learner_id: int, *, achievement_id: int | None, cursor: int | None,
                          limit: int, kinds: list[str] | None = None) -> ApplicationPage:
    """The learner's applications, newest first; ``kinds`` narrows them (认定记录: recognitions)."""
    query = Application.select().where(Application.tenant_id == tenant.id, Application.learner_id == learner_id)
    if achievement_id:
        query = query.where(Application.achievement_id == achievement_id)
    if kinds:
        query = query.where(Application.kind.is_in(list(kinds)))
    if cursor:
        query = query.where(Application.id < cursor)
    rows = await query.order_by(Application.id, ascending=False).limit(limit + 1)
    return page_of(rows, limit, await application_outs(rows[:limit]))


async def my_application(tenant: TenantContext, learner_id: int, application_id: int) -> ApplicationOut:
    row = await Application.select().where(Application.id == application_id, Application.tenant_id == tenant.id,
                                           Application.learner_id == learner_id).first()
    if row is None:
        raise ReviewError("未找到该申请", 404)
    return await application_out(row)


# ---------------------------------------------------------------------------------------------
# Submission


async def _routing_unit(tenant: TenantContext, learner: dict, unit_code: str | None) -> dict | None:
    if unit_code:
        unit = await OrgUnit.select(OrgUnit.id, OrgUnit.code, OrgUnit.path).where(
            OrgUnit.tenant_id == tenant.id, OrgUnit.code == unit_code).first()
        if unit is None:
            raise ReviewError(f"服务点 {unit_code} 不存在", 400, extra={"field": "unit_code"})
        return unit
    if learner["unit_id"]:
        return await OrgUnit.select(OrgUnit.id, OrgUnit.code, OrgUnit.path).where(OrgUnit.id == learner["unit_id"]).first()
    return None


async def _check_conversion(tenant: TenantContext, learner_id: int, achievement: dict, rule_id: int | None) -> tuple[int, int]:
    """(rule id, target entry id) after checking the rule applies to this achievement."""
    if rule_id is None:
        raise ReviewError("请选择转换规则", 400, extra={"field": "rule_id"})
    rule = await Rule.select().where(Rule.id == rule_id, Rule.tenant_id == tenant.id).first()
    if rule is None:
        raise ReviewError("转换规则不存在", 400, extra={"field": "rule_id"})
    if rule["status"] != "published":
        raise ReviewError("该转换规则已停用", 409, extra={"field": "rule_id"})
    if achievement["status"] not in ("catalog", "recognized"):
        raise ReviewError("只有名录成果或已认定的成果才能申请转换", 409)
    usable = (await rules_for_entries(tenant.id, [achievement["catalog_entry_id"]] if achievement["catalog_entry_id"] else [])
              ).get(achievement["catalog_entry_id"], [])
    if rule_id not in usable:
        raise ReviewError("该成果不符合此规则的源成果要求，或规则不在有效期内", 400, extra={"field": "rule_id"})
    # Every condition of the rule (all sources held, thresholds, dates, caps), by the rules engine.
    await rules_explain.check_applies(tenant.id, tenant.hooks, learner_id, achievement, rule_id)
    return rule_id, rule["target_entry_id"]


async def submit(tenant: TenantContext, learner: Principal, data: ApplicationIn, idempotency_key: str | None) -> ApplicationOut:
    """Submit an application; a retried request with the same ``Idempotency-Key`` returns the
    application the first one made."""
    if idempotency_key:
        existing = await Application.select().where(
            Application.tenant_id == tenant.id, Application.learner_id == learner.id,
            Application.idempotency_key == idempotency_key).first()
        if existing:
            return await application_out(existing)
    if data.kind == "store_review":
        raise ReviewError("存储审核在添加成果时自动提交，无需申请", 400, extra={"field": "kind"})
    if data.kind == "certificate":
        return await _submit_certificate(tenant, learner, data, idempotency_key)
    if data.achievement_id is None:
        raise ReviewError("请选择成果", 400, extra={"field": "achievement_id"})
    achievement = await Achievement.select().where(
        Achievement.id == data.achievement_id, Achievement.tenant_id == tenant.id,
        Achievement.learner_id == learner.id).first()
    if achievement is None:
        raise ReviewError("未找到该成果", 404)
    sub = tenant.hooks.taxonomy.subtype(achievement["category"], achievement["subtype"])
    rule_id = target = None
    if data.kind == "recognition":
        if achievement["status"] not in ("unapplied", "rejected"):
            raise ReviewError({"catalog": "名录成果已自动认定，无需申请", "applied": "该成果已在审核中",
                               "recognized": "该成果已认定"}.get(achievement["status"], "该成果不能申请认定"), 409)
    elif data.kind == "conversion":
        if sub is None or sub.conversion != "rule":
            raise ReviewError("该类成果不能按规则转换", 400, extra={"field": "kind"})
        rule_id, target = await _check_conversion(tenant, learner.id, achievement, data.rule_id)
    else:  # performance_conversion: the learner picks the target from the catalog
        if sub is None or sub.conversion != "catalog_pick":
            raise ReviewError("只有业绩类成果可以申请业绩类转换", 400, extra={"field": "kind"})
        if data.target_catalog_entry_id is None:
            raise ReviewError("请选择拟转换的目标成果", 400, extra={"field": "target_catalog_entry_id"})
        entry = await CatalogEntry.select(CatalogEntry.id).where(
            CatalogEntry.id == data.target_catalog_entry_id, CatalogEntry.tenant_id == tenant.id,
            CatalogEntry.active.eq(True)).first()
        if entry is None:
            raise ReviewError("目标成果不存在", 400, extra={"field": "target_catalog_entry_id"})
        target = entry["id"]
    chain = tenant.hooks.review_chain(data.kind, achievement["category"], achievement["subtype"])
    if chain is None or not chain.steps:
        raise ReviewError(f"本学分银行不受理该类成果的{KIND_LABELS[data.kind]}申请", 400, extra={"field": "kind"})
    learner_row = one(await Account.select(Account.unit_id, Account.real_name).where(Account.id == learner.id).first())
    resolved = await resolve_chain(tenant.id, chain, await _routing_unit(tenant, learner_row, data.unit_code))
    if target is not None and await Application.exists().where(
        Application.achievement_id == achievement["id"], Application.target_entry_id == target,
        Application.status.is_in(list(LIVE))):
        raise ReviewError("该成果已申请转换为同一目标成果，不能重复申请", 409)
    async with db().transaction():
        app_id = await _create(tenant, learner.id, learner_row["real_name"], data.kind, achievement["id"], rule_id,
                               target, resolved, idempotency_key)
        if rule_id is not None:
            await rules_service.record_use(tenant.id, app_id, rule_id)  # the version it is decided under
        if data.kind == "recognition":
            await Achievement.update({Achievement.status: "applied", Achievement.updated_at: utcnow()}).where(
                Achievement.id == achievement["id"])
    return await application_out(one(await Application.select().where(Application.id == app_id).first()))


async def _submit_certificate(tenant: TenantContext, learner: Principal, data: ApplicationIn,
                              idempotency_key: str | None) -> ApplicationOut:
    """学习成果认证证明申请: the outcomes chosen go with it; on final approval a proof lists them."""
    chosen = await proofs.check_outcomes(tenant, learner.id, data.achievement_ids)
    chain = tenant.hooks.review_chain("certificate")
    if chain is None or not chain.steps:
        raise ReviewError(f"本学分银行不受理{KIND_LABELS['certificate']}申请", 400, extra={"field": "kind"})
    learner_row = one(await Account.select(Account.unit_id, Account.real_name).where(Account.id == learner.id).first())
    resolved = await resolve_chain(tenant.id, chain, await _routing_unit(tenant, learner_row, data.unit_code))
    async with db().transaction():
        app_id = await _create(tenant, learner.id, learner_row["real_name"], "certificate", None, None, None, resolved,
                               idempotency_key)
        await proofs.add_items(tenant.id, app_id, chosen)
    return await application_out(one(await Application.select().where(Application.id == app_id).first()))


async def _create(tenant: TenantContext, learner_id: int, learner_name: str, kind: str, achievement_id: int | None,
                  rule_id: int | None, target: int | None, chain: ResolvedChain, idempotency_key: str | None,
                  due: datetime | None = None) -> int:
    """A new application at its first step, due ``due`` or the step's working days from now."""
    first = chain.steps[0]
    now = utcnow()
    application = Application(
        tenant_id=tenant.id, learner_id=learner_id, kind=kind, achievement_id=achievement_id, rule_id=rule_id,
        target_entry_id=target, status="submitted", chain=msgspec.json.encode(chain).decode(), current_step=0,
        step_role=first.role, step_unit_id=first.unit_id, idempotency_key=idempotency_key,
        created_at=now, updated_at=now, step_started_at=now, step_due_at=due or step_due_at(first, now),
    )
    try:
        await application.save()
    except Exception as exc:  # the unique indexes: a live application for the same target
        if "UNIQUE" in str(exc).upper() or "unique" in type(exc).__name__.lower():
            raise ReviewError("该成果已有相同的申请在处理中", 409) from exc
        raise
    await ReviewRecord.insert(ReviewRecord(
        tenant_id=tenant.id, application_id=application.id, step=0, step_name="submit", decision="submit",
        actor_id=learner_id, actor_name=learner_name, materials="[]", created_at=now))
    await counted(tenant.id, "application", [application.id])  # the unit report's counters
    await audit(tenant.id, learner_id, "application.submit", f"application:{application.id}", actor_kind="learner",
                changes={"kind": kind, "achievement_id": achievement_id, "status": "submitted"})
    return application.id


async def open_store_review(tenant: TenantContext, learner_id: int, achievement_id: int, category: str, subtype: str) -> None:
    """The review every stored outcome gets where the province reviews on storing (national
    OUC): created with the achievement, in its transaction."""
    chain = tenant.hooks.review_chain("store_review", category, subtype)
    if chain is None or not chain.steps:
        return
    learner = one(await Account.select(Account.unit_id, Account.real_name).where(Account.id == learner_id).first())
    resolved = await resolve_chain(tenant.id, chain, await _routing_unit(tenant, learner, None))
    # The whole review keeps the deadline promised when the outcome was stored.
    promised = await Achievement.select(Achievement.review_due_at).where(Achievement.id == achievement_id).first()
    await _create(tenant, learner_id, learner["real_name"], "store_review", achievement_id, None, None, resolved, None,
                  due=promised["review_due_at"] if promised else None)


async def open_collected_recognition(tenant: TenantContext, learner_id: int, learner_name: str, achievement_id: int,
                                     category: str, subtype: str, unit: dict) -> int | None:
    """The recognition of an outcome collected at a service window, routed through the
    collecting ``unit`` (``{id, code, path}``) rather than the learner's own: opened in the
    caller's transaction. Returns its id, or None where the province has no recognition chain
    for the sub-type."""
    chain = tenant.hooks.review_chain("recognition", category, subtype)
    if chain is None or not chain.steps:
        return None
    resolved = await resolve_chain(tenant.id, chain, unit)
    return await _create(tenant, learner_id, learner_name, "recognition", achievement_id, None, None, resolved, None)


async def withdraw(tenant: TenantContext, learner_id: int, application_id: int) -> ApplicationOut:
    row = await Application.select().where(Application.id == application_id, Application.tenant_id == tenant.id,
                                           Application.learner_id == learner_id).first()
    if row is None:
        raise ReviewError("未找到该申请", 404)
    if row["status"] not in OPEN:
        raise ReviewError("申请已结束，不能撤回", 409)
    if await ReviewRecord.exists().where(ReviewRecord.application_id == row["id"],
                                         ReviewRecord.decision.is_in(["approve", "reject"])):
        raise ReviewError("申请已有审核结果，不能撤回", 409)
    now = utcnow()
    async with db().transaction():
        await counted(tenant.id, "application", [row["id"]], -1)  # its status moves: counted again below
        changed = await Application.update({Application.status: "withdrawn", Application.updated_at: now,
                                            Application.decided_at: now}).returning(Application.id).where(
            Application.id == row["id"], Application.status.is_in(list(OPEN)), Application.current_step == 0)
        if not changed:
            raise ReviewError("申请状态已变化，不能撤回", 409)
        await counted(tenant.id, "application", [row["id"]])
        learner = one(await Account.select(Account.real_name).where(Account.id == learner_id).first())
        await ReviewRecord.insert(ReviewRecord(tenant_id=tenant.id, application_id=row["id"], step=0,
                                               step_name="withdraw", decision="withdraw", actor_id=learner_id,
                                               actor_name=learner["real_name"], materials="[]", created_at=now))
        await audit(tenant.id, learner_id, "application.withdraw", f"application:{row['id']}", actor_kind="learner",
                    changes={"status": [row["status"], "withdrawn"]})
        if row["kind"] in ("recognition", "store_review") and row["achievement_id"]:
            await Achievement.update({Achievement.status: "unapplied", Achievement.updated_at: now}).where(
                Achievement.id == row["achievement_id"], Achievement.status == "applied")
    return await application_out(one(await Application.select().where(Application.id == row["id"]).first()))


# ---------------------------------------------------------------------------------------------
# Reviewers


def _queue_filter(actor: Principal):
    """Applications whose current step ``actor`` may decide: their role, at their unit (or
    tenant-wide steps of their role)."""
    return decidable_by([(g.role, g.unit_id) for g in actor.grants])


def decidable_by(grants: list[tuple[str, int]]) -> Any:
    """The same, for grants given as (role, unit id) pairs; None when there are none."""
    condition: Any = None
    for role, unit in grants:
        clause = (Application.step_role == role) & (
            (Application.step_unit_id == unit) | Application.step_unit_id.is_null())
        condition = clause if condition is None else condition | clause
    return condition


async def queue(tenant: TenantContext, actor: Principal, *, kind: str | None, status: str, cursor: int | None,
                limit: int, due: str | None = None, sort: str = "id", unit: str | None = None,
                q: str | None = None) -> ReviewPage:
    """``pending``: what the actor may decide now, oldest first (``sort="due"``: soonest due
    first); ``decided``: what they have decided, newest first; ``escalated``: open reviews
    escalated to a unit the actor administers, oldest first. ``due`` (``soon``: within the
    province's reminder days, overdue included; ``overdue``), ``unit`` (learners of that unit's
    subtree) and ``q`` (the learner's name contains it) narrow any of them."""
    by_due = False
    if status == "escalated":  # late reviews of units below, escalated to the actor's unit (督办)
        units = [g.unit_id for g in actor.grants if g.role in ("tenant_admin", "unit_admin")]
        query = Application.select().where(Application.tenant_id == tenant.id, Application.status.is_in(list(OPEN)),
                                           Application.escalated_unit_id.is_in(units or [0]))
    elif status == "pending":
        condition = _queue_filter(actor)
        if condition is None:
            return ReviewPage(items=[], next_cursor=None)
        query = Application.select().where(Application.tenant_id == tenant.id, Application.status.is_in(list(OPEN)), condition)
        by_due = sort == "due"
    else:
        decided = [r["application_id"] for r in await ReviewRecord.select(ReviewRecord.application_id).where(
            ReviewRecord.tenant_id == tenant.id, ReviewRecord.actor_id == actor.id,
            ReviewRecord.decision.is_in(["approve", "reject"]))]
        query = Application.select().where(Application.tenant_id == tenant.id, Application.id.is_in(decided or [0]))
    if status == "decided":
        if cursor:
            query = query.where(Application.id < cursor)
        query = query.order_by(Application.id, ascending=False)
    elif by_due:  # keyset on (due date, id); the cursor stays the last item's id
        if cursor:
            last = await Application.select(Application.step_due_at).where(
                Application.id == cursor, Application.tenant_id == tenant.id).first()
            if last and last["step_due_at"] is not None:
                query = query.where((Application.step_due_at > last["step_due_at"]) | (
                    (Application.step_due_at == last["step_due_at"]) & (Application.id > cursor)))
        query = query.order_by(Application.step_due_at, Application.id)
    else:
        if cursor:
            query = query.where(Application.id > cursor)
        query = query.order_by(Application.id)
    if kind:
        query = query.where(Application.kind == kind)
    now = utcnow()
    if due == "overdue":
        query = query.where(Application.step_due_at <= now)
    elif due == "soon":
        query = query.where(Application.step_due_at < due_at(now, tenant.hooks.review_policy.remind_within_days))
    if unit:
        found = await OrgUnit.select(OrgUnit.path).where(OrgUnit.tenant_id == tenant.id, OrgUnit.code == unit).first()
        if found is None:
            raise ReviewError(f"单位 {unit} 不存在", 400, extra={"field": "unit"})
        units = [u["id"] for u in await OrgUnit.select(OrgUnit.id).where(
            OrgUnit.tenant_id == tenant.id, starts_with(OrgUnit.path, found["path"]))]
        learners = await Account.select(Account.id).where(Account.tenant_id == tenant.id,
                                                          Account.unit_id.is_in(units or [0]))
        query = query.where(Application.learner_id.is_in([a["id"] for a in learners] or [0]))
    if q and q.strip():
        named = await Account.select(Account.id).where(Account.tenant_id == tenant.id, Account.kind == "learner",
                                                       contains(Account.real_name, q.strip()))
        query = query.where(Application.learner_id.is_in([a["id"] for a in named] or [0]))
    rows = await query.limit(limit + 1)
    return page_of(rows, limit, await _review_items(tenant, rows[:limit]))


async def queue_counts(tenant: TenantContext, actor: Principal) -> QueueCounts:
    """Per kind and step the actor may decide: how many wait and how many are overdue; and how
    many are escalated to the actor's units."""
    condition = _queue_filter(actor)
    counts: dict[tuple[str, str], StepCount] = {}
    if condition is not None:
        now = utcnow()
        rows = await Application.select(Application.kind, Application.chain, Application.current_step,
                                        Application.step_due_at).where(
            Application.tenant_id == tenant.id, Application.status.is_in(list(OPEN)), condition)
        for r in rows:
            step = decode_chain(r["chain"]).steps[r["current_step"]]
            entry = counts.setdefault((r["kind"], step.name), StepCount(
                kind=r["kind"], kind_label=KIND_LABELS.get(r["kind"], r["kind"]), step=step.name,
                step_label=step.label, pending=0, overdue=0))
            entry.pending += 1
            if r["step_due_at"] is not None and aware(r["step_due_at"]) <= now:
                entry.overdue += 1
    return QueueCounts(steps=list(counts.values()), escalated=await escalated_count(tenant, actor))


async def escalated_count(tenant: TenantContext, actor: Principal) -> int:
    """Open reviews escalated to a unit the actor administers (督办)."""
    units = [g.unit_id for g in actor.grants if g.role in ("tenant_admin", "unit_admin")]
    if not units:
        return 0
    return await Application.count().where(Application.tenant_id == tenant.id, Application.status.is_in(list(OPEN)),
                                           Application.escalated_unit_id.is_in(units))


async def pending_at_step(tenant: TenantContext, actor: Principal, *, kind: str, step: str, name: str | None,
                          cursor: int | None, limit: int) -> ReviewPage:
    """The pending ``queue`` narrowed to applications of ``kind`` whose current step is named
    ``step`` (one tab such as 转换初审), and to learners whose name contains ``name``. The step
    lives in each application's stored chain, so pages of the queue are read until ``limit``
    matches are found; the cursor stays the application id."""
    found: list[ReviewItem] = []
    while True:
        page = await queue(tenant, actor, kind=kind, status="pending", cursor=cursor, limit=100)
        for item in page.items:
            if item.current_step == step and (not name or name.strip() in item.learner_name):
                found.append(item)
                if len(found) > limit:
                    return ReviewPage(items=found[:limit], next_cursor=str(found[limit - 1].id))
        if page.next_cursor is None:
            return ReviewPage(items=found, next_cursor=None)
        cursor = int(page.next_cursor)


async def pending_counts(tenant: TenantContext, actor: Principal, tabs: list[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """How many applications wait for ``actor`` at each (kind, step) of ``tabs``."""
    counts = {tab: 0 for tab in tabs}
    for step in (await queue_counts(tenant, actor)).steps:
        if (step.kind, step.step) in counts:
            counts[(step.kind, step.step)] = step.pending
    return counts


async def step_materials(tenant: TenantContext, actor: Principal, application_id: int) -> list[MaterialOut]:
    """Materials uploaded for the current step and not yet part of a decision (the decision's
    record takes them)."""
    row = await _visible(tenant, actor, application_id)
    if row["status"] not in OPEN:
        return []
    step = decode_chain(row["chain"]).steps[row["current_step"]]
    rows = await ReviewMaterial.select().where(ReviewMaterial.application_id == row["id"],
                                               ReviewMaterial.step == row["current_step"]).order_by(ReviewMaterial.id)
    return [MaterialOut(id=m["id"], step=step.name, filename=m["filename"], content_type=m["content_type"],
                        size=m["size"], sha256=m["sha256"]) for m in rows]


async def material_file(tenant: TenantContext, actor: Principal, application_id: int, material_id: int,
                        client: str = "") -> dict:
    """A review material's row (``storage_key``, ``filename``, ``content_type``) for staff who
    may open the application's files (``_file_basis``); 404 if they may not see it at all,
    403 if they see it but it is not at their step. The read is audited."""
    row = await _visible(tenant, actor, application_id)
    basis = await _file_basis(actor, row)
    material = await ReviewMaterial.select().where(ReviewMaterial.id == material_id, ReviewMaterial.tenant_id == tenant.id,
                                                   ReviewMaterial.application_id == row["id"]).first()
    if material is None:
        raise ReviewError("未找到该材料", 404)
    await audit(tenant.id, actor.id, "review_material.view", f"account:{row['learner_id']}",
                f"material:{material_id} application:{row['id']} {basis}", client)
    return material


async def may_open_files(tenant: TenantContext, actor: Principal, application_id: int) -> bool:
    """Whether the application's files would open for ``actor`` (pages link them only then)."""
    row = await _visible(tenant, actor, application_id)
    try:
        await _file_basis(actor, row)
    except ReviewError:
        return False
    return True


def _outcome_ids(row: dict, listed: dict[int, list[tuple[int, str]]]) -> list[int]:
    """The outcomes an application is about: its achievement, or those a proof request lists."""
    return [i for i in (row["achievement_id"], *(a for a, _ in listed.get(row["id"], []))) if i]


async def evidence_file(tenant: TenantContext, actor: Principal, application_id: int, evidence_id: int,
                        client: str = "") -> dict:
    """An evidence row of one of the application's outcomes, on the terms of ``material_file``."""
    row = await _visible(tenant, actor, application_id)
    basis = await _file_basis(actor, row)
    outcomes = _outcome_ids(row, await proofs.listed_outcomes([row["id"]]))
    evidence = await Evidence.select().where(Evidence.id == evidence_id, Evidence.tenant_id == tenant.id,
                                             Evidence.achievement_id.is_in(outcomes or [0])).first()
    if evidence is None:
        raise ReviewError("未找到该材料", 404)
    await audit(tenant.id, actor.id, "evidence.view", f"account:{row['learner_id']}",
                f"evidence:{evidence_id} application:{row['id']} {basis}", client)
    return evidence


async def evidence_for_staff(tenant: TenantContext, actor: Principal, evidence_id: int, client: str = "") -> dict:
    """An evidence row by its id alone (``/admin/evidence/{id}``), through any application of
    its outcome whose files the actor may open; an outcome no application is about only for
    tenant admins (oversight). 403 when the actor sees such an application or administers
    the learner's unit, 404 otherwise (as if it did not exist). The read is audited."""
    evidence = await Evidence.select(*Evidence.all_columns(), Evidence.achievement_id.learner_id,
                                     Evidence.achievement_id.learner_id.unit_id.path).where(
        Evidence.id == evidence_id, Evidence.tenant_id == tenant.id).first()
    if evidence is None:
        raise ReviewError("未找到该材料", 404)
    listing = [r["application_id"] for r in await ProofRequestItem.select(ProofRequestItem.application_id).where(
        ProofRequestItem.achievement_id == evidence["achievement_id"])]
    ids = [r["id"] for r in await Application.select(Application.id).where(
        Application.tenant_id == tenant.id,
        (Application.achievement_id == evidence["achievement_id"]) | Application.id.is_in(listing or [0]),
    ).order_by(Application.id, ascending=False)]
    refusal = None
    for application_id in ids:
        try:
            return await evidence_file(tenant, actor, application_id, evidence_id, client)
        except ReviewError as exc:
            if exc.status == 403:
                refusal = exc
    if not ids and actor.has_role("tenant_admin"):
        await audit(tenant.id, actor.id, "evidence.view", f"account:{evidence['achievement_id.learner_id']}",
                    f"evidence:{evidence_id} 管理中心监督查阅", client)
        return evidence
    if refusal is None and actor.covers(evidence["achievement_id.learner_id.unit_id.path"], "tenant_admin", "unit_admin"):
        refusal = ReviewError(NOT_AT_YOUR_STEP, 403)
    raise refusal or ReviewError("未找到该材料", 404)


def _claim_fields(tenant: TenantContext, row: dict) -> dict:
    held = claims.holder(tenant, row, utcnow())
    return {"claimed_by_name": held[1], "claimed_at": held[2]} if held else {}


async def _review_items(tenant: TenantContext, rows: list[dict]) -> list[ReviewItem]:
    if not rows:
        return []
    learners = {a["id"]: a for a in await Account.select(Account.id, Account.real_name, Account.id_number_masked).where(
        Account.id.is_in([r["learner_id"] for r in rows]))}
    achievements = {a["id"]: a for a in await Achievement.select(Achievement.id, Achievement.name, Achievement.category,
                                                                  Achievement.subtype).where(
        Achievement.id.is_in([r["achievement_id"] for r in rows if r["achievement_id"]] or [0]))}
    rules = {r["id"]: r for r in await Rule.select(Rule.id, Rule.name, Rule.agreement_id.name).where(
        Rule.id.is_in([r["rule_id"] for r in rows if r["rule_id"]] or [0]))}
    targets = {e["id"]: e["name"] for e in await CatalogEntry.select(CatalogEntry.id, CatalogEntry.name).where(
        CatalogEntry.id.is_in([r["target_entry_id"] for r in rows if r["target_entry_id"]] or [0]))}
    listed = await proofs.listed_outcomes([r["id"] for r in rows if r["kind"] == "certificate"])
    items = []
    for r in rows:
        chain = decode_chain(r["chain"])
        step = chain.steps[r["current_step"]] if r["status"] in OPEN else None
        a = achievements.get(r["achievement_id"], {})
        category_label, subtype_label = tenant.hooks.taxonomy.labels(a["category"], a["subtype"]) if a else ("", "")
        rule = rules.get(r["rule_id"])
        learner = learners.get(r["learner_id"], {})
        items.append(ReviewItem(
            id=r["id"], kind=r["kind"], status=r["status"], current_step=step.name if step else None,
            current_step_label=step.label if step else None, learner_name=learner.get("real_name", ""),
            learner_id_number_masked=learner.get("id_number_masked", ""),
            achievement_name=a.get("name") or "、".join(name for _, name in listed.get(r["id"], [])),
            category_label=category_label, subtype_label=subtype_label, rule_name=rule["name"] if rule else None,
            agreement=rule["agreement_id.name"] if rule else None, target_name=targets.get(r["target_entry_id"]),
            submitted_at=r["created_at"], step_due_at=aware(r["step_due_at"]) if r.get("step_due_at") else None,
            escalated_at=aware(r["escalated_at"]) if r.get("escalated_at") else None,
            **_claim_fields(tenant, r),
        ))
    return items


async def _visible(tenant: TenantContext, actor: Principal, application_id: int) -> dict:
    """The application if the actor reviews one of its steps, has decided a step of it, or
    administers the learner's unit; otherwise 404."""
    row = await Application.select(*Application.all_columns(), Application.learner_id.unit_id.path).where(
        Application.id == application_id, Application.tenant_id == tenant.id).first()
    if row is None:
        raise ReviewError("未找到该申请", 404)
    chain = decode_chain(row["chain"])
    # A reviewer of any step may see it — so one who lost a race on a step hears 409, not 404.
    if any(may_decide(actor, step) for step in chain.steps):
        return row
    if await ReviewRecord.exists().where(ReviewRecord.application_id == row["id"], ReviewRecord.actor_id == actor.id):
        return row
    if actor.covers(row["learner_id.unit_id.path"], "tenant_admin", "unit_admin"):
        return row
    raise ReviewError("未找到该申请", 404)


NOT_AT_YOUR_STEP = "只有当前环节的审核人和已审核过本申请的审核人可以查看申请材料；该申请不在您可审核的环节"


async def _file_basis(actor: Principal, row: dict) -> str:
    """Why ``actor`` may open the files of application ``row`` (``_visible`` already): it is
    at a step they may decide now, or they decided one of its steps; else 403.

    Tenant admins may open every file of their tenant. A bank's management centre answers
    complaints, appeals and inspections and must be able to look at any application; what a
    careful bank asks in return is accountability, not a wall: the read is audited as
    oversight (监督查阅), and the audit log shows it to the other admins and to the learner."""
    chain = decode_chain(row["chain"])
    if row["status"] in OPEN and may_decide(actor, chain.steps[row["current_step"]]):
        return "当前环节审核"
    if await ReviewRecord.exists().where(ReviewRecord.application_id == row["id"], ReviewRecord.actor_id == actor.id,
                                         ReviewRecord.decision.is_in(["approve", "reject"])):
        return "已审核"
    if actor.has_role("tenant_admin"):
        return "管理中心监督查阅"
    raise ReviewError(NOT_AT_YOUR_STEP, 403)


async def review_detail(tenant: TenantContext, actor: Principal, application_id: int) -> tuple[ApplicationOut, dict]:
    row = await _visible(tenant, actor, application_id)
    learner = one(await Account.select(Account.id, Account.real_name, Account.id_number_masked).where(
        Account.id == row["learner_id"]).first())
    return await application_out(row), learner


async def add_material(tenant: TenantContext, storage: Storage, actor: Principal, application_id: int,
                       filename: str, content: bytes, max_bytes: int) -> MaterialOut:
    """A reviewer's material for the current step (e.g. 转换初审材料, a PDF of the originals)."""
    row = await _visible(tenant, actor, application_id)
    chain = decode_chain(row["chain"])
    if row["status"] not in OPEN:
        raise ReviewError("申请已结束", 409)
    step = chain.steps[row["current_step"]]
    if not may_decide(actor, step):
        raise ReviewError("当前环节不由您审核", 403)
    if step.materials == "none":
        raise ReviewError(f"“{step.label}”环节不需要上传材料", 400)
    info = inspect_file(content, step.materials_file_types, max_bytes)
    key = f"{tenant.id}/reviews/{row['id']}/{uuid.uuid4().hex}.{info.ext}"
    await storage.put(key, content, info.content_type)
    material = ReviewMaterial(tenant_id=tenant.id, application_id=row["id"], step=row["current_step"],
                              filename=clean_filename(filename, f"material.{info.ext}"), content_type=info.content_type,
                              size=info.size, sha256=info.sha256, storage_key=key, uploaded_by=actor.id, created_at=utcnow())
    try:
        await material.save()
    except BaseException:
        await storage.delete(key)
        raise
    return MaterialOut(id=material.id, step=step.name, filename=material.filename, content_type=material.content_type,
                       size=material.size, sha256=material.sha256)


async def signing_unit(tenant: TenantContext, actor: Principal, step: ResolvedStep) -> str:
    """The unit a reviewer signs for: the step's unit, else their own unit with the step's role,
    else the tenant."""
    if step.unit_name:
        return step.unit_name
    ids = [g.unit_id for g in actor.grants if g.role == step.role and g.unit_id]
    unit = await OrgUnit.select(OrgUnit.name).where(OrgUnit.id.is_in(ids)).first() if ids else None
    return unit["name"] if unit else tenant.name


async def _decision_problems(tenant: TenantContext, actor: Principal, step: ResolvedStep, opinion: str,
                             decision: str | None, has_materials: bool, reason_code: str | None = None) -> dict[str, str]:
    """{field: problem} of a decision on ``step`` (``decision`` None: not chosen)."""
    problems: dict[str, str] = {}
    if decision not in ("approve", "reject"):
        problems["decision"] = "请选择“同意”或“不同意”"
    try:
        check_opinion(step, opinion, decision, await signing_unit(tenant, actor, step), actor.real_name)
    except DomainError as exc:
        problems["opinion"] = str(exc)
    if step.materials == "required" and not has_materials and decision == "approve":
        problems["materials"] = f"请先上传{step.materials_label}"
    # A refusal at a step with coded reasons names one of them (counted in the reports).
    if decision == "reject" and step.refusal_reasons and reason_code not in {r.code for r in step.refusal_reasons}:
        problems["reason_code"] = f"请选择不同意的原因：{'、'.join(r.label for r in step.refusal_reasons)}"
    return problems


async def decision_problems(tenant: TenantContext, actor: Principal, application_id: int, opinion: str,
                            decision: str | None) -> dict[str, str]:
    """What is wrong with a decision form on the application's current step, every field at
    once (for a form posted without a decision, which ``decide`` cannot take)."""
    row = await _visible(tenant, actor, application_id)
    if row["status"] not in OPEN:
        return {}
    index = row["current_step"]
    materials = await ReviewMaterial.exists().where(ReviewMaterial.application_id == row["id"], ReviewMaterial.step == index)
    return await _decision_problems(tenant, actor, decode_chain(row["chain"]).steps[index], opinion, decision, materials)


async def decide(tenant: TenantContext, actor: Principal, application_id: int, data: DecisionIn,
                 login_url: str) -> ApplicationOut:
    row = await _visible(tenant, actor, application_id)
    if row["status"] not in OPEN:
        raise ReviewError(f"申请已结束（{row['status']}），不能再审核", 409)
    chain = decode_chain(row["chain"])
    index = row["current_step"]
    step = chain.steps[index]
    if data.step != step.name:
        raise ReviewError(f"审核环节已变化：当前环节为“{step.label}”（{step.name}）", 409)
    if not may_decide(actor, step):
        raise ReviewError("当前环节不由您审核", 403)
    claims.check_free(tenant, actor, row, utcnow())
    if await ReviewRecord.exists().where(ReviewRecord.application_id == row["id"], ReviewRecord.actor_id == actor.id,
                                         ReviewRecord.decision.is_in(["approve", "reject"])):
        raise ReviewError("同一申请的不同环节须由不同的审核人审核", 403)
    materials = [m["id"] for m in await ReviewMaterial.select(ReviewMaterial.id).where(
        ReviewMaterial.application_id == row["id"], ReviewMaterial.step == index)]
    problems = await _decision_problems(tenant, actor, step, data.opinion, data.decision, bool(materials),
                                        data.reason_code)
    reason = data.reason_code if data.decision == "reject" and step.refusal_reasons else ""
    if problems:  # every field at fault at once
        first = next(iter(problems))
        raise ReviewError(problems[first], 400, extra={"field": first, "fields": problems})

    last = index == len(chain.steps) - 1
    issuing = last and data.decision == "approve" and issues_proof(row["kind"], chain)
    common = {"tenant_id": tenant.id, "actor": actor.as_actor(), "target_id": row["id"], "result": data.decision,
              "kind": row["kind"], "final": last, "issues_proof": issuing}
    await publish(tenant, ApplicationDeciding(**common))  # before the transaction: certificates makes the key
    now = utcnow()
    if data.decision == "reject":
        values = {Application.status: "rejected", Application.decided_at: now}
    elif last:
        values = {Application.status: "approved", Application.decided_at: now}
    else:
        following = chain.steps[index + 1]
        values = {Application.status: "in_review", Application.current_step: index + 1,
                  Application.step_role: following.role, Application.step_unit_id: following.unit_id,
                  Application.step_started_at: now}
        if row["kind"] != "store_review":  # a stored outcome's review keeps the date promised at storing
            values[Application.step_due_at] = step_due_at(following, now)
    # A decision ends the step, and with it any reviewer's claim on it.
    values |= {Application.claimed_by: None, Application.claimed_by_name: "", Application.claimed_at: None}
    async with db().transaction():
        await counted(tenant.id, "application", [row["id"]], -1)  # its status may move: counted again below
        changed = await Application.update({**values, Application.updated_at: now}).returning(Application.id).where(
            Application.id == row["id"], Application.current_step == index, Application.status.is_in(list(OPEN)))
        if not changed:
            raise ReviewError("该环节已被其他审核人处理", 409)
        await counted(tenant.id, "application", [row["id"]])
        unit_name = step.unit_name or tenant.name
        await ReviewRecord.insert(ReviewRecord(
            tenant_id=tenant.id, application_id=row["id"], step=index, step_name=step.name, decision=data.decision,
            opinion=data.opinion.strip(), actor_id=actor.id, actor_name=actor.real_name, unit_name=unit_name,
            reason_code=reason,
            materials=msgspec.json.encode(materials).decode(), created_at=now))
        await _apply_outcome(tenant, row, chain, data.decision, last, now)
        await _notify(tenant, actor, row, step, data, last, login_url)
        # certificates issues the proof a final approval ends in (and publishes ProofIssued);
        # login_url is {site}/login: the proof names the tenant's site
        await publish(tenant, ApplicationDecided(**common, site=login_url.removesuffix("/login"), decided_at=now,
                                                 application=row, chain=chain))
    return await application_out(one(await Application.select().where(Application.id == row["id"]).first()))


async def _apply_outcome(tenant: TenantContext, row: dict, chain: ResolvedChain, decision: str, last: bool, now) -> dict:
    """What a final decision changes besides the application, in its transaction."""
    kind = row["kind"]
    achievement_id = row["achievement_id"]
    if kind in ("recognition", "store_review") and (last or decision == "reject"):
        await counted(tenant.id, "achievement", [achievement_id], -1)  # recognized or not: the report counts it
        await Achievement.update({Achievement.status: "recognized" if decision == "approve" else "rejected",
                                  Achievement.updated_at: now}).where(Achievement.id == achievement_id)
        await counted(tenant.id, "achievement", [achievement_id])
    if kind in ("conversion", "performance_conversion") and last and decision == "approve" and chain.outcome == "add_target":
        entry = one(await CatalogEntry.select().where(CatalogEntry.id == row["target_entry_id"]).first())
        fields = entry["fields"]
        target = Achievement(
            tenant_id=tenant.id, learner_id=row["learner_id"], category=entry["category"], subtype=entry["subtype"],
            catalog_entry_id=entry["id"], name=entry["name"], institution=entry["institution"],
            fields=fields if isinstance(fields, str) else msgspec.json.encode(fields).decode(),
            status="recognized", source="converted", rule_id=row["rule_id"], application_id=row["id"],
            created_at=now, updated_at=now,
        )
        await target.save()
        await counted(tenant.id, "achievement", [target.id])  # the unit report's counters
        await Application.update({Application.target_achievement_id: target.id}).where(Application.id == row["id"])
        return {"target_achievement_id": target.id, "target": entry["name"], "target_institution": entry["institution"]}
    return {}


async def _learner_notice(tenant: TenantContext, row: dict) -> tuple[str, str, dict] | None:
    """(channel, recipient, the context every notice to the application's learner starts with),
    or None when the learner has no channel the province sends on."""
    learner = one(await Account.select(Account.real_name, Account.username, Account.phone, Account.email).where(
        Account.id == row["learner_id"]).first())
    channel = next((c for c in tenant.hooks.registration_policy.activation_channels
                    if learner["phone" if c == "sms" else "email"]), None)
    if channel is None:
        return None
    achievement = await Achievement.select(Achievement.name).where(Achievement.id == row["achievement_id"]).first() \
        if row["achievement_id"] else None
    base = {"tenant_name": tenant.name, "real_name": learner["real_name"], "username": learner["username"],
            "achievement": achievement["name"] if achievement else ""}
    return channel, learner["phone"] if channel == "sms" else learner["email"], base


async def _notify(tenant: TenantContext, actor: Principal, row: dict, step, data: DecisionIn, last: bool,
                  login_url: str) -> None:
    notice = await _learner_notice(tenant, row)
    if notice is None:
        return
    channel, recipient, base = notice
    target = await CatalogEntry.select(CatalogEntry.name, CatalogEntry.institution).where(
        CatalogEntry.id == row["target_entry_id"]).first() if row["target_entry_id"] else None
    approved = data.decision == "approve"
    if row["kind"] in ("recognition", "store_review"):
        if not (last or not approved):
            return
        event, context = "recognition.decided", {**base, "approved": approved, "opinion": data.opinion}
    elif row["kind"] in ("conversion", "performance_conversion"):
        convert = {**base, "target": target["name"] if target else "", "target_institution": target["institution"] if target else ""}
        if not approved:
            event, context = "conversion.rejected", {**convert, "opinion": data.opinion}
        elif last:
            event, context = "conversion.approved", {**convert, "login_url": login_url}
        else:
            event, context = "conversion.step_passed", {**convert, "step_label": step.label}
    else:
        return  # a certificate application tells the learner only of its proof (proof_issued_notice)
    await notify(tenant, actor.as_actor(), event=event, channel=channel, recipient=recipient, context=context,
                 dedupe_key=f"{event}:{row['id']}:{step.name}", account_id=row["learner_id"])


async def proof_issued_notice(tenant: TenantContext, event: ProofIssued) -> None:
    """Tell the learner of a proof issued for their application (``ProofIssued``)."""
    row = one(await Application.select(Application.id, Application.learner_id, Application.achievement_id).where(
        Application.id == event.application_id, Application.tenant_id == tenant.id).first())
    notice = await _learner_notice(tenant, row)
    if notice is None:
        return
    channel, recipient, base = notice
    await notify(tenant, event.actor, event="proof.issued", channel=channel, recipient=recipient,
                 context={**base, "proof_code": event.proof_code, "verify_url": event.verify_url},
                 dedupe_key=f"proof.issued:{row['id']}", account_id=row["learner_id"])
