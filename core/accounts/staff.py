"""Staff: allocation of admin accounts down the tree, opening learners' accounts at a service
window, account review, and the learner register staff may search.

A staff member acts only within the units their roles cover (their unit and everything below
it); anything outside answers 404, as if it did not exist.
"""

from __future__ import annotations

import re
import secrets

import msgspec

from core import db as database
from core.accounts import codes
from core.accounts.audit import audit
from core.accounts.identity import (
    IdentityError,
    id_birth_date,
    mask_email,
    mask_id_number,
    mask_phone,
    validate_id_number,
)
from core.accounts.schemas import (
    AccountDecision,
    AccountOut,
    AccountPage,
    FullIdNumber,
    StaffInvite,
    StaffInvited,
    WindowOpening,
)
from core.accounts.service import AccountError, _field_error, _valid, account_out, db
from core.accounts.tables import Account, AccountReview, StaffRole
from core.accounts.usernames import is_protected, username_is
from core.accounts.usernames import protect as protect_username
from core.clock import utcnow
from core.db import one
from core.events import counted, notify
from core.hierarchy.tables import OrgUnit
from core.paging import keyset
from core.security.password_policy import check_password
from core.security.passwords import hash_password_async
from core.security.permissions import ACTIONS, require
from core.security.pii import PiiProtector
from core.security.principal import Principal
from core.security.tokens import revoke_account_tokens
from core.tenancy.context import TenantContext

ADMIN_ROLES = ACTIONS["accounts.manage"]


async def _unit(tenant: TenantContext, code: str) -> dict:
    unit = await OrgUnit.select(OrgUnit.id, OrgUnit.code, OrgUnit.name, OrgUnit.path, OrgUnit.level).where(
        OrgUnit.tenant_id == tenant.id, OrgUnit.code == code).first()
    if unit is None:
        raise AccountError(f"未找到单位 {code}", 404)
    return unit


def _require_admin(actor: Principal) -> None:
    require(actor, "accounts.manage")


# ---------------------------------------------------------------------------------------------
# Staff allocation

# A staff member's username is chosen, so nothing needs it to carry an ID number; refusing one
# keeps every staff username plain text (found as typed, shown whole).
_NO_ID_IN_STAFF_NAMES = "工作人员用户名不能包含证件号码"


# Letters and digits that cannot be misread for one another when a username is read out.
_USERNAME_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


async def _new_staff_username(tenant: TenantContext, unit_code: str) -> str:
    """``<unit code>-<8 random characters>``: the unit stays readable, but the next account
    cannot be guessed from the last (sequential ``-01``, ``-02`` were a list of whom to try).
    Usernames given earlier stay as they are."""
    while True:
        username = f"{unit_code}-{''.join(secrets.choice(_USERNAME_ALPHABET) for _ in range(8))}"
        if not await Account.exists().where(Account.tenant_id == tenant.id, Account.username == username):
            return username


async def invite_staff(tenant: TenantContext, pii: PiiProtector, actor: Principal, unit_code: str,
                       data: StaffInvite, login_url: str) -> StaffInvited:
    """An admin allocates an account to a unit below their own (a tenant admin: anywhere).
    The invitee gets an activation code, never a password, and sets their own."""
    _require_admin(actor)
    unit = await _unit(tenant, unit_code)
    if not actor.covers(unit["path"], *ADMIN_ROLES):
        raise AccountError(f"未找到单位 {unit_code}", 404)
    is_tenant_admin = actor.has_role("tenant_admin")
    if not is_tenant_admin:
        if any(g.unit_path == unit["path"] for g in actor.grants):
            raise AccountError("只能为下级单位分配管理员账号", 403)
        if data.role != "unit_admin":
            labels = tenant.hooks.wording.role_labels
            raise AccountError(f"只有管理中心可以设置{labels['tenant_admin']}或{labels['committee']}", 403)
    phone = _valid("phone", data.phone) if data.phone else None
    email = _valid("email", data.email) if data.email else None
    if not (phone or email):
        raise _field_error("phone", "请填写手机号码或电子邮箱，用于发送激活码")
    username = data.username.strip() if data.username else await _new_staff_username(tenant, unit["code"])
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{2,63}", username):
        raise _field_error("username", "用户名只能由字母、数字、“.”“_”“-”组成，3–64 位")
    if is_protected(username):
        raise _field_error("username", _NO_ID_IN_STAFF_NAMES)
    if await Account.exists().where(Account.tenant_id == tenant.id, username_is(pii, username)):
        raise _field_error("username", "该用户名已被使用", 409)
    now = utcnow()
    account = Account(
        tenant_id=tenant.id, kind="staff", username=username, status="invited", real_name=data.real_name,
        phone=phone, email=email, unit_id=unit["id"], source="invite", opened_by=actor.id,
        created_at=now, updated_at=now,
    )
    channel, target = ("sms", phone) if phone else ("email", email)
    async with db().transaction():
        await account.save()
        await StaffRole.insert(StaffRole(tenant_id=tenant.id, account_id=account.id, role=data.role,
                                         unit_id=unit["id"], granted_by=actor.id, created_at=now))
        await codes.send_code(
            tenant, pii, purpose="activation", channel=channel, target=target, event="staff.invited",
            context={"real_name": data.real_name, "username": username, "unit_name": unit["name"], "login_url": login_url,
                     "activate_url": login_url.removesuffix("/login") + "/activate",
                     "valid_for": f"{codes.INVITATION_HOURS}小时"},
            client="", account_id=account.id, minutes=codes.INVITATION_HOURS * 60,
        )
        await audit(tenant.id, actor.id, "staff.invite", f"account:{account.id}", f"{data.role}@{unit['code']}")
    return StaffInvited(id=account.id, username=username, status="invited",
                        sent_to=mask_phone(target) if channel == "sms" else mask_email(target))


async def create_staff(tenant: TenantContext, unit_code: str, role: str, username: str, password: str,
                       real_name: str = "") -> int:
    """Bootstrap an active staff account with a password (``creditbank staff create``)."""
    if role not in ("tenant_admin", "unit_admin", "committee"):
        raise AccountError(f"角色 {role} 不存在（tenant_admin、unit_admin、committee）")
    unit = await _unit(tenant, unit_code)
    if is_protected(username):
        raise AccountError(_NO_ID_IN_STAFF_NAMES)
    check_password(tenant.hooks.password_policy, password, personal=(username,))
    if await Account.exists().where(Account.tenant_id == tenant.id, Account.username == username,
                                    Account.username_hash.is_null()):
        raise AccountError(f"用户名 {username} 已存在", 409)
    now = utcnow()
    account = Account(
        tenant_id=tenant.id, kind="staff", username=username, status="active", real_name=real_name or username,
        unit_id=unit["id"], source="cli", password_hash=await hash_password_async(password),
        created_at=now, updated_at=now, activated_at=now,
    )
    async with db().transaction():
        await account.save()
        await StaffRole.insert(StaffRole(tenant_id=tenant.id, account_id=account.id, role=role, unit_id=unit["id"], created_at=now))
        await audit(tenant.id, None, "staff.create", f"account:{account.id}", f"{role}@{unit_code} (cli)")
    return account.id


# ---------------------------------------------------------------------------------------------
# Learners, as staff see them


async def _learner_in_scope(tenant: TenantContext, actor: Principal, account_id: int) -> dict:
    row = await Account.select(*Account.all_columns(), Account.unit_id.path).where(
        Account.id == account_id, Account.tenant_id == tenant.id, Account.kind == "learner").first()
    if row is None or not actor.covers(row["unit_id.path"], *ADMIN_ROLES):
        raise AccountError("未找到该学习者", 404)
    return row


async def open_at_window(tenant: TenantContext, pii: PiiProtector, actor: Principal, data: WindowOpening,
                         client: str, activate_url: str) -> AccountOut:
    """Staff of a service point open a learner's account after checking the ID card; the
    record keeps who opened it, where and when. The learner then sets a password at
    ``activate_url`` with a code sent to their phone (``account.opened`` names the point)."""
    _require_admin(actor)
    if not tenant.hooks.registration_policy.window_opening:
        raise AccountError("本学分银行不在服务窗口开户", 403)
    if not data.identity_checked:
        raise _field_error("identity_checked", "请先核验身份证件原件")
    unit_code = data.unit_code or next((g.unit_code for g in actor.grants if g.role in ADMIN_ROLES), None)
    unit = await _unit(tenant, unit_code or "")
    if not actor.covers(unit["path"], *ADMIN_ROLES):
        raise AccountError(f"未找到单位 {unit_code}", 404)
    id_number = _valid("id_number", data.id_number)
    phone = _valid("phone", data.phone) if data.phone else None
    email = _valid("email", data.email) if data.email else None
    if not phone and not email:
        raise _field_error("phone", "请填写手机号码，学习者将用短信验证码设置密码")
    id_hash = pii.lookup_hash(id_number)
    if await Account.exists().where(Account.tenant_id == tenant.id, Account.id_number_hash == id_hash):
        raise _field_error("id_number", "该证件号码已有账户", 409)
    formed = tenant.hooks.username_scheme.imported.format(id_number=id_number)
    username, username_hash = protect_username(pii, formed)
    if await Account.exists().where(Account.tenant_id == tenant.id, username_is(pii, formed)):
        raise _field_error("id_number", "按本省规则生成的用户名已被其他账号占用，请联系管理员", 409)
    now = utcnow()
    account = Account(
        tenant_id=tenant.id, kind="learner", username=username, username_hash=username_hash, status="opened_by_staff",
        real_name=data.real_name,
        id_number_hash=id_hash, id_number_enc=pii.encrypt(id_number), id_number_masked=mask_id_number(id_number),
        phone=phone, email=email, gender=data.gender, ethnicity=data.ethnicity, address=data.address,
        birth_date=id_birth_date(id_number), unit_id=unit["id"], source="window", opened_by=actor.id,
        created_at=now, updated_at=now,
    )
    channel, target = ("sms", phone) if phone else ("email", email)
    async with db().transaction():
        await account.save()
        await counted(tenant.id, "account", [account.id])  # the unit report's counters
        await codes.send_code(tenant, pii, purpose="activation", channel=channel, target=target,
                              event="account.opened", context={"real_name": data.real_name, "username": username,
                                                               "unit_name": unit["name"], "activate_url": activate_url},
                              client=client, account_id=account.id)
        await audit(tenant.id, actor.id, "learner.open_at_window", f"account:{account.id}", f"at {unit['code']}", client)
    return await account_out(one(await Account.select().where(Account.id == account.id).first()))


async def review_account(tenant: TenantContext, actor: Principal, account_id: int, data: AccountDecision) -> AccountOut:
    """Approve or reject a learner account waiting for review, by an admin whose scope covers
    the learner's unit (learners without a unit: tenant admins)."""
    _require_admin(actor)
    policy = tenant.hooks.registration_policy
    if not (policy.account_review or policy.activation_review):
        raise AccountError("本学分银行不审核学习者账户", 409)
    learner = await _learner_in_scope(tenant, actor, account_id)
    if learner["status"] != "pending_review":
        raise AccountError("该账户不在待审核状态", 409)
    if data.decision == "reject" and not data.opinion.strip():
        raise _field_error("opinion", "不通过时请填写原因")
    approved = data.decision == "approve"
    now = utcnow()
    async with db().transaction():
        changed = await Account.update(
            {Account.status: "active" if approved else "rejected", Account.updated_at: now,
             **({Account.activated_at: now} if approved else {})}).returning(Account.id).where(Account.id == account_id, Account.status == "pending_review")
        if not changed:
            raise AccountError("该账户已被审核", 409)
        review = AccountReview(tenant_id=tenant.id, account_id=account_id, reviewer_id=actor.id,
                               decision=data.decision, opinion=data.opinion, created_at=now)
        await review.save()
        channel, target = ("email", learner["email"]) if learner["email"] else ("sms", learner["phone"])
        if target:
            await notify(tenant, actor.as_actor(), event="account.reviewed", channel=channel, recipient=target,
                          context={"tenant_name": tenant.name, "real_name": learner["real_name"],
                                   "username": learner["username"], "approved": approved, "opinion": data.opinion},
                          dedupe_key=f"account.reviewed:{review.id}", account_id=account_id)
    return await account_out(one(await Account.select().where(Account.id == account_id).first()))


async def disable_account(tenant: TenantContext, actor: Principal, account_id: int, reason: str,
                          client: str) -> AccountOut:
    """Stop an account: a learner under the actor's units, or staff at units below the
    actor's own (a tenant admin: anyone but themselves). Every token and portal session of
    it is revoked in the same transaction — for good, so that enabling it again one day does
    not bring old logins back. Written to the audit log with the reason."""
    _require_admin(actor)
    if not reason.strip():
        raise _field_error("reason", "请说明停用账户的原因")
    row = await Account.select(Account.id, Account.kind, Account.status, Account.unit_id.path).where(
        Account.id == account_id, Account.tenant_id == tenant.id).first()
    roles = await StaffRole.select(StaffRole.role, StaffRole.unit_id.path).where(
        StaffRole.tenant_id == tenant.id, StaffRole.account_id == account_id) if row else []
    paths = [p for p in [row and row["unit_id.path"], *(r["unit_id.path"] for r in roles)] if p]
    if row is None or not (actor.covers(row["unit_id.path"], *ADMIN_ROLES) if row["kind"] == "learner"
                           else any(actor.covers(p, *ADMIN_ROLES) for p in paths)):
        raise AccountError("未找到该账户", 404)
    if row["kind"] == "staff":
        if account_id == actor.id:
            raise AccountError("不能停用自己的账号", 403)
        own = {g.unit_path for g in actor.grants if g.role in ADMIN_ROLES}
        if not actor.has_role("tenant_admin") and (
                any(r["role"] == "tenant_admin" for r in roles)
                or not all(actor.covers(p, *ADMIN_ROLES) and p not in own for p in paths)):
            raise AccountError("只能停用下级单位的工作人员账号", 403)
    if row["status"] == "disabled":
        raise AccountError("该账户已停用", 409)
    async with db().transaction():
        changed = await Account.update({Account.status: "disabled", Account.updated_at: utcnow()}).returning(
            Account.id).where(Account.id == account_id, Account.tenant_id == tenant.id, Account.status != "disabled")
        if not changed:
            raise AccountError("该账户已停用", 409)
        await revoke_account_tokens(tenant.id, account_id)
        await audit(tenant.id, actor.id, "account.disable", f"account:{account_id}", reason, client)
    return await account_out(one(await Account.select().where(Account.id == account_id).first()))


def _search(pii: PiiProtector, q: str) -> tuple[object, str | None]:
    """The condition for a staff search, and the ID number searched for, if one was.

    An ID number, or a username containing one (``S`` + ID), matches only whole, through its
    keyed hash: nothing that contains part of one, so no run of searches can read an ID
    number digit by digit (the masked username is not searched either). Anything else is a
    phone number (exact) or part of a name or of a plain username, taken literally (LIKE's
    ``%`` and ``_`` escaped)."""
    try:
        number = validate_id_number(q)
    except IdentityError:
        number = None
    if number is not None:
        return Account.id_number_hash == pii.lookup_hash(number), number
    if is_protected(q):
        return username_is(pii, q), None
    return (Account.phone == q) | database.contains(Account.real_name, q) | (
        Account.username_hash.is_null() & database.contains(Account.username, q)), None


async def list_learners(tenant: TenantContext, pii: PiiProtector, actor: Principal, *, q: str | None,
                        status: str | None, cursor: str | None, limit: int) -> AccountPage:
    """Learners under the actor's units, newest id first; ``q`` as ``_search`` reads it. A
    search by ID number is written to the audit log (masked): who looked for whom."""
    _require_admin(actor)
    query = Account.select(*Account.all_columns()).where(Account.tenant_id == tenant.id, Account.kind == "learner")
    if not actor.has_role("tenant_admin"):
        paths = [g.unit_path for g in actor.grants if g.role in ADMIN_ROLES]
        condition = None
        for path in paths:
            clause = database.starts_with(Account.unit_id.path, path)
            condition = clause if condition is None else condition | clause
        query = query.where(condition)
    if status:
        query = query.where(Account.status == status)
    if q and q.strip():
        condition, number = _search(pii, q.strip())
        query = query.where(condition)
        if number is not None and not cursor:
            await audit(tenant.id, actor.id, "learner.search_id_number", "", mask_id_number(number))
    return await keyset(query, Account.id, cursor=int(cursor) if cursor else None, limit=limit, out=account_out)


async def reveal_id_number(tenant: TenantContext, pii: PiiProtector, actor: Principal, account_id: int,
                           reason: str, client: str) -> FullIdNumber:
    """The whole ID number, for staff in scope who ask for it explicitly; written to the audit
    log with the reason."""
    learner = await _learner_in_scope(tenant, actor, account_id)
    if not reason.strip():
        raise _field_error("reason", "请说明查看完整证件号码的原因")
    if not learner["id_number_enc"]:  # closed (注销: erased) or never given one
        raise AccountError("该账户没有可查看的证件号码（账户已注销，或开户时未登记证件号码）", 409)
    entry_id = await audit(tenant.id, actor.id, "learner.reveal_id_number", f"account:{account_id}", reason, client)
    return FullIdNumber(id_number=pii.decrypt(learner["id_number_enc"]), audit_id=entry_id)



async def learner_for_staff(tenant: TenantContext, actor: Principal, account_id: int) -> tuple[AccountOut, dict]:
    """A learner in the actor's scope as the account review sees it: the account (masked),
    and what they registered with — unit, personal details, the profile fields the plugin
    asked for, whether an ID-card scan is on file, who opened it at a window, earlier reviews."""
    _require_admin(actor)
    row = await _learner_in_scope(tenant, actor, account_id)
    unit = await OrgUnit.select(OrgUnit.code, OrgUnit.name).where(OrgUnit.id == row["unit_id"]).first() \
        if row["unit_id"] else None
    opener = await Account.select(Account.real_name, Account.username).where(Account.id == row["opened_by"]).first() \
        if row["opened_by"] else None
    reviews = await AccountReview.select(AccountReview.decision, AccountReview.opinion, AccountReview.created_at,
                                         AccountReview.reviewer_id).where(
        AccountReview.account_id == row["id"]).order_by(AccountReview.id)
    reviewers = {r["id"]: r["real_name"] for r in await Account.select(Account.id, Account.real_name).where(
        Account.id.is_in([r["reviewer_id"] for r in reviews] or [0]))}
    profile = row["profile"]
    details = {
        "unit_name": unit["name"] if unit else "", "gender": row["gender"], "ethnicity": row["ethnicity"],
        "nationality": row["nationality"], "region": row["region"], "address": row["address"],
        "birth_date": row["birth_date"], "created_at": row["created_at"], "activated_at": row["activated_at"],
        "has_id_scan": bool(row["id_scan_key"]),
        "profile": msgspec.json.decode(profile) if isinstance(profile, str) else profile or {},
        "opened_by": (opener["real_name"] or opener["username"]) if opener else "",
        "reviews": [{"decision": r["decision"], "opinion": r["opinion"], "at": r["created_at"],
                     "reviewer": reviewers.get(r["reviewer_id"], "")} for r in reviews],
    }
    return await account_out(row), details


_SCAN_TYPES = {"jpg": "image/jpeg", "png": "image/png", "gif": "image/gif"}


async def id_scan_for_staff(tenant: TenantContext, actor: Principal, account_id: int, reason: str | None = None,
                            client: str = "") -> dict:
    """The ID-card scan a learner registered with (``storage_key``, ``filename``,
    ``content_type``), for an admin in scope who reviews the account now (it waits for the
    review this tenant makes) or who gives a ``reason`` — the audited reveal, as for the full
    ID number. Without either 403; no scan 404. Each look is audited with its reason."""
    _require_admin(actor)
    row = await _learner_in_scope(tenant, actor, account_id)
    if not row["id_scan_key"]:
        raise AccountError("该账户没有身份证扫描件", 404)
    policy = tenant.hooks.registration_policy
    reviewing = row["status"] == "pending_review" and (policy.account_review or policy.activation_review)
    if reason is not None and reason.strip():
        detail = reason.strip()
    elif reviewing:
        detail = "账户审核"
    elif reason is None:
        raise AccountError("该账户不在审核中：查看身份证扫描件须说明原因（将记入审计日志）", 403)
    else:
        raise _field_error("reason", "请说明查看身份证扫描件的原因")
    ext = row["id_scan_key"].rsplit(".", 1)[-1]
    await audit(tenant.id, actor.id, "learner.view_id_scan", f"account:{account_id}", detail, client)
    return {"storage_key": row["id_scan_key"], "filename": f"id-scan.{ext}",
            "content_type": _SCAN_TYPES.get(ext, "application/octet-stream")}


async def unit_staff(tenant: TenantContext, actor: Principal, unit_code: str) -> list[dict]:
    """The staff accounts holding a role at one unit the actor administers: ``username``,
    ``real_name``, ``role``, ``status`` (``invited`` until they activate), oldest first."""
    _require_admin(actor)
    unit = await _unit(tenant, unit_code)
    if not actor.covers(unit["path"], *ADMIN_ROLES):
        raise AccountError(f"未找到单位 {unit_code}", 404)
    rows = await StaffRole.select(StaffRole.role, StaffRole.account_id.username, StaffRole.account_id.real_name,
                                  StaffRole.account_id.status).where(
        StaffRole.tenant_id == tenant.id, StaffRole.unit_id == unit["id"]).order_by(StaffRole.id)
    return [{"username": r["account_id.username"], "real_name": r["account_id.real_name"], "role": r["role"],
             "status": r["account_id.status"]} for r in rows]
