"""National administrators: creation and login. No HTTP here."""

from __future__ import annotations

from datetime import UTC, datetime

from core.audit import chain as audit_chain
from core.errors import DomainError
from core.platform.tables import PlatformAdmin
from core.security.limits import RateLimiter
from core.security.passwords import hash_password_async, verify_password_async
from core.security.tokens import issue_token, resolve_token


class PlatformError(DomainError):
    pass


async def create_admin(username: str, password: str) -> None:
    if not username or len(password) < 12:
        raise PlatformError("平台管理员密码至少 12 位")
    if await PlatformAdmin.exists().where(PlatformAdmin.username == username):
        raise PlatformError(f"平台管理员 {username} 已存在", 409)
    await PlatformAdmin.insert(
        PlatformAdmin(
            username=username,
            password_hash=await hash_password_async(password),
            created_at=datetime.now(UTC),
        )
    )


async def login(username: str, password: str, token_hours: int, *, limiter: RateLimiter | None = None,
                client: str = "") -> str:
    """A bearer token for the admin, or ``PlatformError`` (401) with one message for a wrong
    name or a wrong password; 429 once ``limiter`` has counted too many failures from
    ``client`` (the same limiter as tenant logins, under keys of the platform's own)."""
    key = f"platform:{client}"
    if limiter and await limiter.blocked(key):
        raise PlatformError("登录尝试过于频繁，请稍后再试", 429)
    row = await PlatformAdmin.select(PlatformAdmin.id, PlatformAdmin.password_hash).where(
        PlatformAdmin.username == username
    ).first()
    ok = await verify_password_async(row["password_hash"] if row else None, password)
    if not (row and ok):
        if limiter:
            await limiter.hit(key)
        await audit_chain.record(None, "platform.login", "platform_admin:" + str(row["id"]) if row else "",
                                 actor_kind="platform", actor_id=row["id"] if row else None, result="refused",
                                 detail="用户名或密码错误", client=client)
        raise PlatformError("用户名或密码错误", 401)
    async with PlatformAdmin._meta.db.transaction():
        await PlatformAdmin.update({PlatformAdmin.last_login_at: datetime.now(UTC)}).where(
            PlatformAdmin.id == row["id"]
        )
        await audit_chain.record(None, "platform.login", f"platform_admin:{row['id']}", actor_kind="platform",
                                 actor_id=row["id"], client=client)
    return await issue_token("platform", row["id"], None, token_hours)


async def admin_for_token(token: str) -> tuple[int, str] | None:
    """(id, username) of the national administrator ``token`` was issued to; None when the
    token is unknown, expired, revoked or a tenant account's."""
    subject = await resolve_token(token)
    if subject is None or subject.subject != "platform":
        return None
    row = await PlatformAdmin.select(PlatformAdmin.username).where(PlatformAdmin.id == subject.subject_id).first()
    return (subject.subject_id, row["username"]) if row else None


async def tenant_figures() -> list[dict]:
    """Per tenant: learners, achievements, and applications by status (counts only, no
    personal data)."""
    from core.tenancy.tables import Tenant

    tenants = await Tenant.select(Tenant.id, Tenant.slug, Tenant.name).order_by(Tenant.slug)
    learners = {r["tenant_id"]: r["n"] for r in await Tenant.raw(
        "SELECT tenant_id, COUNT(*) AS n FROM account WHERE kind = 'learner' GROUP BY tenant_id")}
    achievements = {r["tenant_id"]: r["n"] for r in await Tenant.raw(
        "SELECT tenant_id, COUNT(*) AS n FROM achievement GROUP BY tenant_id")}
    applications: dict[int, dict[str, int]] = {}
    for r in await Tenant.raw("SELECT tenant_id, status, COUNT(*) AS n FROM application GROUP BY tenant_id, status"):
        applications.setdefault(r["tenant_id"], {})[r["status"]] = int(r["n"])
    return [{"slug": t["slug"], "name": t["name"], "learners": int(learners.get(t["id"], 0)),
             "achievements": int(achievements.get(t["id"], 0)), "applications": applications.get(t["id"], {})}
            for t in tenants]
