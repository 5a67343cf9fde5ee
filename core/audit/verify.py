"""``creditbank audit verify``: recompute a chain from the database and check it against its
signed checkpoints and archive records; name the first event that was altered, inserted or is
missing. "Intact" is said only when every event, link, checkpoint and archive checked out.

Events are read in position order, 5,000 at a time, with nothing kept per event but the last
two hashes: memory does not grow with the chain.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import msgspec

from core import db
from core.audit import chain as hashing
from core.audit import signing
from core.audit.tables import AuditArchive, AuditCheckpoint, AuditHead

BATCH = 5000
# The hashed fields in their order (text never null, as the hash sees it), then the stored hash
# and the row id. Rows without a position are found first, by the stray-row check; this walks
# the (chain, chain_seq) index.
_TEXT = {"actor_kind", "actor_role", "actor_unit", "action", "target", "target_table", "result", "detail", "changes",
         "client", "prev_hash"}
_SELECT = ("SELECT " + ", ".join(f"COALESCE({f}, '')" if f in _TEXT else f for f in hashing.FIELDS)
           + ", entry_hash, id FROM audit_entry WHERE chain = $1 AND chain_seq > $2 ORDER BY chain_seq LIMIT $3")
_SEQ, _AT, _TENANT, _PREV, _HASH, _ID = 1, 2, 3, 17, 18, 19


class Problem(msgspec.Struct, kw_only=True):
    """``kind``: altered | inserted | missing | out_of_order | checkpoint | archive."""

    kind: str
    message: str
    seq: int | None = None
    entry_id: int | None = None


class ChainReport(msgspec.Struct, kw_only=True):
    chain: int
    intact: bool
    events: int = 0  # events checked online
    archived: int = 0  # events covered by archive records
    checkpoints: int = 0
    problem: Problem | None = None


ArchiveCheck = Callable[[dict], Awaitable[str | None]]


async def chains() -> list[int]:
    """Every chain with a head or an event (an event without its head is itself a finding)."""
    heads = {r["chain"] for r in await AuditHead.select(AuditHead.chain)}
    events = {r["chain"] for r in await AuditHead.raw("SELECT DISTINCT chain FROM audit_entry")}
    return sorted(heads | events)


async def verify_chain(chain: int, *, check_archive: ArchiveCheck | None = None) -> ChainReport:
    """Verify one chain. ``check_archive(record)`` (from core.audit.archive) reads an archive
    file and returns what is wrong with it, or None; without it archive records are checked
    by signature and by how they join, not by their files."""
    report = ChainReport(chain=chain, intact=False)

    def fail(kind: str, message: str, seq: int | None = None, entry_id: int | None = None) -> ChainReport:
        report.problem = Problem(kind=kind, message=message, seq=seq, entry_id=entry_id)
        return report

    # A row of this tenant that is not in its chain was written around the application.
    stray = await AuditHead.raw(
        "SELECT id FROM audit_entry WHERE " + ("tenant_id IS NULL" if chain == 0 else "tenant_id = {}")
        + " AND (chain_seq IS NULL OR chain <> {}) ORDER BY id LIMIT 1", *([chain] if chain else []), chain)
    if stray:
        return fail("inserted", f"事件 #{stray[0]['id']} 不在本链中：是绕过应用直接写入数据库的", None, stray[0]["id"])
    keys = await signing.public_keys()
    expected, prev, before_prev = 1, hashing.GENESIS, None
    for record in await AuditArchive.select().where(AuditArchive.chain == chain).order_by(AuditArchive.from_seq):
        if not signing.signed_by(keys, record["key_id"], record["signature"], signing.archive_statement(record)):
            return fail("archive", f"归档记录 {record['from_seq']}–{record['to_seq']} 的签名无效（记录被伪造或篡改）",
                        record["from_seq"])
        if record["from_seq"] != expected or record["first_prev"] != prev:
            return fail("missing", f"归档记录 {record['from_seq']}–{record['to_seq']} 与前面的事件接不上："
                        f"应从第 {expected} 条开始", expected)
        if check_archive and (wrong := await check_archive(record)):
            return fail("archive", wrong, record["from_seq"])
        expected, prev, before_prev = record["to_seq"] + 1, record["last_hash"], None
        report.archived += record["to_seq"] - record["from_seq"] + 1

    checkpoints = await AuditCheckpoint.select().where(AuditCheckpoint.chain == chain).order_by(AuditCheckpoint.seq)
    for point in checkpoints:
        if not signing.signed_by(keys, point["key_id"], point["signature"], signing.checkpoint_statement(point)):
            return fail("checkpoint", f"第 {point['seq']} 条处的检查点签名无效（检查点被伪造或篡改）", point["seq"])
    pending = [p for p in checkpoints if p["seq"] >= expected]
    for point in checkpoints:
        if point["seq"] < expected and point["seq"] == expected - 1 and point["hash"] != prev:
            return fail("archive", f"第 {point['seq']} 条处的检查点与归档记录不符", point["seq"])

    last_at = None
    after = expected - 1
    ahead = asyncio.ensure_future(db.fetch(AuditHead, _SELECT, chain, after, BATCH))
    try:
        while True:
            rows = await ahead
            if len(rows) == BATCH:  # read the next batch while this one is hashed
                ahead = asyncio.ensure_future(db.fetch(AuditHead, _SELECT, chain, rows[-1][1]
                                                       if not isinstance(rows[-1], dict) else rows[-1]["chain_seq"],
                                                       BATCH))
            for raw in rows:
                row = list(raw.values()) if isinstance(raw, dict) else list(raw)
                seq = row[_SEQ]
                if seq < expected:
                    return fail("inserted", f"第 {seq} 条重复出现（事件 #{row[_ID]}）：有事件被插入", seq, row[_ID])
                if seq > expected:
                    return fail("missing", f"缺少第 {expected} 条" + (f"至第 {seq - 1} 条" if seq - 1 > expected else "")
                                + "事件：被删除了", expected)
                stored, entry_id = row[_HASH], row[_ID]
                at = row[_AT]
                row[_AT] = when = at.strftime(hashing.AT_FORMAT) if isinstance(at, datetime) and at.tzinfo is UTC \
                    else hashing.at_text(at)
                if hashing.digest_values(row[:_HASH]) != stored or (row[_TENANT] or 0) != chain:
                    return fail("altered", f"第 {seq} 条事件（#{entry_id}）的内容与其哈希不符：被修改过", seq, entry_id)
                if row[_PREV] != prev:
                    if before_prev is not None and row[_PREV] == before_prev:
                        return fail("inserted", f"第 {seq - 1} 条事件是后来插入的（第 {seq} 条接在它之前的事件上）",
                                    seq - 1)
                    return fail("altered", f"第 {seq} 条事件与前一条接不上：前一条被修改、替换或删除", seq, entry_id)
                if last_at is not None and when < last_at:
                    return fail("out_of_order", f"第 {seq} 条事件的时间早于前一条：顺序被打乱", seq, entry_id)
                while pending and pending[0]["seq"] == seq:
                    if pending.pop(0)["hash"] != stored:
                        return fail("altered", f"第 {seq} 条事件与已签名的检查点不符：被修改或替换", seq, entry_id)
                last_at = when
                before_prev, prev, expected = prev, stored, seq + 1
                report.events += 1
            if len(rows) < BATCH:
                break
    finally:
        if not ahead.done():
            ahead.cancel()
    last = expected - 1
    if pending:
        return fail("missing", f"已签名的检查点记录了 {pending[0]['seq']} 条事件，数据库中只有 {last} 条：末尾的事件被删除",
                    last + 1)
    head = await AuditHead.select().where(AuditHead.chain == chain).first()
    if head is None and last:
        return fail("inserted", "事件没有对应的链头：是直接写入数据库的", last)
    if head is not None and head["seq"] > last:
        return fail("missing", f"链头记录了 {head['seq']} 条事件，数据库中只有 {last} 条：末尾的事件被删除", last + 1)
    if head is not None and (head["seq"] < last or head["hash"] != prev):
        return fail("inserted", f"第 {head['seq'] + 1} 条起的事件不是经由应用写入的（链头不符）", head["seq"] + 1)
    report.checkpoints = len(checkpoints)
    report.intact = True
    return report
