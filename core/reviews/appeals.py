"""Appeals (申诉): a learner contests a refusal within the province's ``appeal_days`` working
days, with written grounds and files; the province's appeal reviewer (the refusing unit's
parent's admins, or the committee) upholds it or overturns it. Overturned, the application
resumes at the refused step, due again in that step's working days, for another reviewer
than the one who refused (the four-eyes rule of the chain holds: they decided that step).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from core.accounts.tables import Account
from core.achievements.tables import Achievement
from core.clock import aware, utcnow
from core.db import is_unique_violation, one
from core.errors import DomainError
from core.events import counted, notify
from core.hierarchy.tables import OrgUnit
from core.reviews.engine import decode_chain, step_due_at
from core.reviews.schemas import AppealFileOut, AppealOut, ApplicationOut
from core.reviews.service import KIND_LABELS
from core.reviews.tables import Appeal, AppealFile, Application, ReviewRecord
from core.security.principal import Principal
from core.storage import Storage
from core.storage.files import inspect_file
from core.tenancy.context import TenantContext
from core.workdays import due_at

STATUS_LABELS = {"pending": "待处理", "upheld": "维持原审核结果", "overturned": "已改判，重新审核"}
FILE_TYPES = ["pdf", "jpg", "png"]


class AppealError(DomainError):
    pass


async def _refusal(application_id: int) -> dict | None:
    return await ReviewRecord.select().where(ReviewRecord.application_id == application_id,
                                             ReviewRecord.decision == "reject").order_by(
        ReviewRecord.id, ascending=False).first()


async def appeal_until(tenant: TenantContext, row: dict) -> datetime | None:
    """Until when the refused application ``row`` may be appealed (None: it may not be)."""
    days = tenant.hooks.review_policy.appeal_days
    if days is None or row["status"] != "rejected":
        return None
    refusal = await _refusal(row["id"])
    return due_at(aware(refusal["created_at"]), days) if refusal else None


async def _reviewer(tenant: TenantContext, chain, step_index: int) -> tuple[str, int | None]:
    """Who decides an appeal against a refusal at ``step_index``: (role, unit id or None)."""
    if tenant.hooks.review_policy.appeal_reviewer == "committee":
        return "committee", None
    step = chain.steps[step_index]
    unit = await OrgUnit.select(OrgUnit.id, OrgUnit.parent_id, OrgUnit.path).where(
        OrgUnit.id == step.unit_id).first() if step.unit_id is not None else None
    if unit and unit["parent_id"] is not None:
        return "unit_admin", unit["parent_id"]
    return "tenant_admin", None  # a top unit's or a tenant-wide step's refusal: the tenant's admins


async def appeal_out(tenant: TenantContext, row: dict) -> AppealOut:
    application = one(await Application.select(Application.chain, Application.kind).where(
        Application.id == row["application_id"], Application.tenant_id == tenant.id).first())
    learner = await Account.select(Account.real_name).where(Account.id == row["learner_id"],
                                                            Account.tenant_id == tenant.id).first()
    steps = decode_chain(application["chain"]).steps
    step = steps[row["step"]] if row["step"] < len(steps) else None
    files = await AppealFile.select().where(AppealFile.appeal_id == row["id"]).order_by(AppealFile.id)
    return AppealOut(
        id=row["id"], application_id=row["application_id"], step=step.name if step else "",
        step_label=step.label if step else "", grounds=row["grounds"], status=row["status"],
        status_label=STATUS_LABELS.get(row["status"], row["status"]), opinion=row["opinion"],
        decided_by=row["decided_by_name"], created_at=aware(row["created_at"]),
        decided_at=aware(row["decided_at"]) if row["decided_at"] else None,
        files=[AppealFileOut(id=f["id"], filename=f["filename"], content_type=f["content_type"], size=f["size"])
               for f in files],
        learner_name=learner["real_name"] if learner else "", kind_label=KIND_LABELS.get(application["kind"], ""))


async def with_appeal(tenant: TenantContext, application: ApplicationOut) -> ApplicationOut:
    """The learner's view of an application: its appeal, or until when it may be appealed."""
    row = one(await Application.select().where(Application.id == application.id).first())
    appeal = await Appeal.select().where(Appeal.application_id == application.id).first()
    if appeal:
        application.appeal = await appeal_out(tenant, appeal)
    else:
        until = await appeal_until(tenant, row)
        application.appeal_until = until if until and until > utcnow() else None
    return application


async def submit(tenant: TenantContext, learner_id: int, application_id: int, grounds: str,
                 *, now: datetime | None = None) -> AppealOut:
    now = now or utcnow()
    row = await Application.select().where(Application.id == application_id, Application.tenant_id == tenant.id,
                                           Application.learner_id == learner_id).first()
    if row is None:
        raise AppealError("未找到该申请", 404)
    if tenant.hooks.review_policy.appeal_days is None:
        raise AppealError("本学分银行不受理申诉", 400)
    if row["status"] != "rejected":
        raise AppealError("只有未通过审核的申请可以申诉", 409)
    until = await appeal_until(tenant, row)
    if until is None or now >= until:
        raise AppealError(f"申诉期限已过（审核结果作出后 {tenant.hooks.review_policy.appeal_days} 个工作日内）", 409)
    if await Appeal.exists().where(Appeal.application_id == row["id"]):
        raise AppealError("该申请已经申诉过", 409)
    if not grounds.strip():
        raise AppealError("请填写申诉理由", 400, extra={"field": "grounds"})
    refusal = one(await _refusal(row["id"]))
    chain = decode_chain(row["chain"])
    role, unit_id = await _reviewer(tenant, chain, refusal["step"])
    appeal = Appeal(tenant_id=tenant.id, application_id=row["id"], learner_id=learner_id, step=refusal["step"],
                    grounds=grounds.strip(), status="pending", reviewer_role=role, reviewer_unit_id=unit_id,
                    created_at=now)
    await appeal.save()
    return await appeal_out(tenant, one(await Appeal.select().where(Appeal.id == appeal.id).first()))


async def submit_with_file(tenant: TenantContext, storage: Storage, learner_id: int, application_id: int,
                           grounds: str, filename: str, content: bytes, max_bytes: int) -> AppealOut:
    """The portal's one-step appeal: grounds and an optional file; a file refused (type, size)
    keeps no appeal either, so the learner can send both again."""
    if content:
        inspect_file(content, FILE_TYPES, max_bytes)  # refuse a bad file before anything is written
    async with Appeal._meta.db.transaction():
        appeal = await submit(tenant, learner_id, application_id, grounds)
        if content:
            await add_file(tenant, storage, learner_id, appeal.id, filename, content, max_bytes)
    return await appeal_out(tenant, one(await Appeal.select().where(Appeal.id == appeal.id).first()))


async def add_file(tenant: TenantContext, storage: Storage, learner_id: int, appeal_id: int, filename: str,
                   content: bytes, max_bytes: int) -> AppealFileOut:
    row = await Appeal.select().where(Appeal.id == appeal_id, Appeal.tenant_id == tenant.id,
                                      Appeal.learner_id == learner_id).first()
    if row is None:
        raise AppealError("未找到该申诉", 404)
    if row["status"] != "pending":
        raise AppealError("申诉已处理，不能再上传材料", 409)
    info = inspect_file(content, FILE_TYPES, max_bytes)
    key = f"{tenant.id}/appeals/{row['id']}/{uuid.uuid4().hex}.{info.ext}"
    await storage.put(key, content, info.content_type)
    file = AppealFile(tenant_id=tenant.id, appeal_id=row["id"], filename=(filename or f"appeal.{info.ext}")[-255:],
                      content_type=info.content_type, size=info.size, sha256=info.sha256, storage_key=key,
                      created_at=utcnow())
    try:
        await file.save()
    except BaseException:
        await storage.delete(key)
        raise
    return AppealFileOut(id=file.id, filename=file.filename, content_type=file.content_type, size=file.size)


def may_decide(actor: Principal, appeal: dict) -> bool:
    return any(g.role == appeal["reviewer_role"] and (appeal["reviewer_unit_id"] is None
                                                      or g.unit_id == appeal["reviewer_unit_id"])
               for g in actor.grants)


async def queue(tenant: TenantContext, actor: Principal, status: str = "pending") -> list[AppealOut]:
    """Appeals the actor may decide (``pending``) or has decided."""
    query = Appeal.select().where(Appeal.tenant_id == tenant.id)
    if status == "pending":
        query = query.where(Appeal.status == "pending")
    else:
        query = query.where(Appeal.decided_by == actor.id)
    rows = [r for r in await query.order_by(Appeal.id).limit(500) if status != "pending" or may_decide(actor, r)]
    return [await appeal_out(tenant, r) for r in rows]


async def _visible(tenant: TenantContext, actor: Principal, appeal_id: int) -> dict:
    row = await Appeal.select().where(Appeal.id == appeal_id, Appeal.tenant_id == tenant.id).first()
    # Its reviewers and whoever decided it; tenant admins read every appeal (oversight), but
    # decide only those the province gives them.
    if row is None or not (may_decide(actor, row) or row["decided_by"] == actor.id or actor.has_role("tenant_admin")):
        raise AppealError("未找到该申诉", 404)
    return row


async def appeal_of(tenant: TenantContext, actor: Principal, appeal_id: int) -> AppealOut:
    return await appeal_out(tenant, await _visible(tenant, actor, appeal_id))


async def file_of(tenant: TenantContext, actor: Principal, appeal_id: int, file_id: int) -> dict:
    row = await _visible(tenant, actor, appeal_id)
    file = await AppealFile.select().where(AppealFile.id == file_id, AppealFile.appeal_id == row["id"]).first()
    if file is None:
        raise AppealError("未找到该材料", 404)
    return file


async def decide(tenant: TenantContext, actor: Principal, appeal_id: int, decision: str, opinion: str,
                 *, now: datetime | None = None) -> AppealOut:
    now = now or utcnow()
    row = await _visible(tenant, actor, appeal_id)
    if not may_decide(actor, row):
        raise AppealError("该申诉不由您处理", 403)
    if row["status"] != "pending":
        raise AppealError("该申诉已处理", 409)
    if not opinion.strip():
        raise AppealError("请填写处理意见", 400, extra={"field": "opinion"})
    refusal = await _refusal(row["application_id"])
    if refusal and refusal["actor_id"] == actor.id:
        raise AppealError("作出原审核结果的审核人不能处理对它的申诉", 403)
    application = one(await Application.select().where(Application.id == row["application_id"]).first())
    chain = decode_chain(application["chain"])
    step = chain.steps[row["step"]]
    status = "overturned" if decision == "overturn" else "upheld"
    async with Appeal._meta.db.transaction():
        changed = await Appeal.update({Appeal.status: status, Appeal.decided_by: actor.id,
                                       Appeal.decided_by_name: actor.real_name, Appeal.opinion: opinion.strip(),
                                       Appeal.decided_at: now}).returning(Appeal.id).where(
            Appeal.id == row["id"], Appeal.status == "pending")
        if not changed:
            raise AppealError("该申诉已处理", 409)
        if status == "overturned":
            await _resume(tenant, actor, application, chain, row["step"], step, opinion.strip(), now)
    await _notify(tenant, actor, application, status, opinion.strip())
    return await appeal_out(tenant, one(await Appeal.select().where(Appeal.id == row["id"]).first()))


async def _resume(tenant: TenantContext, actor: Principal, application: dict, chain, index: int, step,
                  opinion: str, now: datetime) -> None:
    """Back to the refused step: open again, due in its working days, the outcome applied again."""
    await counted(tenant.id, "application", [application["id"]], -1)  # its status moves: counted again below
    try:
        reopened = await Application.update({
            Application.status: "submitted" if index == 0 else "in_review", Application.current_step: index,
            Application.step_role: step.role, Application.step_unit_id: step.unit_id, Application.decided_at: None,
            Application.step_started_at: now, Application.step_due_at: step_due_at(step, now),
            Application.escalated_at: None, Application.escalated_unit_id: None, Application.updated_at: now,
        }).returning(Application.id).where(Application.id == application["id"], Application.status == "rejected")
    except Exception as exc:  # the unique index: a live application for the same target meanwhile
        if is_unique_violation(exc):
            raise AppealError("该成果已有相同的申请在处理中，不能改判", 409) from exc
        raise
    if not reopened:
        raise AppealError("申请状态已变化，不能改判", 409)
    await counted(tenant.id, "application", [application["id"]])
    if application["kind"] in ("recognition", "store_review") and application["achievement_id"]:
        await Achievement.update({Achievement.status: "applied", Achievement.updated_at: now}).where(
            Achievement.id == application["achievement_id"], Achievement.status == "rejected")
    await ReviewRecord.insert(ReviewRecord(
        tenant_id=tenant.id, application_id=application["id"], step=index, step_name=step.name, decision="reopen",
        opinion=opinion, actor_id=actor.id, actor_name=actor.real_name, unit_name=step.unit_name or tenant.name,
        materials="[]", created_at=now))


async def _notify(tenant: TenantContext, actor: Principal, application: dict, status: str, opinion: str) -> None:
    learner = one(await Account.select(Account.id, Account.real_name, Account.phone, Account.email).where(
        Account.id == application["learner_id"]).first())
    channel = next((c for c in tenant.hooks.registration_policy.activation_channels
                    if learner["phone" if c == "sms" else "email"]), None)
    if channel is None:
        return
    await notify(tenant, actor.as_actor(), event="appeal.decided", channel=channel,
                  recipient=learner["phone" if channel == "sms" else "email"],
                  context={"tenant_name": tenant.name, "real_name": learner["real_name"],
                           "overturned": status == "overturned", "opinion": opinion},
                  dedupe_key=f"appeal.decided:{application['id']}", account_id=learner["id"])
