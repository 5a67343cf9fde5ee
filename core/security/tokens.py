"""Bearer tokens (and portal sessions): random, stored only as a SHA-256, revocable."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

import msgspec

from core.clock import aware
from core.security.tables import AuthToken


class TokenSubject(msgspec.Struct, frozen=True):
    subject: str  # "platform" | "account"
    subject_id: int
    tenant_id: int | None


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue_token(subject: str, subject_id: int, tenant_id: int | None, hours: int) -> str:
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    await AuthToken.insert(
        AuthToken(
            token_hash=_digest(token),
            subject=subject,
            subject_id=subject_id,
            tenant_id=tenant_id,
            created_at=now,
            expires_at=now + timedelta(hours=hours),
        )
    )
    return token


async def resolve_token(token: str) -> TokenSubject | None:
    """Who ``token`` belongs to, or None if it is unknown, expired or revoked."""
    row = (
        await AuthToken.select(AuthToken.subject, AuthToken.subject_id, AuthToken.tenant_id, AuthToken.expires_at)
        .where(AuthToken.token_hash == _digest(token), AuthToken.revoked_at.is_null())
        .first()
    )
    if row is None or aware(row["expires_at"]) <= datetime.now(UTC):
        return None
    return TokenSubject(row["subject"], row["subject_id"], row["tenant_id"])


async def revoke_token(token: str) -> None:
    await AuthToken.update({AuthToken.revoked_at: datetime.now(UTC)}).where(
        AuthToken.token_hash == _digest(token)
    )



async def revoke_account_tokens(tenant_id: int, account_id: int, *, keep: str | None = None) -> int:
    """Revoke every live token and portal session of one tenant account, but ``keep`` (the
    login that asked, when it may stay); in the caller's transaction. How many were revoked."""
    query = AuthToken.update({AuthToken.revoked_at: datetime.now(UTC)}).where(
        AuthToken.tenant_id == tenant_id, AuthToken.subject == "account", AuthToken.subject_id == account_id,
        AuthToken.revoked_at.is_null())
    if keep:
        query = query.where(AuthToken.token_hash != _digest(keep))
    return len(await query.returning(AuthToken.id))
