"""One-time codes sent by SMS or e-mail (activation, registration, password reset, invitation).

A code is six digits, lives 10 minutes, and only its keyed hash is stored. Five wrong tries
burn it; a new code for the same target and purpose replaces the old one. One send a minute
per target, and a cap per client address per hour, keep the gateways from being abused.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from core import db
from core.accounts.tables import VerificationCode
from core.clock import aware
from core.errors import DomainError
from core.events import ANONYMOUS, notify
from core.security.pii import PiiProtector
from core.tenancy.context import TenantContext

CODE_MINUTES = 10
INVITATION_HOURS = 24  # a staff invitation is read at work, not at once: a day, still single use
MAX_ATTEMPTS = 5
RESEND_SECONDS = 60
CLIENT_SENDS_PER_HOUR = 30


class CodeError(DomainError):
    pass


def _hash(pii: PiiProtector, tenant_id: int, purpose: str, target: str, code: str) -> str:
    return pii.lookup_hash(f"code|{tenant_id}|{purpose}|{target}|{code}")


async def send_code(
    tenant: TenantContext,
    pii: PiiProtector,
    *,
    purpose: str,
    channel: str,
    target: str,
    event: str,
    context: dict,
    client: str,
    account_id: int | None = None,
    minutes: int = CODE_MINUTES,
) -> None:
    """Make a code for ``target``, live ``minutes``, and put its message in the outbox. The
    caller runs this in a transaction with whatever else the request changes."""
    now = datetime.now(UTC)
    recent = await VerificationCode.exists().where(
        VerificationCode.tenant_id == tenant.id,
        VerificationCode.target == target,
        VerificationCode.purpose == purpose,
        VerificationCode.created_at > now - timedelta(seconds=RESEND_SECONDS),
    )
    if recent:
        raise CodeError(f"验证码发送过于频繁，请 {RESEND_SECONDS} 秒后再试", 429)
    if client:
        sent = await VerificationCode.count().where(
            VerificationCode.client == client, VerificationCode.created_at > now - timedelta(hours=1)
        )
        if sent >= CLIENT_SENDS_PER_HOUR:
            raise CodeError("本网络地址获取验证码次数过多，请一小时后再试", 429)
    # Only the newest code counts: older unused ones for the same target and purpose retire.
    await VerificationCode.update({VerificationCode.used_at: now}).where(
        VerificationCode.tenant_id == tenant.id,
        VerificationCode.target == target,
        VerificationCode.purpose == purpose,
        VerificationCode.used_at.is_null(),
    )
    code = f"{secrets.randbelow(10**6):06d}"
    row = VerificationCode(
        tenant_id=tenant.id, purpose=purpose, channel=channel, target=target, account_id=account_id,
        code_hash=_hash(pii, tenant.id, purpose, target, code), client=client[:64],
        created_at=now, expires_at=now + timedelta(minutes=minutes),
    )
    await row.save()
    await notify(tenant, ANONYMOUS, event=event, channel=channel, recipient=target,
        context={"tenant_name": tenant.name, "code": code, "minutes": minutes, **context},
        dedupe_key=f"code:{row.id}", account_id=account_id,
    )


async def live_code(tenant: TenantContext, *, purpose: str, account_id: int) -> tuple[str, str] | None:
    """(channel, target) of the newest unused code sent for ``account_id``, None when none was."""
    row = await VerificationCode.select(VerificationCode.channel, VerificationCode.target).where(
        VerificationCode.tenant_id == tenant.id,
        VerificationCode.account_id == account_id,
        VerificationCode.purpose == purpose,
        VerificationCode.used_at.is_null(),
    ).order_by(VerificationCode.id, ascending=False).first()
    return (row["channel"], row["target"]) if row else None


async def check_code(tenant: TenantContext, pii: PiiProtector, *, purpose: str, target: str, code: str) -> int:
    """The id of the live code ``code`` for ``target``; a wrong code counts a try (and is
    committed at once, whatever the caller does next). Consume it with ``consume_code``."""
    now = datetime.now(UTC)
    row = await VerificationCode.select(VerificationCode.id, VerificationCode.code_hash, VerificationCode.expires_at).where(
        VerificationCode.tenant_id == tenant.id,
        VerificationCode.target == target,
        VerificationCode.purpose == purpose,
        VerificationCode.used_at.is_null(),
    ).order_by(VerificationCode.id, ascending=False).first()
    if row is None or aware(row["expires_at"]) <= now:
        raise CodeError("验证码已失效，请重新获取")
    if not secrets.compare_digest(row["code_hash"], _hash(pii, tenant.id, purpose, target, code.strip())):
        attempts = await _count_wrong_try(row["id"])
        if attempts is None:  # burned or used by a request running beside this one
            raise CodeError("验证码已失效，请重新获取")
        if attempts >= MAX_ATTEMPTS:
            raise CodeError("验证码错误次数过多，已失效，请重新获取")
        raise CodeError(f"验证码错误，还可尝试 {MAX_ATTEMPTS - attempts} 次")
    return row["id"]


# A wrong try counted, and the code burned at the fifth, in one statement: parallel guesses
# each read the same count, but each increment lands and only one of them can be the fifth.
# The try is decided by what it returns, never by the row read before.
_WRONG_TRY_SQL = (
    "UPDATE verification_code SET attempts = attempts + 1, "
    "used_at = CASE WHEN attempts + 1 >= $2 THEN $3 ELSE used_at END "
    "WHERE id = $1 AND used_at IS NULL RETURNING attempts"
)


async def _count_wrong_try(code_id: int) -> int | None:
    """The code's wrong tries after this one; None when it was no longer live."""
    rows = await db.fetch(VerificationCode, _WRONG_TRY_SQL, code_id, MAX_ATTEMPTS, datetime.now(UTC))
    return rows[0]["attempts"] if rows else None


async def consume_code(code_id: int) -> None:
    """Mark the code used, inside the caller's transaction. A right code checked before wrong
    guesses burned it, or used by another request meanwhile, no longer counts → 409."""
    used = await VerificationCode.update({VerificationCode.used_at: datetime.now(UTC)}).returning(
        VerificationCode.id).where(VerificationCode.id == code_id, VerificationCode.used_at.is_null(),
                                   VerificationCode.attempts < MAX_ATTEMPTS)
    if not used:
        raise CodeError("验证码已失效或已被使用，请重新获取", 409)

