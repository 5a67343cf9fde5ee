"""The national console's view of the audit trail: every tenant's chain and the platform's own
(chain 0: platform administrators' logins and tenant changes), filtered by tenant, actor,
action, target and date, exported as CSV or as JSON Lines an outside auditor verifies offline.

A platform administrator sees no learner's personal data: targets are shown as ``table:id``,
never with a name; reasons were masked when they were written.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import quote
from zoneinfo import ZoneInfo

import msgspec
from litestar import Response

from core.accounts.audit import ACTION_LABELS, EXPORT_LIMIT
from core.accounts.identity import mask_id_numbers_in
from core.audit import export as chain_export
from core.clock import aware
from core.errors import DomainError
from core.platform.tables import PlatformAdmin
from core.tabular import csv_bytes

CHINA = ZoneInfo("Asia/Shanghai")
PLATFORM_LABELS = {"tenant.create": "新建租户", "tenant.update": "修改租户", "tenant.suspend": "暂停租户服务",
                   "tenant.resume": "恢复租户服务", "platform.login": "平台管理员登录"}
CSV_HEADER = ["租户", "链序号", "时间", "操作人类型", "操作人", "角色", "单位", "操作", "对象", "原因或说明", "结果",
              "客户端地址", "事件哈希"]


class PlatformAuditError(DomainError):
    pass


def download(content: bytes, media_type: str, name: str) -> Response[bytes]:
    """A file to save (as ``core.accounts.audit_api.download``, which this layer cannot import)."""
    return Response(content, media_type=media_type, headers={
        "Content-Disposition": f"attachment; filename=\"audit.{name.rsplit('.', 1)[-1]}\"; filename*=UTF-8''{quote(name)}",
        "Cache-Control": "private, no-store"})


class PlatformAuditFilter(msgspec.Struct, kw_only=True):
    """``tenant``: a tenant slug, or ``platform`` for the platform's own events; ``actor``: a
    platform administrator's or staff member's username; ``target``: ``table:id``."""

    tenant: str | None = None
    actor: str | None = None
    action: str | None = None
    target: str | None = None
    date_from: str | None = None
    date_to: str | None = None


class PlatformAuditEvent(msgspec.Struct, kw_only=True):
    seq: int
    at: datetime
    tenant: str  # the tenant's slug, empty for the platform's own events
    actor_kind: str
    actor: str
    actor_role: str
    actor_unit: str
    action: str
    action_label: str
    target: str
    reason: str
    result: str
    client: str
    chain: int
    chain_seq: int | None
    hash: str


class PlatformAuditPage(msgspec.Struct, kw_only=True):
    items: list[PlatformAuditEvent]
    next_cursor: str | None = None


def _day(field: str, text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError(text)
        day = date.fromisoformat(text)
    except ValueError:
        raise PlatformAuditError(f"日期格式应为 YYYY-MM-DD（年-月-日），收到“{text}”", 400, extra={"field": field}) from None
    return datetime.combine(day, time(0), CHINA).astimezone(UTC)


async def platform_log(filters: PlatformAuditFilter, *, cursor: int | None, limit: int) -> PlatformAuditPage:
    """Events of every chain, newest first, keyset-paged by row id."""
    start, end = _day("from", filters.date_from), _day("to", filters.date_to)
    if start and end and start > end:
        raise PlatformAuditError("结束日期不能早于开始日期", 400, extra={"field": "to"})
    sql = ("SELECT e.*, t.slug, pa.username AS admin_username, a.username AS staff_username FROM audit_entry e "
           "LEFT JOIN tenant t ON t.id = e.tenant_id "
           "LEFT JOIN platform_admin pa ON pa.id = e.actor_id AND e.actor_kind = 'platform' "
           "LEFT JOIN account a ON a.id = e.actor_id AND a.tenant_id = e.tenant_id AND e.actor_kind <> 'platform' "
           "WHERE 1 = 1")
    args: list = []
    if filters.tenant == "platform":  # the platform's chain, and platform admins' acts in tenants' chains
        sql += " AND (e.tenant_id IS NULL OR e.actor_kind = 'platform')"
    elif filters.tenant:
        sql += " AND t.slug = {}"
        args.append(filters.tenant.strip())
    if filters.actor:
        sql += " AND (pa.username = {} OR a.username = {})"
        args += [filters.actor.strip()] * 2
    if filters.action:
        sql += " AND e.action = {}"
        args.append(filters.action.strip())
    if filters.target:
        sql += " AND e.target = {}"
        args.append(filters.target.strip())
    if start:
        sql += " AND e.created_at >= {}"
        args.append(start)
    if end:
        sql += " AND e.created_at < {}"
        args.append(end + timedelta(days=1))
    if cursor:
        sql += " AND e.id < {}"
        args.append(cursor)
    sql += " ORDER BY e.id DESC LIMIT {}"
    args.append(limit + 1)
    rows = await PlatformAdmin.raw(sql, *args)
    items = [PlatformAuditEvent(
        seq=r["id"], at=aware(datetime.fromisoformat(r["created_at"]) if isinstance(r["created_at"], str) else r["created_at"]),
        tenant=r["slug"] or "", actor_kind=r["actor_kind"] or "",
        actor=mask_id_numbers_in(r["admin_username"] or r["staff_username"] or ""), actor_role=r["actor_role"] or "",
        actor_unit=r["actor_unit"] or "", action=r["action"],
        action_label=PLATFORM_LABELS.get(r["action"]) or ACTION_LABELS.get(r["action"], r["action"]),
        target=r["target"], reason=r["detail"] or "", result="ok" if r["result"] in ("done", "") else r["result"],
        client=r["client"] or "", chain=r["chain"], chain_seq=r["chain_seq"], hash=r["entry_hash"] or "",
    ) for r in rows[:limit]]
    return PlatformAuditPage(items=items, next_cursor=str(items[-1].seq) if len(rows) > limit else None)


async def export(admin_id: int, filters: PlatformAuditFilter, fmt: str, client: str) -> bytes:
    """The selected events (the newest ``EXPORT_LIMIT``) as CSV or verifiable JSON Lines; the
    export is itself an event of the platform's chain."""
    from core.audit.chain import record

    items: list[PlatformAuditEvent] = []
    cursor = None
    while len(items) < EXPORT_LIMIT:
        page = await platform_log(filters, cursor=cursor, limit=500)
        items += page.items
        if page.next_cursor is None:
            break
        cursor = int(page.next_cursor)
    items = items[:EXPORT_LIMIT]
    chosen = {k: v for k, v in msgspec.structs.asdict(filters).items() if v}
    await record(None, "audit.export", "", actor_kind="platform", actor_id=admin_id, client=client,
                 detail=f"{fmt} {len(items)} 条 " + msgspec.json.encode(chosen).decode())
    if fmt == "jsonl":
        return await chain_export.jsonl(msgspec.to_builtins(items), {"scope": "platform", "filters": chosen})
    return csv_bytes(CSV_HEADER, [
        [i.tenant or "平台", i.chain_seq or "", f"{i.at.astimezone(CHINA):%Y-%m-%d %H:%M:%S}", i.actor_kind, i.actor,
         i.actor_role, i.actor_unit, i.action_label, i.target, i.reason, "成功" if i.result == "ok" else "拒绝", i.client,
         i.hash] for i in items])
