"""Information collection at a service window (信息采集).

Seed 004 has the acceptance point (受理点) “负责身份认证、信息录入、各级各类学习成果存入与转换
申请”, and 社会培训成果 are collected by the training unit designated as one. So staff of a unit
(``unit_admin`` of it or above, or a tenant admin) enter outcomes for the learners of the
unit's subtree — one at a time here, or a file at a time (``core.imports.achievements``). The
outcome records the collecting unit and the staff member; the learner is told through the
notification outbox, sees it marked 由某某受理点采集, and may object to it (异议): the dispute
goes to the admins of the collecting unit, who uphold it (the outcome is voided: its open
applications are withdrawn and it counts as 认定未通过) or dismiss it. Whether a collected
outcome goes to recognition at once is the province's ``ReviewPolicy.collected_recognition``.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Annotated, Any, Literal

import msgspec

from core.accounts.tables import Account
from core.achievements.schemas import AchievementIn, AchievementOut, DisputeOut
from core.achievements.service import Collected, _subtype, add_achievement, outcome_values
from core.achievements.tables import Achievement, AchievementDispute
from core.catalog.fields import field_error
from core.clock import utcnow
from core.db import one
from core.errors import DomainError
from core.events import SYSTEM, OutcomeVoided, counted, notify, publish
from core.hierarchy.tables import OrgUnit
from core.ids import Id
from core.security.principal import Principal
from core.tenancy.context import TenantContext

COLLECT_ROLES = ("unit_admin", "tenant_admin")
DISPUTE_LABELS = {"pending": "待处理", "upheld": "异议成立，成果已作废", "dismissed": "维持原录入"}


class CollectionError(DomainError):
    pass


class CollectIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """An outcome entered at the window; ``unit_code`` names the collecting unit where the staff
    member serves at more than one."""

    category: str
    subtype: str
    unit_code: Annotated[str, msgspec.Meta(max_length=64)] | None = None
    catalog_entry_id: Id | None = None
    name: Annotated[str, msgspec.Meta(max_length=200)] | None = None
    fields: dict[str, Any] = {}
    obtained_at: date | None = None


class DisputeIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    grounds: Annotated[str, msgspec.Meta(max_length=2000)]


class DisputeDecisionIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    decision: Literal["uphold", "dismiss"]
    opinion: Annotated[str, msgspec.Meta(max_length=2000)]


# ---------------------------------------------------------------------------------------------
# Who collects, for whom


async def collecting_unit(tenant: TenantContext, actor: Principal, unit_code: str | None) -> dict:
    """The unit ``actor`` collects for: ``unit_code``, or the one unit of their grants. 403 for
    staff who hold no collecting role or do not cover the unit; 400 (``unit_code``) for a code
    the tenant lacks or when the staff member serves at several units and named none."""
    grants = [g for g in actor.grants if g.role in COLLECT_ROLES]
    if not grants:
        raise CollectionError("仅限服务网点（受理点、分中心等）的管理员采集学习成果", 403)
    if not unit_code:
        codes = {g.unit_code for g in grants}
        if len(codes) != 1:
            raise CollectionError("您在多个单位任职，请选择以哪个单位的名义采集", 400, extra={"field": "unit_code"})
        unit_code = codes.pop()
    unit = await OrgUnit.select(OrgUnit.id, OrgUnit.code, OrgUnit.name, OrgUnit.path, OrgUnit.parent_id).where(
        OrgUnit.tenant_id == tenant.id, OrgUnit.code == unit_code).first()
    if unit is None:
        raise CollectionError(f"单位 {unit_code} 不存在", 400, extra={"field": "unit_code"})
    if not actor.covers(unit["path"], *COLLECT_ROLES):
        raise CollectionError(f"您不能以 {unit['name']} 的名义采集学习成果", 403)
    return unit


def in_subtree(unit: dict, learner_unit_path: str | None, root: bool) -> bool:
    """Whether a learner whose unit sits at ``learner_unit_path`` belongs to ``unit``'s subtree
    (a learner of no unit only to the tree's root)."""
    if learner_unit_path is None:
        return root
    return learner_unit_path.startswith(unit["path"])


def collected_key(learner_id: int, category: str, subtype: str, values: dict, obtained: date | None) -> str:
    """What makes two collected outcomes the same: learner, sub-type, the values and the date.
    A SHA-256 of them (no personal data in clear), unique per tenant."""
    canonical = msgspec.json.encode([learner_id, category, subtype, sorted((k, str(v)) for k, v in values.items()),
                                     obtained.isoformat() if obtained else ""])
    return hashlib.sha256(canonical).hexdigest()


async def _learner(tenant: TenantContext, learner_id: int) -> dict:
    row = await Account.select(Account.id, Account.kind, Account.unit_id, Account.real_name, Account.username,
                               Account.phone, Account.email).where(
        Account.id == learner_id, Account.tenant_id == tenant.id).first()
    if row is None or row["kind"] != "learner":
        raise CollectionError("未找到该学习者", 404)
    return row


def _unique_violation(exc: BaseException) -> bool:
    return "unique" in str(exc).lower() or "unique" in type(exc).__name__.lower()


async def collect(tenant: TenantContext, actor: Principal, learner_id: int, data: CollectIn,
                  login_url: str) -> AchievementOut:
    """Enter an outcome for a learner of the collecting unit's subtree, with the learner's
    notice, in one transaction. 404 for a learner outside the subtree (or not of the tenant),
    409 for the same outcome collected before."""
    unit = await collecting_unit(tenant, actor, data.unit_code)
    learner = await _learner(tenant, learner_id)
    learner_path = None
    if learner["unit_id"] is not None:
        found = await OrgUnit.select(OrgUnit.path).where(OrgUnit.tenant_id == tenant.id,
                                                         OrgUnit.id == learner["unit_id"]).first()
        learner_path = found["path"] if found else None
    if not in_subtree(unit, learner_path, unit["parent_id"] is None):
        raise CollectionError("未找到该学习者（只能为本单位及下级单位的学习者采集成果）", 404)
    sub = _subtype(tenant.hooks.taxonomy, data.category, data.subtype)
    if data.catalog_entry_id is None:
        values, _, obtained, _, _ = outcome_values(sub, dict(data.fields), data.name, data.obtained_at)
    else:  # the entry's fields are filled in when it is stored: the entry names the outcome
        values, obtained = {"catalog_entry_id": data.catalog_entry_id}, data.obtained_at
    key = collected_key(learner_id, data.category, data.subtype, values, obtained)

    async def notify(row: Achievement) -> None:
        await notify_collected(tenant, learner, row.name, 1, unit["name"], login_url, f"achievement.collected:{row.id}")

    outcome = AchievementIn(category=data.category, subtype=data.subtype, catalog_entry_id=data.catalog_entry_id,
                            name=data.name, fields=data.fields, obtained_at=data.obtained_at)
    try:
        return await add_achievement(tenant, learner_id, outcome, Collected(unit=unit, staff_id=actor.id, key=key,
                                                                               also=notify))
    except Exception as exc:
        if _unique_violation(exc):
            raise CollectionError("该学习者的这条成果已采集录入过，不能重复录入", 409) from exc
        raise


async def notify_collected(tenant: TenantContext, learner: dict, achievement: str, count: int, unit_name: str,
                           login_url: str, dedupe_key: str) -> None:
    """Tell the learner what was entered for them, on the first channel the province activates
    accounts by that the learner has; nothing when they have none."""
    channel = next((c for c in tenant.hooks.registration_policy.activation_channels
                    if learner["phone" if c == "sms" else "email"]), None)
    if channel is None:
        return
    await notify(tenant, SYSTEM, event="achievement.collected", channel=channel,
                  recipient=learner["phone" if channel == "sms" else "email"],
                  context={"tenant_name": tenant.name, "real_name": learner["real_name"],
                           "username": learner["username"], "achievement": achievement, "count": count,
                           "unit_name": unit_name, "login_url": login_url},
                  dedupe_key=dedupe_key, account_id=learner["id"])


# ---------------------------------------------------------------------------------------------
# Disputes


def _masked(name: str) -> str:
    return name[:1] + "**" if name else ""


async def _dispute_out(tenant: TenantContext, row: dict, *, for_staff: bool = False) -> DisputeOut:
    unit = await OrgUnit.select(OrgUnit.code, OrgUnit.name).where(
        OrgUnit.tenant_id == tenant.id, OrgUnit.id == row["unit_id"]).first() or {"code": "", "name": ""}
    extra: dict = {}
    if for_staff:
        learner = await Account.select(Account.real_name).where(
            Account.tenant_id == tenant.id, Account.id == row["learner_id"]).first()
        achievement = await Achievement.select(Achievement.name).where(
            Achievement.tenant_id == tenant.id, Achievement.id == row["achievement_id"]).first()
        extra = {"learner_name": _masked(learner["real_name"]) if learner else "",
                 "achievement_name": achievement["name"] if achievement else ""}
    return DisputeOut(id=row["id"], achievement_id=row["achievement_id"], status=row["status"],
                      status_label=DISPUTE_LABELS.get(row["status"], row["status"]), grounds=row["grounds"],
                      unit_code=unit["code"], unit_name=unit["name"], opinion=row["opinion"],
                      decided_by_name=row["decided_by_name"], created_at=row["created_at"],
                      decided_at=row["decided_at"], **extra)


async def latest_dispute(tenant: TenantContext, achievement_id: int) -> DisputeOut | None:
    row = await AchievementDispute.select().where(
        AchievementDispute.tenant_id == tenant.id, AchievementDispute.achievement_id == achievement_id,
    ).order_by(AchievementDispute.id, ascending=False).first()
    return await _dispute_out(tenant, row) if row else None


async def open_dispute(tenant: TenantContext, learner_id: int, achievement_id: int, data: DisputeIn) -> DisputeOut:
    """The learner objects to an outcome collected for them; 409 for one they entered
    themselves, one already voided, or while an objection to it is pending."""
    grounds = data.grounds.strip()
    if not grounds:
        raise field_error("grounds", "请写明异议理由")
    row = await Achievement.select(Achievement.id, Achievement.status, Achievement.collected_by_unit_id).where(
        Achievement.id == achievement_id, Achievement.tenant_id == tenant.id,
        Achievement.learner_id == learner_id).first()
    if row is None:
        raise CollectionError("未找到该成果", 404)
    if row["collected_by_unit_id"] is None:
        raise CollectionError("只能对服务网点采集录入的成果提出异议；自己添加的成果可直接删除", 409)
    if await AchievementDispute.exists().where(
            AchievementDispute.tenant_id == tenant.id, AchievementDispute.achievement_id == achievement_id,
            AchievementDispute.status == "upheld"):
        raise CollectionError("该成果已因异议成立作废", 409)
    dispute = AchievementDispute(tenant_id=tenant.id, achievement_id=achievement_id, learner_id=learner_id,
                                 unit_id=row["collected_by_unit_id"], grounds=grounds, status="pending",
                                 created_at=utcnow())
    try:
        await dispute.save()
    except Exception as exc:
        if _unique_violation(exc):
            raise CollectionError("您对该成果的异议正在处理中，请等待采集单位答复", 409) from exc
        raise
    return await _dispute_out(tenant, dispute.to_dict())


async def _covered_units(tenant: TenantContext, actor: Principal) -> list[int] | None:
    """The ids of the units whose disputes ``actor`` decides; None: every unit (tenant admin)."""
    if actor.has_role("tenant_admin"):
        return None
    paths = [g.unit_path for g in actor.grants if g.role == "unit_admin"]
    if not paths:
        raise CollectionError("仅限服务网点管理员处理成果异议", 403)
    ids: list[int] = []
    for path in paths:
        ids += [r["id"] for r in await OrgUnit.select(OrgUnit.id, OrgUnit.path).where(
            OrgUnit.tenant_id == tenant.id, OrgUnit.path.like(path + "%")) if r["path"].startswith(path)]
    return ids


async def staff_disputes(tenant: TenantContext, actor: Principal, status: str | None, cursor: int | None,
                         limit: int) -> tuple[list[DisputeOut], str | None]:
    """Disputes of outcomes collected by units of the actor's subtrees, newest first."""
    if status and status not in DISPUTE_LABELS:
        raise field_error("status", f"状态应为：{'、'.join(DISPUTE_LABELS)}")
    units = await _covered_units(tenant, actor)
    query = AchievementDispute.select().where(AchievementDispute.tenant_id == tenant.id)
    if units is not None:
        query = query.where(AchievementDispute.unit_id.is_in(units or [0]))
    if status:
        query = query.where(AchievementDispute.status == status)
    if cursor:
        query = query.where(AchievementDispute.id < cursor)
    rows = await query.order_by(AchievementDispute.id, ascending=False).limit(limit + 1)
    items = [await _dispute_out(tenant, r, for_staff=True) for r in rows[:limit]]
    return items, str(rows[limit - 1]["id"]) if len(rows) > limit else None


async def decide_dispute(tenant: TenantContext, actor: Principal, dispute_id: int, data: DisputeDecisionIn) -> DisputeOut:
    """Uphold (void the outcome: its open applications withdrawn, its status 认定未通过) or
    dismiss a pending dispute, with the learner's notice, in one transaction. 404 for a dispute
    outside the actor's units, 409 once decided."""
    opinion = data.opinion.strip()
    if not opinion:
        raise field_error("opinion", "请填写处理意见")
    units = await _covered_units(tenant, actor)
    row = await AchievementDispute.select().where(AchievementDispute.tenant_id == tenant.id,
                                                  AchievementDispute.id == dispute_id).first()
    if row is None or (units is not None and row["unit_id"] not in units):
        raise CollectionError("未找到该异议", 404)
    now = utcnow()
    status = "upheld" if data.decision == "uphold" else "dismissed"
    unit = one(await OrgUnit.select(OrgUnit.name).where(OrgUnit.tenant_id == tenant.id,
                                                        OrgUnit.id == row["unit_id"]).first())
    async with AchievementDispute._meta.db.transaction():
        done = await AchievementDispute.update({
            AchievementDispute.status: status, AchievementDispute.opinion: opinion,
            AchievementDispute.decided_by: actor.id, AchievementDispute.decided_by_name: actor.real_name,
            AchievementDispute.decided_at: now,
        }).where(AchievementDispute.id == row["id"], AchievementDispute.status == "pending").returning(
            AchievementDispute.id)
        if not done:
            raise CollectionError("该异议已处理", 409)
        achievement = one(await Achievement.select(Achievement.id, Achievement.name).where(
            Achievement.tenant_id == tenant.id, Achievement.id == row["achievement_id"]).first())
        if status == "upheld":
            await _void(tenant, actor, achievement["id"], unit["name"], opinion, now)
        learner = one(await Account.select(Account.id, Account.real_name, Account.username, Account.phone,
                                           Account.email).where(Account.id == row["learner_id"]).first())
        channel = next((c for c in tenant.hooks.registration_policy.activation_channels
                        if learner["phone" if c == "sms" else "email"]), None)
        if channel:
            await notify(tenant, actor.as_actor(), event="dispute.decided", channel=channel,
                          recipient=learner["phone" if channel == "sms" else "email"],
                          context={"tenant_name": tenant.name, "real_name": learner["real_name"],
                                   "username": learner["username"], "achievement": achievement["name"],
                                   "upheld": status == "upheld", "unit_name": unit["name"], "opinion": opinion},
                          dedupe_key=f"dispute.decided:{row['id']}", account_id=learner["id"])
    return await _dispute_out(tenant, one(await AchievementDispute.select().where(
        AchievementDispute.id == row["id"]).first()), for_staff=True)


async def _void(tenant: TenantContext, actor: Principal, achievement_id: int, unit_name: str, opinion: str,
                now) -> None:
    """A disputed outcome found wrong: every open application on it withdrawn (with a record),
    the outcome 认定未通过. It stays, with the dispute, as the record of what happened."""
    # reviews withdraws every open application on it, each with a record, in this transaction
    await publish(tenant, OutcomeVoided(tenant_id=tenant.id, actor=actor.as_actor(), target_id=achievement_id,
                                        result="upheld", actor_name=actor.real_name, unit_name=unit_name,
                                        opinion=opinion, voided_at=now))
    await counted(tenant.id, "achievement", [achievement_id], -1)  # recognized no more: the report counts it
    await Achievement.update({Achievement.status: "rejected", Achievement.updated_at: now}).where(
        Achievement.tenant_id == tenant.id, Achievement.id == achievement_id)
    await counted(tenant.id, "achievement", [achievement_id])
