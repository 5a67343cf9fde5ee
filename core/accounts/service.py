"""Learner accounts: activation of imported accounts, self-registration, codes, passwords.

Each province decides through its plugin (username scheme, registration and password
policy); the flows here never name a province. Every function is scoped to one tenant, and
every multi-step change runs in one transaction.
"""

from __future__ import annotations

import re
import uuid
from datetime import date

import msgspec

from core.accounts import codes
from core.accounts.identity import (
    IdentityError,
    id_birth_date,
    mask_email,
    mask_id_number,
    mask_id_numbers_in,
    mask_phone,
    validate_email,
    validate_id_number,
    validate_phone,
)
from core.accounts.schemas import (
    AccountOut,
    ActivateIn,
    ActivationDetails,
    CodeRequest,
    PasswordReset,
    RoleOut,
)
from core.accounts.tables import Account, StaffRole
from core.accounts.usernames import protect as protect_username
from core.accounts.usernames import username_is
from core.clock import utcnow
from core.db import one
from core.errors import DomainError
from core.events import counted
from core.hierarchy.tables import OrgUnit
from core.security.password_policy import check_password
from core.security.passwords import hash_password_async, verify_password_async
from core.security.pii import PiiProtector
from core.security.tokens import revoke_account_tokens
from core.storage import Storage
from core.storage.files import inspect_file
from core.tenancy.context import TenantContext

# Statuses in which an account waits for its owner to set a password with a code.
AWAITING_ACTIVATION = ("imported", "invited", "opened_by_staff")
_CORE_FIELDS = {
    "username", "real_name", "password", "password_confirm", "id_number", "phone", "email", "code",
    "gender", "ethnicity", "nationality", "birth_date", "region", "address", "unit_code", "agree_terms",
    "id_scan",
}


class AccountError(DomainError):
    pass


def _field_error(field: str, message: str, status: int = 400) -> AccountError:
    return AccountError(message, status, extra={"field": field})


def db():
    return Account._meta.db


# ---------------------------------------------------------------------------------------------
# Reading accounts


async def account_out(row: dict) -> AccountOut:
    roles = await StaffRole.select(StaffRole.role, StaffRole.unit_id.code).where(StaffRole.account_id == row["id"])
    unit_code = None
    if row.get("unit_id"):
        unit = await OrgUnit.select(OrgUnit.code).where(OrgUnit.id == row["unit_id"]).first()
        unit_code = unit["code"] if unit else None
    return AccountOut(
        id=row["id"],
        username=mask_id_numbers_in(row["username"]),
        kind=row["kind"],
        status=row["status"],
        real_name=row["real_name"],
        id_number_masked=row["id_number_masked"] or "",
        phone_masked=mask_phone(row["phone"]) if row.get("phone") else "",
        email_masked=mask_email(row["email"]) if row.get("email") else "",
        unit_code=unit_code,
        source=row.get("source", ""),
        roles=[RoleOut(role=r["role"], unit_code=r["unit_id.code"]) for r in roles],
    )


async def find_account(tenant: TenantContext, pii: PiiProtector, *, id_number: str | None = None,
                       username: str | None = None) -> dict | None:
    """The tenant's account with this ID number (learners) or username, or None."""
    query = Account.select().where(Account.tenant_id == tenant.id)
    if id_number:
        try:
            number = validate_id_number(id_number)
        except IdentityError as exc:
            raise _field_error("id_number", str(exc)) from exc
        return await query.where(Account.id_number_hash == pii.lookup_hash(number)).first()
    if username:
        return await query.where(username_is(pii, username)).first()
    raise AccountError("请填写证件号码或用户名")


def _mask_name(name: str) -> str:
    return name[:1] + "*" * max(1, len(name) - 1) if name else ""


# ---------------------------------------------------------------------------------------------
# Activation of imported, invited and window-opened accounts


async def _awaiting_activation(tenant: TenantContext, pii: PiiProtector, id_number: str | None,
                               username: str | None) -> dict:
    account = await find_account(tenant, pii, id_number=id_number, username=username)
    if account is None:
        raise AccountError("未找到待激活的账户，请核对证件号码，或先注册", 404)
    if account["status"] not in AWAITING_ACTIVATION:
        raise AccountError("该账户已激活，请直接登录", 409)
    return account


async def activation_details(tenant: TenantContext, pii: PiiProtector, id_number: str | None,
                             username: str | None) -> ActivationDetails:
    """What the learner checks before activating (the national OUC's 账户状态查询), masked."""
    account = await _awaiting_activation(tenant, pii, id_number, username)
    if account["kind"] == "staff":
        # An invitee already holds the code the invitation sent; the lookup answers only what
        # activating needs, so a guessed username tells nobody whose account it is or where.
        return ActivationDetails(
            username=account["username"], real_name="", id_number_masked="", unit_name="", phone_masked="",
            email_masked="", channels=[c for c, bound in (("sms", account["phone"]), ("email", account["email"])) if bound],
        )
    unit = await OrgUnit.select(OrgUnit.name).where(OrgUnit.id == account["unit_id"]).first() if account["unit_id"] else None
    policy = tenant.hooks.registration_policy
    return ActivationDetails(
        username=mask_id_numbers_in(account["username"]),
        real_name=_mask_name(account["real_name"]),
        id_number_masked=account["id_number_masked"],
        unit_name=unit["name"] if unit else "",
        phone_masked=mask_phone(account["phone"]) if account["phone"] else "",
        email_masked=mask_email(account["email"]) if account["email"] else "",
        channels=list(policy.activation_channels),
        email_wanted=policy.activation_review and "email" in policy.activation_channels,
    )


def _activation_target(tenant: TenantContext, account: dict, channel: str, new_email: str | None) -> str:
    """Where the activation code goes: the bound phone or e-mail; for provinces that review
    activations (national OUC), the learner gives the working e-mail they want bound."""
    policy = tenant.hooks.registration_policy
    if account["kind"] == "learner" and channel not in policy.activation_channels:
        raise _field_error("channel", f"本学分银行不支持通过{'短信' if channel == 'sms' else '邮箱'}激活账户")
    if channel == "email" and new_email and account["kind"] == "learner" and policy.activation_review:
        return _valid("email", new_email)
    bound = account["phone"] if channel == "sms" else account["email"]
    if not bound:
        what = "手机号" if channel == "sms" else "电子邮箱"
        raise _field_error("channel", f"该账户未绑定{what}，请选择其他验证方式或到服务点更新信息")
    return bound


def _valid(field: str, value: str) -> str:
    try:
        if field == "phone":
            return validate_phone(value)
        if field == "email":
            return validate_email(value)
        if field == "id_number":
            return validate_id_number(value)
    except IdentityError as exc:
        raise _field_error(field, str(exc)) from exc
    return value


async def request_code(tenant: TenantContext, pii: PiiProtector, data: CodeRequest, client: str) -> str:
    """Send a code for activation, registration or a password reset; returns where, masked."""
    if data.purpose == "activation":
        account = await _awaiting_activation(tenant, pii, data.id_number, data.username)
        target = _activation_target(tenant, account, data.channel, data.email)
        event, account_id, name = "code.activation", account["id"], account["real_name"]
    elif data.purpose == "register":
        policy = tenant.hooks.registration_policy
        if not policy.self_registration:
            raise AccountError("本学分银行不开放自助注册，请携带身份证件到就近的服务点开户", 403)
        field = "phone" if data.channel == "sms" else "email"
        value = data.phone if field == "phone" else data.email
        if not value:
            raise _field_error(field, "请填写手机号码" if field == "phone" else "请填写电子邮箱")
        target = _valid(field, value)
        column = Account.phone if field == "phone" else Account.email
        if await Account.exists().where(Account.tenant_id == tenant.id, column == target):
            raise _field_error(field, "该手机号码已注册" if field == "phone" else "该电子邮箱已注册", 409)
        event, account_id, name = "code.register", None, ""
    else:
        account = await find_account(tenant, pii, id_number=data.id_number, username=data.username)
        if account is None or account["status"] in AWAITING_ACTIVATION:
            raise AccountError("未找到已激活的账户，请核对后重试", 404)
        target = account["phone"] if data.channel == "sms" else account["email"]
        if not target:
            raise _field_error("channel", "该账户未绑定此验证方式，请选择其他方式")
        event, account_id, name = "code.reset", account["id"], account["real_name"]
    async with db().transaction():
        await codes.send_code(
            tenant, pii, purpose=data.purpose, channel=data.channel, target=target, event=event,
            # the account's own username, masked as everywhere (an ID number inside is never sent whole)
            context={"real_name": name, "username": mask_id_numbers_in(account["username"]) if account_id else ""},
            client=client, account_id=account_id,
        )
    return mask_phone(target) if data.channel == "sms" else mask_email(target)


async def check_activation_code(tenant: TenantContext, pii: PiiProtector, *, id_number: str | None,
                                username: str | None, channel: str, email: str | None, code: str) -> None:
    """The 身份验证 step of the activation wizard: is ``code`` the live code for this account
    and channel? A wrong code counts a try; a right one stays live for ``activate``."""
    account = await _awaiting_activation(tenant, pii, id_number, username)
    target = _activation_target(tenant, account, channel, email)
    if not code.strip():
        raise _field_error("code", "请填写验证码")
    await codes.check_code(tenant, pii, purpose="activation", target=target, code=code)


def _personal(account: dict, id_number: str | None = None) -> tuple[str, ...]:
    return tuple(v for v in (account.get("username"), id_number, account.get("phone"), account.get("email")) if v)


async def activate(tenant: TenantContext, pii: PiiProtector, data: ActivateIn) -> AccountOut:
    """Code checked, password set: the account is active, or pending review where the
    province reviews activations (national OUC, Gansu)."""
    account = await _awaiting_activation(tenant, pii, data.id_number, data.username)
    channel, email = data.channel, data.email
    if channel is None:  # the code knows how it was sent: the client need not repeat it
        sent = await codes.live_code(tenant, purpose="activation", account_id=account["id"])
        channel = sent[0] if sent else ("email" if email else "sms")
        if sent and channel == "email" and not email:
            email = sent[1]
    target = _activation_target(tenant, account, channel, email)
    personal = _personal(account, data.id_number) + ((data.username.strip(),) if data.username else ())  # the stored one is masked
    check_password(tenant.hooks.password_policy, data.password, personal=personal)
    code_id = await codes.check_code(tenant, pii, purpose="activation", target=target, code=data.code)
    policy = tenant.hooks.registration_policy
    review = account["kind"] == "learner" and policy.activation_review
    values = {
        Account.password_hash: await hash_password_async(data.password),
        Account.status: "pending_review" if review else "active",
        Account.activated_at: utcnow(),
        Account.updated_at: utcnow(),
    }
    if channel == "email":
        values[Account.email] = target
    async with db().transaction():
        await codes.consume_code(code_id)
        changed = await Account.update(values).returning(Account.id).where(
            Account.id == account["id"], Account.status == account["status"]
        )
        if not changed:
            raise AccountError("该账户已激活，请直接登录", 409)
    return await account_out(one(await Account.select().where(Account.id == account["id"]).first()))


# ---------------------------------------------------------------------------------------------
# Self-registration

ID_SCAN_TYPES = ("jpg", "png", "gif")


async def store_id_scan(tenant: TenantContext, storage: Storage, content: bytes, max_bytes: int) -> str:
    """Keep an ID-card scan uploaded ahead of registering; returns the id the form refers to."""
    if not tenant.hooks.registration_policy.self_registration:
        raise AccountError("本学分银行不开放自助注册", 403)
    info = inspect_file(content, ID_SCAN_TYPES, max_bytes)
    upload_id = f"{uuid.uuid4().hex}.{info.ext}"
    await storage.put(f"{tenant.id}/id-scans/{upload_id}", content, info.content_type)
    return upload_id


def _form_value(form: dict, name: str) -> str:
    value = form.get(name)
    if value is None:
        return ""
    if not isinstance(value, (str, int, float, bool)):
        raise _field_error(name, f"字段 {name} 的值无效")
    return str(value).strip()


async def register(tenant: TenantContext, pii: PiiProtector, form: dict, storage: Storage) -> AccountOut:
    """A learner registers with the plugin's form. Returns the account with its status:
    ``active``; ``registered`` (an e-mail/SMS check still to come); ``pending_review``."""
    policy = tenant.hooks.registration_policy
    scheme = tenant.hooks.username_scheme
    if not policy.self_registration:
        raise AccountError("本学分银行不开放自助注册，请携带身份证件到就近的服务点开户", 403)
    if policy.terms_required and form.get("agree_terms") is not True:
        raise _field_error("agree_terms", "请阅读并同意服务条款")
    fields = {f.name: f for f in policy.fields}
    values: dict[str, str] = {}
    for field in policy.fields:
        value = _form_value(form, field.name)
        if field.required and not value:
            raise _field_error(field.name, f"请填写{field.label}")
        if value and field.type == "select" and field.options and value not in field.options:
            raise _field_error(field.name, f"{field.label}的取值无效")
        values[field.name] = value
    for name in ("real_name", "id_number", "password"):
        if name not in fields:
            values[name] = _form_value(form, name)
            if not values[name]:
                raise _field_error(name, "请填写" + {"real_name": "真实姓名", "id_number": "证件号码", "password": "密码"}[name])
    id_number = _valid("id_number", values["id_number"])
    born = id_birth_date(id_number)
    if values.get("birth_date"):
        try:
            given = date.fromisoformat(values["birth_date"].replace("/", "-"))
        except ValueError:
            raise _field_error("birth_date", "出生日期格式应为 YYYY-MM-DD") from None
        if given != born:
            raise _field_error("birth_date", "出生日期与证件号码不一致")
    phone = _valid("phone", values["phone"]) if values.get("phone") else None
    email = _valid("email", values["email"]) if values.get("email") else None
    if "password_confirm" in fields and values["password"] != values.get("password_confirm"):
        raise _field_error("password_confirm", "两次输入的密码不一致")
    if scheme.self_registered == "email":
        if not email:
            raise _field_error("email", "请填写电子邮箱，它将作为您的用户名")
        username = email
    elif scheme.self_registered == "id_number":
        username = id_number
    else:
        username = values.get("username") or _form_value(form, "username")
        if not re.fullmatch(scheme.pattern, username or ""):
            raise _field_error("username", scheme.pattern_message)
    check_password(tenant.hooks.password_policy, values["password"], personal=(username, id_number, phone or "", email or ""))
    unit_id = None
    if unit_code := _form_value(form, "unit_code"):
        unit = await OrgUnit.select(OrgUnit.id).where(OrgUnit.tenant_id == tenant.id, OrgUnit.code == unit_code).first()
        if unit is None:
            raise _field_error("unit_code", "所选服务点不存在")
        unit_id = unit["id"]
    if policy.region_required and not (values.get("region") or _form_value(form, "region")):
        raise _field_error("region", "请选择所在地区")
    id_scan_key = None
    if scan := _form_value(form, "id_scan"):
        if not re.fullmatch(r"[0-9a-f]{32}\.(jpg|png|gif)", scan) or not await storage.exists(f"{tenant.id}/id-scans/{scan}"):
            raise _field_error("id_scan", "身份证扫描件不存在，请重新上传")
        id_scan_key = f"{tenant.id}/id-scans/{scan}"
    elif policy.id_scan_required:
        raise _field_error("id_scan", "请上传清晰的身份证扫描件")

    id_hash = pii.lookup_hash(id_number)
    if await Account.exists().where(Account.tenant_id == tenant.id, Account.id_number_hash == id_hash):
        raise _field_error("id_number", "该证件号码已注册，如忘记密码请找回密码", 409)
    stored_username, username_hash = protect_username(pii, username)
    if await Account.exists().where(Account.tenant_id == tenant.id, username_is(pii, username)):
        raise _field_error("username", "该用户名已被使用", 409)

    verify_now = policy.verify and policy.verify_when == "before"
    code_id = None
    if verify_now:
        channel = policy.verify[0]
        target = phone if channel == "sms" else email
        if not target:
            raise _field_error("phone" if channel == "sms" else "email", "请填写用于接收验证码的手机号码或邮箱")
        code = _form_value(form, "code")
        if not code:
            raise _field_error("code", "请填写验证码")
        code_id = await codes.check_code(tenant, pii, purpose="register", target=target, code=code)
    if policy.verify and not verify_now:
        status = "registered"
    elif policy.account_review:
        status = "pending_review"
    else:
        status = "active"
    now = utcnow()
    profile = {k: v for k, v in values.items() if k not in _CORE_FIELDS and v}
    account = Account(
        tenant_id=tenant.id, kind="learner", username=stored_username, username_hash=username_hash, status=status,
        real_name=values["real_name"][:100], id_number_hash=id_hash, id_number_enc=pii.encrypt(id_number),
        id_number_masked=mask_id_number(id_number), phone=phone, email=email,
        gender=values.get("gender", ""), ethnicity=values.get("ethnicity", ""),
        nationality=values.get("nationality", ""), birth_date=born, address=values.get("address", ""),
        region=values.get("region") or _form_value(form, "region"), profile=msgspec.json.encode(profile).decode(),
        unit_id=unit_id, password_hash=await hash_password_async(values["password"]), source="register",
        id_scan_key=id_scan_key,
        created_at=now, updated_at=now, activated_at=now if status == "active" else None,
    )
    async with db().transaction():
        if code_id is not None:
            await codes.consume_code(code_id)
        await account.save()
        await counted(tenant.id, "account", [account.id])  # the unit report's counters
        if status == "registered":
            channel = policy.verify[0]
            await codes.send_code(
                tenant, pii, purpose="register", channel=channel, target=phone if channel == "sms" else email,
                event="code.register", context={"real_name": account.real_name, "username": stored_username},
                client="", account_id=account.id,
            )
    return await account_out(one(await Account.select().where(Account.id == account.id).first()))


async def verify_registration(tenant: TenantContext, pii: PiiProtector, username: str | None, code: str, *,
                              id_number: str | None = None) -> AccountOut:
    """The e-mail (or SMS) check after registering: ``registered`` → ``pending_review`` or
    ``active``. The account is found by ``id_number`` when given, else by ``username``."""
    account = await find_account(tenant, pii, id_number=id_number, username=username)
    if account is None or account["status"] != "registered":
        raise AccountError("未找到待验证的账户", 404)
    channel = tenant.hooks.registration_policy.verify[0]
    target = account["phone"] if channel == "sms" else account["email"]
    code_id = await codes.check_code(tenant, pii, purpose="register", target=target, code=code)
    status = "pending_review" if tenant.hooks.registration_policy.account_review else "active"
    async with db().transaction():
        await codes.consume_code(code_id)
        await Account.update({Account.status: status, Account.updated_at: utcnow(),
                              **({Account.activated_at: utcnow()} if status == "active" else {})}).where(
            Account.id == account["id"], Account.status == "registered"
        )
    return await account_out(one(await Account.select().where(Account.id == account["id"]).first()))


async def resend_registration_code(tenant: TenantContext, pii: PiiProtector, username: str | None, client: str, *,
                                   id_number: str | None = None) -> str:
    """A new code for an account still waiting for its check after registering (the first
    one expired or was lost); returns where it went, masked. Found as ``verify_registration``
    finds it."""
    account = await find_account(tenant, pii, id_number=id_number, username=username)
    if account is None or account["status"] != "registered":
        raise _field_error("username", "未找到待验证的账户", 404)
    channel = tenant.hooks.registration_policy.verify[0]
    target = account["phone"] if channel == "sms" else account["email"]
    async with db().transaction():
        await codes.send_code(
            tenant, pii, purpose="register", channel=channel, target=target, event="code.register",
            context={"real_name": account["real_name"], "username": account["username"]}, client=client,
            account_id=account["id"],
        )
    return mask_phone(target) if channel == "sms" else mask_email(target)


# ---------------------------------------------------------------------------------------------
# Passwords


async def change_password(tenant: TenantContext, account_id: int, old: str, new: str, *,
                          keep_token: str | None = None) -> None:
    """A new password for a logged-in account. Every other login of the account (bearer
    tokens, portal sessions) ends with the old password — whoever else held one may be who
    it was changed against; ``keep_token``, the login that changed it, stays."""
    account = await Account.select().where(Account.id == account_id, Account.tenant_id == tenant.id).first()
    if account is None or not account["password_hash"] or not await verify_password_async(account["password_hash"], old):
        raise _field_error("old_password", "原密码错误")
    check_password(tenant.hooks.password_policy, new, personal=_personal(account))
    password_hash = await hash_password_async(new)
    async with db().transaction():
        await Account.update({Account.password_hash: password_hash, Account.updated_at: utcnow()}).where(
            Account.id == account_id, Account.tenant_id == tenant.id
        )
        await revoke_account_tokens(tenant.id, account_id, keep=keep_token)


async def reset_password(tenant: TenantContext, pii: PiiProtector, data: PasswordReset) -> None:
    """A forgotten password, replaced with a code sent to the bound phone or e-mail. A reset
    also lifts a login lock: the owner has just proved who they are. Every login of the
    account ends: a reset is what an owner does when someone else may be in."""
    account = await find_account(tenant, pii, id_number=data.id_number, username=data.username)
    if account is None or account["status"] in AWAITING_ACTIVATION:
        raise AccountError("未找到已激活的账户，请核对后重试", 404)
    target = account["phone"] if data.channel == "sms" else account["email"]
    if not target:
        raise _field_error("channel", "该账户未绑定此验证方式")
    check_password(tenant.hooks.password_policy, data.new_password, personal=_personal(account, data.id_number))
    code_id = await codes.check_code(tenant, pii, purpose="reset", target=target, code=data.code)
    password_hash = await hash_password_async(data.new_password)
    async with db().transaction():
        await codes.consume_code(code_id)
        await Account.update({
            Account.password_hash: password_hash,
            Account.failed_logins: 0, Account.locked_until: None, Account.updated_at: utcnow(),
        }).where(Account.id == account["id"])
        await revoke_account_tokens(tenant.id, account["id"])
