"""The daily reminder run: a digest to every reviewer of what comes due, and escalation (督办)
of reviews that ran late, both through the notification outbox.

Run once a day or more often (``creditbank reviews remind``, from cron or a timer): an item is
escalated once (a conditional update), and a reviewer gets at most one digest a day (its
outbox key names the local day), so extra or concurrent runs change nothing. The thresholds
come from the province (``review_policy``), in working days on core.workdays' calendar.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.accounts.tables import Account, StaffRole
from core.clock import aware
from core.events import SYSTEM, notify
from core.hierarchy.tables import OrgUnit
from core.notifications.tables import Notification
from core.reviews.engine import decode_chain
from core.reviews.service import KIND_LABELS, decidable_by
from core.reviews.tables import Application
from core.tenancy.context import TenantContext
from core.workdays import due_at, local_date, working_days_between

OPEN = ("submitted", "in_review")
ADMIN_ROLES = ("tenant_admin", "unit_admin")


@dataclass
class ReminderRun:
    escalated: int = 0  # items escalated by this run
    digests: int = 0  # digests written to the outbox by this run (not counting repeats)


def _channel(account: dict) -> tuple[str, str] | None:
    if account["email"]:
        return "email", account["email"]
    if account["phone"]:
        return "sms", account["phone"]
    return None


async def _staff(tenant_id: int) -> dict[int, dict]:
    """Active staff accounts with their grants: ``{id: {..., "grants": [(role, unit_id)]}}``."""
    rows = await StaffRole.select(StaffRole.account_id, StaffRole.role, StaffRole.unit_id).where(
        StaffRole.tenant_id == tenant_id)
    accounts = {a["id"]: a for a in await Account.select(
        Account.id, Account.real_name, Account.email, Account.phone).where(
        Account.tenant_id == tenant_id, Account.status == "active",
        Account.id.is_in(list({r["account_id"] for r in rows}) or [0]))}
    staff: dict[int, dict] = {}
    for r in rows:
        account = accounts.get(r["account_id"])
        if account is None:
            continue  # not active
        entry = staff.setdefault(r["account_id"], {**account, "grants": []})
        entry["grants"].append((r["role"], r["unit_id"]))
    return staff


async def _escalation_unit(tenant_id: int, step_unit_id: int | None, roots: list[dict]) -> int | None:
    """The parent of the deciding unit; the top of its tree for a top unit or a tenant-wide step."""
    if step_unit_id is not None:
        unit = await OrgUnit.select(OrgUnit.parent_id, OrgUnit.path).where(
            OrgUnit.tenant_id == tenant_id, OrgUnit.id == step_unit_id).first()
        if unit and unit["parent_id"] is not None:
            return unit["parent_id"]
        if unit:
            top = unit["path"].strip("/").split("/")[0]
            return next((r["id"] for r in roots if r["code"] == top), None)
    return roots[0]["id"] if roots else None


async def escalate(tenant: TenantContext, now: datetime, site: str, staff: dict[int, dict]) -> int:
    after = tenant.hooks.review_policy.escalate_after_days
    if after is None:
        return 0
    roots = await OrgUnit.select(OrgUnit.id, OrgUnit.code, OrgUnit.name).where(
        OrgUnit.tenant_id == tenant.id, OrgUnit.parent_id.is_null()).order_by(OrgUnit.id)
    late = await Application.select(
        Application.id, Application.kind, Application.chain, Application.current_step, Application.step_unit_id,
        Application.step_due_at, Application.learner_id,
    ).where(Application.tenant_id == tenant.id, Application.status.is_in(list(OPEN)),
            Application.step_due_at <= now, Application.escalated_at.is_null())
    names = {a["id"]: a["real_name"] for a in await Account.select(Account.id, Account.real_name).where(
        Account.tenant_id == tenant.id, Account.id.is_in([r["learner_id"] for r in late] or [0]))}
    count = 0
    for row in late:
        days = working_days_between(aware(row["step_due_at"]), now)
        if days < after:
            continue
        target = await _escalation_unit(tenant.id, row["step_unit_id"], roots)
        if target is None:
            continue
        async with Application._meta.db.transaction():
            changed = await Application.update({Application.escalated_at: now, Application.escalated_unit_id: target}
                                               ).returning(Application.id).where(
                Application.id == row["id"], Application.escalated_at.is_null())
            if not changed:
                continue  # another run escalated it meanwhile
            count += 1
            steps = decode_chain(row["chain"]).steps
            step = steps[row["current_step"]] if row["current_step"] < len(steps) else None
            context = {
                "tenant_name": tenant.name, "unit_name": (step.unit_name if step and step.unit_name else tenant.name),
                "kind_label": KIND_LABELS.get(row["kind"], row["kind"]), "step_label": step.label if step else "",
                "learner_name": names.get(row["learner_id"], ""), "days_overdue": days,
                "login_url": f"{site}/staff/reviews?status=escalated"}
            for account in staff.values():
                if not any(role in ADMIN_ROLES and unit == target for role, unit in account["grants"]):
                    continue
                channel = _channel(account)
                if channel:
                    await notify(tenant, SYSTEM, event="review.escalated", channel=channel[0],
                                  recipient=channel[1], context={**context, "real_name": account["real_name"]},
                                  dedupe_key=f"review.escalated:{row['id']}:{account['id']}", account_id=account["id"])
    return count


async def digests(tenant: TenantContext, now: datetime, site: str, staff: dict[int, dict]) -> int:
    within = tenant.hooks.review_policy.remind_within_days
    horizon = due_at(now, within)
    day = local_date(now).isoformat()
    written = 0
    for account in staff.values():
        channel = _channel(account)
        if channel is None:
            continue
        mine = Application.tenant_id == tenant.id
        open_ = Application.status.is_in(list(OPEN))
        decidable = decidable_by(account["grants"])
        due = await Application.count().where(mine, open_, decidable, Application.step_due_at < horizon)
        overdue = await Application.count().where(mine, open_, decidable, Application.step_due_at <= now)
        admin_units = [unit for role, unit in account["grants"] if role in ADMIN_ROLES]
        escalated = await Application.count().where(
            mine, open_, Application.escalated_unit_id.is_in(admin_units)) if admin_units else 0
        if not (due or escalated):
            continue
        key = f"review.digest:{account['id']}:{day}"
        if await Notification.exists().where(Notification.dedupe_key == key):
            continue
        await notify(tenant, SYSTEM, event="review.digest", channel=channel[0], recipient=channel[1],
                      context={"tenant_name": tenant.name, "real_name": account["real_name"], "due": due,
                               "overdue": overdue, "escalated": escalated, "within_days": within,
                               "login_url": f"{site}/staff/reviews"},
                      dedupe_key=key, account_id=account["id"])
        written += 1
    return written


async def run(tenant: TenantContext, now: datetime, platform_base_url: str) -> ReminderRun:
    """Escalate what ran late, then send each reviewer their digest of the day (escalations
    first, so a digest counts what was escalated to its reader). Links start at the tenant's
    own address (``TenantContext.site``)."""
    site = tenant.site(platform_base_url)
    staff = await _staff(tenant.id)
    escalated = await escalate(tenant, now, site, staff)
    return ReminderRun(escalated=escalated, digests=await digests(tenant, now, site, staff))
