"""Taking an item of a queue (认领): one reviewer works on it while the others see who has it.

A claim is one conditional update (free, lapsed, or already the caller's), so two reviewers
taking an item at once cannot both hold it. It lapses after the province's ``claim_minutes``
(the reviewer left it), is released by its holder or by an admin over the deciding unit, and
is cleared when the step is decided. While it holds, nobody else may decide the step.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from core.clock import aware, utcnow
from core.errors import DomainError
from core.hierarchy.tables import OrgUnit
from core.reviews.engine import decode_chain, may_decide
from core.reviews.schemas import ClaimOut
from core.reviews.tables import Application
from core.security.principal import Principal
from core.tenancy.context import TenantContext
from core.workdays import LOCAL_TIME

OPEN = ("submitted", "in_review")


class ClaimError(DomainError):
    pass


def _lapse(tenant: TenantContext) -> timedelta:
    return timedelta(minutes=tenant.hooks.review_policy.claim_minutes)


def holder(tenant: TenantContext, row: dict, now: datetime) -> tuple[int, str, datetime] | None:
    """Who holds application ``row`` now (id, name, since), if anyone."""
    if row.get("claimed_by") is None or row.get("claimed_at") is None:
        return None
    since = aware(row["claimed_at"])
    return (row["claimed_by"], row["claimed_by_name"], since) if since + _lapse(tenant) > now else None


def taken_message(name: str, since: datetime, tenant: TenantContext) -> str:
    minutes = tenant.hooks.review_policy.claim_minutes
    return (f"该申请已由{name}于 {since.astimezone(LOCAL_TIME):%m-%d %H:%M} 认领，请处理其他申请"
            f"（认领后 {minutes} 分钟内未审核将自动释放）")


def check_free(tenant: TenantContext, actor: Principal, row: dict, now: datetime) -> None:
    """Refuse (409, naming the holder) a decision on an item another reviewer holds."""
    held = holder(tenant, row, now)
    if held and held[0] != actor.id:
        raise ClaimError(taken_message(held[1], held[2], tenant), 409, extra={"claimed_by": held[1]})


async def _open_row(tenant: TenantContext, application_id: int) -> dict:
    row = await Application.select().where(Application.id == application_id, Application.tenant_id == tenant.id).first()
    if row is None:
        raise ClaimError("未找到该申请", 404)
    if row["status"] not in OPEN:
        raise ClaimError("申请已办结，无需认领", 409)
    return row


async def claim(tenant: TenantContext, actor: Principal, application_id: int, *, now: datetime | None = None) -> ClaimOut:
    now = now or utcnow()
    row = await _open_row(tenant, application_id)
    step = decode_chain(row["chain"]).steps[row["current_step"]]
    if not may_decide(actor, step):
        raise ClaimError("当前环节不由您审核，不能认领", 403)
    lapsed = now - _lapse(tenant)
    taken = await Application.update({
        Application.claimed_by: actor.id, Application.claimed_by_name: actor.real_name, Application.claimed_at: now,
    }).returning(Application.id).where(
        Application.id == row["id"], Application.current_step == row["current_step"],
        Application.status.is_in(list(OPEN)),
        Application.claimed_by.is_null() | (Application.claimed_by == actor.id) | (Application.claimed_at < lapsed))
    if not taken:
        held = holder(tenant, await _open_row(tenant, application_id), now)
        if held:
            raise ClaimError(taken_message(held[1], held[2], tenant), 409, extra={"claimed_by": held[1]})
        raise ClaimError("该环节已被其他审核人处理", 409)
    return ClaimOut(application_id=row["id"], claimed_by=actor.id, claimed_by_name=actor.real_name, claimed_at=now,
                    expires_at=now + _lapse(tenant))


async def release(tenant: TenantContext, actor: Principal, application_id: int) -> None:
    """Give an item back: its holder, or an admin over the unit deciding the step (the tenant's
    admins for a step any holder of the role decides)."""
    row = await _open_row(tenant, application_id)
    step = decode_chain(row["chain"]).steps[row["current_step"]]
    unit = await OrgUnit.select(OrgUnit.path).where(OrgUnit.id == step.unit_id).first() \
        if step.unit_id is not None else None
    admin = actor.has_role("tenant_admin") if unit is None else actor.covers(unit["path"], "tenant_admin", "unit_admin")
    if not (admin or may_decide(actor, step) or row["claimed_by"] == actor.id):
        raise ClaimError("未找到该申请", 404)  # not a reviewer of it: nothing to say about it
    if row["claimed_by"] is None:
        return
    if row["claimed_by"] != actor.id and not admin:
        raise ClaimError("只有认领人或该环节所在单位的管理员可以释放认领", 403)
    await Application.update({Application.claimed_by: None, Application.claimed_by_name: "",
                              Application.claimed_at: None}).where(
        Application.id == row["id"], Application.claimed_by == row["claimed_by"])

