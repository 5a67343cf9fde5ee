"""A learner closes their account (注销, PIPL Art. 47).

The learner asks (one pending request at a time; not while an application of theirs is still
being reviewed, so nothing in flight loses its applicant). An admin whose units cover the
learner (``accounts.manage``) approves or refuses it with an opinion. Approval, in one
transaction: the learner is told through the notification outbox (while their contact details
are still there), every token and portal session is revoked, the account becomes ``closed``
and its personal data is erased — name, username, phone, e-mail, address, profile fields, the
encrypted, hashed and masked ID number, the password and the ID-card scan (the file goes from
storage once the transaction is committed). Outcomes, applications, review records and issued
proofs stay: they are the bank's records, and a proof carries only the masked ID number it was
issued with, so it still verifies. Request, refusal and completion are audit events.
"""

from __future__ import annotations

import logging
from typing import Annotated, Literal

import msgspec

from core.accounts.audit import audit
from core.accounts.service import AccountError, _field_error, db
from core.accounts.tables import Account, ClosureRequest
from core.clock import utcnow
from core.db import is_unique_violation, one
from core.events import notify
from core.hierarchy.tables import OrgUnit
from core.paging import Page, keyset
from core.reviews.service import KIND_LABELS, OPEN
from core.reviews.tables import Application
from core.security.permissions import ACTIONS, require
from core.security.principal import Principal
from core.security.tokens import revoke_account_tokens
from core.storage.backends import Storage
from core.tenancy.context import TenantContext

log = logging.getLogger(__name__)

IN_FLIGHT = OPEN
CLOSED_NAME = "已注销"
STATUS_LABELS = {"pending": "待审核", "approved": "已注销", "refused": "未同意"}


class ClosureIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    reason: Annotated[str, msgspec.Meta(max_length=500)] = ""


class ClosureDecision(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    decision: Literal["approve", "refuse"]
    opinion: Annotated[str, msgspec.Meta(max_length=500)] = ""


class ClosureOut(msgspec.Struct, kw_only=True):
    id: int
    account_id: int
    status: str
    status_label: str
    reason: str
    opinion: str
    created_at: str
    decided_at: str | None = None
    learner_name: str = ""
    learner_username: str = ""


ClosurePage = Page[ClosureOut]


def _out(row: dict, account: dict | None = None) -> ClosureOut:
    return ClosureOut(
        id=row["id"], account_id=row["account_id"], status=row["status"], status_label=STATUS_LABELS[row["status"]],
        reason=row["reason"], opinion=row["opinion"], created_at=row["created_at"].isoformat(),
        decided_at=row["decided_at"].isoformat() if row["decided_at"] else None,
        learner_name=(account or {}).get("real_name", ""), learner_username=(account or {}).get("username", ""))


async def _pending(tenant: TenantContext, account_id: int) -> dict | None:
    return await ClosureRequest.select().where(ClosureRequest.tenant_id == tenant.id,
                                               ClosureRequest.account_id == account_id,
                                               ClosureRequest.status == "pending").first()


async def my_requests(tenant: TenantContext, learner: Principal) -> list[ClosureOut]:
    rows = await ClosureRequest.select().where(ClosureRequest.tenant_id == tenant.id,
                                               ClosureRequest.account_id == learner.id).order_by(
        ClosureRequest.id, ascending=False)
    return [_out(r) for r in rows]


async def request_closure(tenant: TenantContext, learner: Principal, data: ClosureIn, client: str = "") -> ClosureOut:
    """The learner asks to close their account: 201 the pending request; 409 naming the open
    one, or the application still under review."""
    if learner.kind != "learner":
        raise AccountError("仅限学习者本人", 403)
    if (open_one := await _pending(tenant, learner.id)) is not None:
        raise AccountError(f"您已提交注销申请（编号 {open_one['id']}），正在审核中，请勿重复提交", 409,
                           extra={"closure_id": open_one["id"]})
    busy = await Application.select(Application.id, Application.kind).where(
        Application.tenant_id == tenant.id, Application.learner_id == learner.id,
        Application.status.is_in(list(IN_FLIGHT))).order_by(Application.id).first()
    if busy is not None:
        raise AccountError(f"您的{KIND_LABELS.get(busy['kind'], '')}申请（编号 {busy['id']}）仍在审核中，"
                           "请待审核完成或撤回该申请后再申请注销账户", 409, extra={"application_id": busy["id"]})
    row = ClosureRequest(tenant_id=tenant.id, account_id=learner.id, status="pending", reason=data.reason.strip(),
                         created_at=utcnow())
    async with db().transaction():
        try:
            await row.save()
        except Exception as exc:
            if is_unique_violation(exc):
                raise AccountError("您已提交注销申请，正在审核中，请勿重复提交", 409) from exc
            raise
        await audit(tenant.id, learner.id, "learner.request_closure", f"account:{learner.id}", data.reason.strip(),
                    client, actor_kind="learner", changes={"closure_id": row.id})
    return _out(row.to_dict() | {"id": row.id})


async def _learner(tenant: TenantContext, actor: Principal, account_id: int) -> dict:
    account = await Account.select().where(Account.id == account_id, Account.tenant_id == tenant.id,
                                           Account.kind == "learner").first()
    unit = await OrgUnit.select(OrgUnit.path).where(OrgUnit.id == account["unit_id"], OrgUnit.tenant_id == tenant.id
                                                    ).first() if account and account["unit_id"] else None
    if account is None or not actor.covers(unit["path"] if unit else None, *ACTIONS["accounts.manage"]):
        raise AccountError("未找到该注销申请", 404)
    return account


async def pending_for_staff(tenant: TenantContext, actor: Principal, *, cursor: int | None = None,
                            limit: int = 50) -> ClosurePage:
    """Pending requests of learners in the actor's units, newest first."""
    require(actor, "accounts.manage")
    # Pending requests are few (a tenant's, not a unit's learners): the learners behind them
    # are read and kept when the actor's units cover them, as ``_learner`` decides one.
    waiting = await ClosureRequest.select(ClosureRequest.account_id).where(
        ClosureRequest.tenant_id == tenant.id, ClosureRequest.status == "pending")
    accounts = await Account.select(Account.id, Account.unit_id).where(
        Account.tenant_id == tenant.id, Account.kind == "learner",
        Account.id.is_in([w["account_id"] for w in waiting] or [0]))
    paths = {u["id"]: u["path"] for u in await OrgUnit.select(OrgUnit.id, OrgUnit.path).where(
        OrgUnit.tenant_id == tenant.id, OrgUnit.id.is_in([a["unit_id"] for a in accounts if a["unit_id"]] or [0]))}
    mine = [a["id"] for a in accounts if actor.covers(paths.get(a["unit_id"]), *ACTIONS["accounts.manage"])]
    query = ClosureRequest.select().where(ClosureRequest.tenant_id == tenant.id, ClosureRequest.status == "pending",
                                          ClosureRequest.account_id.is_in(mine or [0]))
    found = await keyset(query, ClosureRequest.id, cursor=cursor, limit=limit, out=lambda r: r)
    names = {a["id"]: a for a in await Account.select(Account.id, Account.real_name, Account.username).where(
        Account.tenant_id == tenant.id, Account.id.is_in([r["account_id"] for r in found.items] or [0]))}
    return ClosurePage(items=[_out(r, names.get(r["account_id"])) for r in found.items], next_cursor=found.next_cursor)


async def decide(tenant: TenantContext, actor: Principal, closure_id: int, data: ClosureDecision, *,
                 storage: Storage | None = None, client: str = "") -> ClosureOut:
    """Approve (close and anonymise the account) or refuse (an opinion required) a pending
    request of a learner in the actor's units; anything else 404, a decided one 409."""
    require(actor, "accounts.manage")
    row = await ClosureRequest.select().where(ClosureRequest.id == closure_id,
                                              ClosureRequest.tenant_id == tenant.id).first()
    if row is None:
        raise AccountError("未找到该注销申请", 404)
    account = await _learner(tenant, actor, row["account_id"])
    if row["status"] != "pending":
        raise AccountError("该注销申请已处理", 409)
    opinion = data.opinion.strip()
    if data.decision == "refuse" and not opinion:
        raise _field_error("opinion", "不同意注销时请填写原因")
    approved = data.decision == "approve"
    if approved:
        busy = await Application.select(Application.id).where(
            Application.tenant_id == tenant.id, Application.learner_id == account["id"],
            Application.status.is_in(list(IN_FLIGHT))).first()
        if busy is not None:
            raise AccountError(f"该学习者的申请（编号 {busy['id']}）仍在审核中，审核完成后才能注销账户", 409)
    now = utcnow()
    status = "approved" if approved else "refused"
    async with db().transaction():
        changed = await ClosureRequest.update(
            {ClosureRequest.status: status, ClosureRequest.opinion: opinion, ClosureRequest.decided_by: actor.id,
             ClosureRequest.decided_at: now}).returning(ClosureRequest.id).where(
            ClosureRequest.id == closure_id, ClosureRequest.tenant_id == tenant.id, ClosureRequest.status == "pending")
        if not changed:
            raise AccountError("该注销申请已处理", 409)
        channel, target = ("email", account["email"]) if account["email"] else ("sms", account["phone"])
        if target:  # told before the contact details go
            await notify(tenant, actor.as_actor(), event="account.closure_decided", channel=channel, recipient=target,
                         context={"tenant_name": tenant.name, "real_name": account["real_name"],
                                  "username": account["username"], "approved": approved, "opinion": opinion},
                         dedupe_key=f"account.closure_decided:{tenant.id}:{closure_id}", account_id=account["id"])
        await audit(tenant.id, actor.id, "account.closure_decide", f"account:{account['id']}", opinion, client,
                    changes={"closure_id": closure_id, "decision": data.decision})
        if approved:
            await revoke_account_tokens(tenant.id, account["id"])
            await Account.update({
                Account.status: "closed", Account.real_name: CLOSED_NAME, Account.username: f"closed-{account['id']}",
                Account.username_hash: None, Account.phone: None, Account.email: None, Account.address: "",
                Account.region: "", Account.gender: "", Account.ethnicity: "", Account.nationality: "",
                Account.birth_date: None, Account.profile: {}, Account.id_number_enc: None,
                Account.id_number_hash: None, Account.id_number_masked: "", Account.password_hash: None,
                Account.id_scan_key: None, Account.updated_at: now,
            }).where(Account.id == account["id"], Account.tenant_id == tenant.id)
            await audit(tenant.id, actor.id, "account.close", f"account:{account['id']}", "学习者申请注销", client,
                        changes={"closure_id": closure_id, "anonymised": True,
                                 "id_scan_erased": bool(account["id_scan_key"])})
    if approved and account["id_scan_key"] and storage is not None:
        try:
            await storage.delete(account["id_scan_key"])
        except Exception:  # the row no longer points at it; a leftover file is found by the storage sweep
            log.exception("closure %s: the ID scan could not be deleted", closure_id)
    decided = one(await ClosureRequest.select().where(ClosureRequest.id == closure_id).first())
    return _out(decided)
