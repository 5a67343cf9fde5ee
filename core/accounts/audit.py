"""The audit log: who looked at or changed something sensitive, when, from where."""

from __future__ import annotations

from core.accounts.identity import mask_id_numbers_in
from core.accounts.tables import AuditEntry
from core.clock import utcnow


async def audit(tenant_id: int | None, actor_id: int | None, action: str, target: str = "", detail: str = "",
                client: str = "") -> int:
    # A reason typed by staff may quote the ID number it is about: the log keeps it masked.
    entry = AuditEntry(tenant_id=tenant_id, actor_id=actor_id, action=action, target=mask_id_numbers_in(target)[:128],
                       detail=mask_id_numbers_in(detail)[:500], client=client[:64], created_at=utcnow())
    await entry.save()
    return entry.id
