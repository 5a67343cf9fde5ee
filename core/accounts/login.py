"""Logging in and out, and who a request's token belongs to.

Five wrong passwords lock an account for 15 minutes (423). A client address that fails too
often in a short window is turned away (429) whatever account it tries: a login storm. The
storm counter is a ``RateLimiter``: this worker's memory, or Redis when configured so that
all workers count together.
"""

from __future__ import annotations

from datetime import timedelta

from core import db
from core.accounts.identity import IdentityError, validate_email, validate_id_number, validate_phone
from core.accounts.schemas import LoginOut
from core.accounts.service import AWAITING_ACTIVATION, AccountError, account_out
from core.accounts.tables import Account
from core.accounts.usernames import username_is
from core.clock import aware, utcnow
from core.hierarchy.tables import OrgUnit
from core.security.limits import RateLimiter
from core.security.passwords import verify_password_async
from core.security.pii import PiiProtector
from core.security.tokens import issue_token
from core.tenancy.context import TenantContext

MAX_FAILURES = 5
LOCK_MINUTES = 15

_STATUS_MESSAGES = {
    "imported": "账户尚未激活，请先激活账户",
    "invited": "账户尚未激活，请使用收到的激活码设置密码",
    "opened_by_staff": "账户尚未激活，请使用短信验证码设置密码",
    "registered": "请先完成邮箱（或手机）验证",
    "pending_review": "账户正在审核中，审核通过后即可登录",
    "rejected": "账户未通过审核，请联系服务点",
    "disabled": "账户已停用，请联系管理员",
    "closed": "账户已注销",
}


async def _find_for_login(tenant: TenantContext, pii: PiiProtector, identifier: str) -> dict | None:
    identifier = identifier.strip()

    def where(condition):  # Piccolo's where() changes a query in place: a fresh one each time
        return Account.select().where(Account.tenant_id == tenant.id, condition).first()

    row = await where(username_is(pii, identifier))
    if row or not identifier:
        return row
    allowed = tenant.hooks.username_scheme.login_by
    try:
        if "id_number" in allowed and len(identifier) == 18:
            return await where(Account.id_number_hash == pii.lookup_hash(validate_id_number(identifier)))
        if "email" in allowed and "@" in identifier:
            return await where(Account.email == validate_email(identifier))
        if "phone" in allowed and identifier.isdigit():
            return await where(Account.phone == validate_phone(identifier))
    except IdentityError:
        return None
    return None


# The lock is decided by what these statements return, never by the row read before the
# password check: parallel requests each read the same count, but each increment lands.
# A failure after a lock ran out starts a fresh count; failures while locked keep counting
# (they slipped past the check above in parallel) without extending the lock.
_COUNT_FAILURE_SQL = (
    "UPDATE account SET "
    "failed_logins = CASE WHEN locked_until IS NOT NULL AND locked_until <= $2 THEN 1 ELSE failed_logins + 1 END, "
    "locked_until = CASE "
    "WHEN locked_until IS NOT NULL AND locked_until > $2 THEN locked_until "
    "WHEN (CASE WHEN locked_until IS NOT NULL AND locked_until <= $2 THEN 1 ELSE failed_logins + 1 END) >= $3 THEN $4 "
    "ELSE NULL END "
    "WHERE id = $1 RETURNING failed_logins"
)
# The right password gets in only if no lock stands at this moment (the same row lock orders
# it against the failures counted in parallel); it then clears the count.
_CLEAR_FAILURES_SQL = (
    "UPDATE account SET failed_logins = 0, locked_until = NULL "
    "WHERE id = $1 AND (locked_until IS NULL OR locked_until <= $2) RETURNING id"
)


async def _count_failure(account_id: int) -> int:
    """One more wrong password, counted atomically; the count after it."""
    now = utcnow()
    rows = await db.fetch(Account, _COUNT_FAILURE_SQL, account_id, now, MAX_FAILURES,
                          now + timedelta(minutes=LOCK_MINUTES))
    return rows[0]["failed_logins"] if rows else 0


async def _clear_failures(account_id: int) -> bool:
    """Whether the account is unlocked now (its count then cleared), in one statement. It
    writes on every login, not only after failures: a count read as clean before the
    password check may not be clean any more."""
    return bool(await db.fetch(Account, _CLEAR_FAILURES_SQL, account_id, utcnow()))


async def login(tenant: TenantContext, pii: PiiProtector, identifier: str, password: str, *,
                client: str, limiter: RateLimiter, token_hours: int) -> LoginOut:
    if await limiter.blocked(client):
        raise AccountError("登录尝试过于频繁，请稍后再试", 429)
    account = await _find_for_login(tenant, pii, identifier)
    now = utcnow()
    if account and account["locked_until"] and aware(account["locked_until"]) > now:
        minutes = int((aware(account["locked_until"]) - now).total_seconds() // 60) + 1
        raise AccountError(f"密码错误次数过多，账户已锁定，请 {minutes} 分钟后再试或找回密码", 423)
    ok = await verify_password_async(account["password_hash"] if account else None, password)
    if not (account and account["password_hash"] and ok):
        await limiter.hit(client)
        if account and account["password_hash"] and await _count_failure(account["id"]) >= MAX_FAILURES:
            raise AccountError(f"密码错误次数过多，账户已锁定 {LOCK_MINUTES} 分钟", 423)
        if account and account["status"] in AWAITING_ACTIVATION:
            raise AccountError(_STATUS_MESSAGES[account["status"]], 403)
        raise AccountError("用户名或密码错误", 401)
    if account["status"] != "active":
        raise AccountError(_STATUS_MESSAGES.get(account["status"], "账户不可用"), 403)
    if not await _clear_failures(account["id"]):
        raise AccountError("密码错误次数过多，账户已锁定，请稍后再试或找回密码", 423)
    token = await issue_token("account", account["id"], tenant.id, token_hours)
    return LoginOut(access_token=token, token_type="bearer", account=await account_out(account))


async def unit_path(tenant_id: int, unit_id: int | None) -> str | None:
    if unit_id is None:
        return None
    row = await OrgUnit.select(OrgUnit.path).where(OrgUnit.id == unit_id, OrgUnit.tenant_id == tenant_id).first()
    return row["path"] if row else None
