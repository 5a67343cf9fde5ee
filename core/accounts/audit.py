"""The audit log: who looked at or changed something sensitive, when, from where."""

from __future__ import annotations

from core.accounts.tables import AuditEntry
from core.clock import utcnow


async def audit(tenant_id: int | None, actor_id: int | None, action: str, target: str = "", detail: str = "",
                client: str = "") -> int:
    entry = AuditEntry(tenant_id=tenant_id, actor_id=actor_id, action=action, target=target,
                       detail=detail[:500], client=client[:64], created_at=utcnow())
    await entry.save()
    return entry.id
