"""The audit log: who looked at or changed something sensitive, when, from where — written by
``audit`` and read back by admins (``audit_log``, scoped to their subtree) and by each learner
(``views_of_me``: which staff saw their ID number, ID scan or files).

An entry names its target as ``account:{id}``; that account is kept in ``subject_id`` too, so
"entries about learners under this unit" is one indexed join. No entry holds a full ID number:
what a staff member types as a reason is masked before it is stored.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import msgspec

from core import events
from core.accounts.identity import IdentityError, mask_id_numbers_in, validate_id_number
from core.accounts.tables import Account, AuditEntry, StaffRole
from core.audit import chain
from core.audit import export as chain_export
from core.clock import aware
from core.errors import DomainError
from core.paging import Page, page_of
from core.security.permissions import ACTIONS, require
from core.security.principal import Principal
from core.tabular import csv_bytes

AUDIT_ROLES = ACTIONS["audit.read"]
CHINA = ZoneInfo("Asia/Shanghai")
ACTION_LABELS = {
    "learner.reveal_id_number": "查看完整证件号码",
    "learner.view_id_scan": "查看身份证扫描件",
    "evidence.view": "查看证明材料",
    "review_material.view": "查看审核材料",
    "learner.open_at_window": "窗口开户",
    "staff.invite": "分配工作人员账号",
    "staff.create": "创建工作人员账号",
    "audit.export": "导出审计日志",
    "learner.request_closure": "申请注销账户",
    "account.closure_decide": "审核注销申请",
    "account.close": "注销账户",
    # The national console's acts on a tenant (core.platform.onboarding), in the tenant's log too.
    "platform.tenant.create": "平台：新建租户",
    "platform.tenant.update": "平台：修改名称、域名与品牌",
    "platform.tenant.contact": "平台：修改联系方式",
    "platform.tenant.suspend": "平台：暂停服务",
    "platform.tenant.resume": "平台：恢复服务",
    "platform.tenant.defaults": "平台：按插件默认设置建立单位",
    "platform.tenant.import": "平台：导入数据",
    "platform.tenant.invite": "平台：邀请租户管理员",
}
# What a learner is shown: staff reads of their personal data, not the admin work around them.
LEARNER_VISIBLE = ("learner.reveal_id_number", "learner.view_id_scan", "evidence.view", "review_material.view")
EXPORT_LIMIT = 20_000
SECRET_KEYS = ("password", "secret", "token", "code", "id_number", "private", "url")
CSV_HEADER = ["序号", "时间", "操作人", "操作人姓名", "操作人单位", "操作", "对象", "对象姓名", "对象证件号码（脱敏）",
              "原因或说明", "结果", "客户端地址", "链序号", "事件哈希"]
_SUBJECT = re.compile(r"account:(\d+)")


class AuditError(DomainError):
    pass


async def audit(tenant_id: int | None, actor_id: int | None, action: str, target: str = "", detail: str = "",
                client: str = "", *, actor_kind: str | None = None, role: str = "", unit: str = "",
                result: str = "done", changes: dict | None = None) -> int:
    """Append an event to the tenant's chain (core.audit.chain), in the caller's transaction
    if there is one. ``target`` is ``table:id``; ``actor_kind`` learner | staff | platform |
    system (default: staff when there is an actor, else system — a staff actor's role and unit
    are looked up when not given); ``result`` done | refused (why goes in ``detail``);
    ``changes`` a small dict of what changed, stored masked. The event's row id."""
    # A reason typed by staff may quote the ID number it is about: the log keeps it masked.
    subject = _SUBJECT.fullmatch(target)
    kind = actor_kind or ("staff" if actor_id else "system")
    if kind == "staff" and actor_id and not role and tenant_id:
        grants = await StaffRole.raw(
            "SELECT r.role, u.code FROM staff_role r JOIN org_unit u ON u.id = r.unit_id AND u.tenant_id = r.tenant_id "
            "WHERE r.tenant_id = {} AND r.account_id = {} ORDER BY r.id LIMIT 1", tenant_id, actor_id)
        if grants:
            role, unit = grants[0]["role"], unit or grants[0]["code"] or ""
    table, _, number = target.partition(":")
    return await chain.append({
        "tenant_id": tenant_id, "actor_id": actor_id, "action": action, "target": mask_id_numbers_in(target)[:128],
        "subject_id": int(subject.group(1)) if subject else None, "detail": mask_id_numbers_in(detail)[:500],
        "client": client[:64], "actor_kind": kind, "actor_role": role[:32], "actor_unit": unit[:64],
        "target_table": table[:32] if number.isdigit() else "", "target_id": int(number) if number.isdigit() else None,
        "result": result, "changes": _changes(changes)})


# The domain events the trail subscribes to (core.wiring registers ``on_domain_event`` for each,
# after every other handler: a handler that refuses the change rolls the event back with it).
AUDITED_EVENTS = (events.OutcomeStored, events.OutcomeDeleting, events.OutcomeVoided,
                  events.ApplicationDecided, events.ProofIssued)
_EVENT_BASE = {"tenant_id", "actor", "target_id", "result"}


async def on_domain_event(tenant, event: events.Event) -> None:
    """Write a domain event to the trail, in the transaction it was published in: its actor,
    action, target row, result (``refused`` stays refused; any other result, such as a
    decision, goes into the change digest) and its payload fields (those shown in its repr)."""
    payload = {f.name: getattr(event, f.name) for f in dataclasses.fields(event)
               if f.repr and f.name not in _EVENT_BASE}
    if event.result not in ("ok", "refused"):
        payload["result"] = event.result
    target = f"{event.target_table}:{event.target_id}" if event.target_id is not None else event.target_table
    await audit(event.tenant_id, event.actor.id, event.action, target,
                actor_kind=event.actor.kind if event.actor.kind in ("learner", "staff", "platform") else "system",
                result="refused" if event.result == "refused" else "done", changes=payload)


def _changes(changes: dict | None) -> str:
    """What changed, as masked JSON of at most 1,000 characters; values of keys that name a
    secret are left out."""
    if not changes:
        return ""
    kept = {k: ("***" if any(s in k.lower() for s in SECRET_KEYS) else v) for k, v in changes.items()}
    text = mask_id_numbers_in(msgspec.json.encode(kept, enc_hook=str).decode())
    return text if len(text) <= 1000 else text[:997] + "..."


# ---------------------------------------------------------------------------------------------
# Reading, for admins


class AuditEvent(msgspec.Struct, kw_only=True):
    """One entry as admins see it. ``actor`` is the staff member's username (empty for the
    command line), ``target`` the row concerned (``account:{id}``, …; an account's name and ID
    number are shown masked); ``result`` ``ok`` (done) or ``refused`` (why in ``reason``)."""

    seq: int
    at: datetime
    actor: str
    actor_name: str
    actor_unit: str
    action: str
    action_label: str
    target: str
    target_name: str
    target_username: str
    target_id_number_masked: str
    reason: str
    result: str = "ok"
    client: str
    # The event's place in its tenant's hash chain (core.audit): check it offline from a
    # JSON Lines export (``creditbank audit verify-export``).
    actor_kind: str = ""
    actor_role: str = ""
    changes: str = ""
    chain: int = 0
    chain_seq: int | None = None
    hash: str = ""
    prev_hash: str = ""  # the hash of the event before it in its chain (API.md's field)


AuditPage = Page[AuditEvent]


class AuditFilter(msgspec.Struct, kw_only=True):
    """``actor``: a staff username; ``target``: ``account:{id}`` or a username (never an ID
    number: filters travel in addresses); ``action``; ``date_from``/``date_to``: days in
    China's time zone, both included."""

    actor: str | None = None
    target: str | None = None
    action: str | None = None
    date_from: str | None = None
    date_to: str | None = None


def _day(field: str, text: str | None) -> date | None:
    if not text:
        return None
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        raise AuditError(f"日期格式应为 YYYY-MM-DD（年-月-日），收到“{text}”", 400, extra={"field": field}) from None


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), CHINA).astimezone(UTC)


async def _target_id(tenant_id: int, text: str) -> int:
    """The account a target filter names; 0 (matches nothing) for an unknown one."""
    text = text.strip()
    if found := _SUBJECT.fullmatch(text):
        return int(found.group(1))
    try:
        validate_id_number(text.removeprefix("S").removeprefix("s"))
    except IdentityError:
        pass
    else:
        raise AuditError("证件号码不能作为查询条件放在网址中，请从学习者详情页的“查看记录”进入", 400,
                         extra={"field": "target"})
    row = await Account.select(Account.id).where(Account.tenant_id == tenant_id, Account.username == text).first()
    return row["id"] if row else 0


def require_auditor(viewer: Principal) -> None:
    require(viewer, "audit.read")


async def audit_log(tenant_id: int, viewer: Principal, filters: AuditFilter, *, cursor: int | None,
                    limit: int) -> AuditPage:
    """Entries of the tenant, newest first, keyset-paged by ``seq``. A tenant admin sees all of
    them; a unit admin those whose target account or actor belongs to a unit in their subtree."""
    require_auditor(viewer)
    start, end = _day("from", filters.date_from), _day("to", filters.date_to)
    if start and end and start > end:
        raise AuditError("结束日期不能早于开始日期", 400, extra={"field": "to"})
    sql = ("SELECT e.id, e.created_at, e.action, e.target, e.detail, e.client, e.actor_kind, e.actor_role, "
           "e.actor_unit, e.result, e.changes, e.chain, e.chain_seq, e.entry_hash, e.prev_hash, "
           "a.username AS actor_username, a.real_name AS actor_name, au.name AS actor_unit, "
           "s.real_name AS target_name, s.username AS target_username, s.id_number_masked AS target_masked "
           "FROM audit_entry e "
           "LEFT JOIN account s ON s.id = e.subject_id AND s.tenant_id = e.tenant_id "
           "LEFT JOIN org_unit su ON su.id = s.unit_id AND su.tenant_id = e.tenant_id "
           "LEFT JOIN account a ON a.id = e.actor_id AND a.tenant_id = e.tenant_id AND e.actor_kind <> 'platform' "
           "LEFT JOIN org_unit au ON au.id = a.unit_id AND au.tenant_id = e.tenant_id "
           "WHERE e.tenant_id = {}")
    args: list = [tenant_id]
    if not viewer.has_role("tenant_admin"):
        paths = sorted({g.unit_path for g in viewer.grants if g.role in AUDIT_ROLES})
        sql += " AND (" + " OR ".join("su.path LIKE {} OR au.path LIKE {}" for _ in paths) + ")"
        for path in paths:
            args += [f"{path}%", f"{path}%"]
    if filters.actor:
        sql += " AND a.username = {}"
        args.append(filters.actor.strip())
    if filters.target:
        sql += " AND e.subject_id = {}"
        args.append(await _target_id(tenant_id, filters.target))
    if filters.action:
        sql += " AND e.action = {}"
        args.append(filters.action)
    if start:
        sql += " AND e.created_at >= {}"
        args.append(_midnight(start))
    if end:
        sql += " AND e.created_at < {}"
        args.append(_midnight(end + timedelta(days=1)))
    if cursor:
        sql += " AND e.id < {}"
        args.append(cursor)
    sql += " ORDER BY e.id DESC LIMIT {}"
    args.append(limit + 1)
    rows = await AuditEntry.raw(sql, *args)
    items = [AuditEvent(
        seq=r["id"], at=_moment(r["created_at"]), actor=r["actor_username"] or "", actor_name=r["actor_name"] or "",
        actor_unit=r["actor_unit"] or "", action=r["action"], action_label=ACTION_LABELS.get(r["action"], r["action"]),
        target=r["target"], target_name=r["target_name"] or "",
        target_username=mask_id_numbers_in(r["target_username"] or ""), target_id_number_masked=r["target_masked"] or "",
        reason=mask_id_numbers_in(r["detail"] or ""), client=r["client"] or "", **_chained(r),
    ) for r in rows[:limit]]
    return page_of(rows, limit, items)


def _chained(r: dict) -> dict:
    return {"result": "ok" if r["result"] in ("done", "", None) else r["result"], "actor_kind": r["actor_kind"] or "",
            "actor_role": r["actor_role"] or "", "changes": r["changes"] or "", "chain": r["chain"] or 0,
            "chain_seq": r["chain_seq"], "hash": r["entry_hash"] or "",
            "prev_hash": r["prev_hash"] or ""}


def _moment(value) -> datetime:
    return aware(datetime.fromisoformat(value) if isinstance(value, str) else value)


async def _all(tenant_id: int, viewer: Principal, filters: AuditFilter) -> AsyncIterator[AuditEvent]:
    cursor, count = None, 0
    while True:
        found = await audit_log(tenant_id, viewer, filters, cursor=cursor, limit=500)
        for item in found.items:
            count += 1
            if count > EXPORT_LIMIT:
                return
            yield item
        if found.next_cursor is None:
            return
        cursor = int(found.next_cursor)


async def export(tenant_id: int, viewer: Principal, filters: AuditFilter, fmt: str, client: str) -> bytes:
    """The entries the filters select (at most ``EXPORT_LIMIT``, the newest), as CSV (newest
    first, through ``csv_bytes``: a reason typed as ``=HYPERLINK(…)`` never runs in a
    spreadsheet; each row with its chain position and hash) or JSON lines in chain order with
    the links and the signed checkpoint that let an outside auditor verify it offline
    (core.audit.export). The export is itself audited: the log holds names of learners and staff."""
    items = [item async for item in _all(tenant_id, viewer, filters)]
    await audit(tenant_id, viewer.id, "audit.export", "", f"{fmt} {len(items)} 条 " + msgspec.json.encode(
        {k: v for k, v in msgspec.structs.asdict(filters).items() if v}).decode(), client)
    if fmt == "jsonl":
        return await chain_export.jsonl(msgspec.to_builtins(items), {
            "tenant_id": tenant_id, "filters": {k: v for k, v in msgspec.structs.asdict(filters).items() if v}})
    rows = [[i.seq, f"{i.at.astimezone(CHINA):%Y-%m-%d %H:%M:%S}", i.actor, i.actor_name, i.actor_unit, i.action_label,
             i.target, i.target_name, i.target_id_number_masked, i.reason, "成功" if i.result == "ok" else "拒绝", i.client,
             i.chain_seq or "", i.hash]
            for i in items]
    if len(items) == EXPORT_LIMIT:
        rows.append(["", "", "", "", "", f"仅导出最新的 {EXPORT_LIMIT} 条，请缩小日期范围后分批导出"])
    return csv_bytes(CSV_HEADER, rows)


# ---------------------------------------------------------------------------------------------
# Reading, for the learner


class StaffView(msgspec.Struct, kw_only=True):
    """A staff read of a learner's personal data, as the learner is shown it."""

    at: datetime
    action: str
    action_label: str
    viewer: str  # the unit and role of the staff member


StaffViewPage = Page[StaffView]


async def views_of_me(tenant_id: int, learner_id: int, *, cursor: int | None, limit: int,
                      role_labels: dict[str, str]) -> StaffViewPage:
    """Who among the staff saw the learner's full ID number, ID scan, evidence or review
    materials, newest first.

    The learner is told the unit and the role, not the staff member's name: staff names are
    personal data too, and a learner who disputes a look takes it up with the unit, whose
    admins see the name in their own log. Unit and role are enough to hold the bank to account.
    ``role_labels`` are the province's words for the roles (``ProvinceHooks.wording``)."""
    query = AuditEntry.select(AuditEntry.id, AuditEntry.created_at, AuditEntry.action, AuditEntry.actor_id).where(
        AuditEntry.tenant_id == tenant_id, AuditEntry.subject_id == learner_id,
        AuditEntry.action.is_in(list(LEARNER_VISIBLE)))
    if cursor:
        query = query.where(AuditEntry.id < cursor)
    rows = await query.order_by(AuditEntry.id, ascending=False).limit(limit + 1)
    actors = {r["actor_id"] for r in rows[:limit] if r["actor_id"]}
    roles: dict[int, str] = {}
    for grant in await StaffRole.select(StaffRole.account_id, StaffRole.role, StaffRole.unit_id.name).where(
            StaffRole.tenant_id == tenant_id, StaffRole.account_id.is_in(list(actors) or [0])).order_by(StaffRole.id):
        roles.setdefault(grant["account_id"], f"{grant['unit_id.name']} · {role_labels.get(grant['role'], '工作人员')}")
    items = [StaffView(at=aware(r["created_at"]), action=r["action"], action_label=ACTION_LABELS[r["action"]],
                       viewer=roles.get(r["actor_id"], "工作人员")) for r in rows[:limit]]
    return page_of(rows, limit, items)
