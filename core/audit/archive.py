"""Retention: events older than the online period (``Settings.audit_retention_days``, at least
180) move to storage as signed files, and only then leave the database.

For each chain the archiver takes the oldest events past the cutoff (a run of positions that
continues the chain from the last archive), checks their hashes and links, writes the file
``{chain}/audit-archive/{from}-{to}.jsonl`` and then, in one transaction, the signed archive
record and the DELETE of those events — the append-only trigger lets a DELETE through only for
events an archive record covers. A crash between the file and the transaction leaves a file no
record names (rewritten by the next run), never a gap.

The file: a first line ``{"kind": "archive", chain, from_seq, to_seq, first_prev, last_hash}``,
one line ``{"kind": "event", "hash", "sealed"}`` per event, and a last line ``{"kind":
"signature", …}`` holding the signed archive record, whose ``file_sha256`` is the SHA-256 of
every line before it. Verification reads the file back (``FileCheck``) and recomputes it.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import msgspec

from core.audit import chain as hashing
from core.audit import signing
from core.audit.tables import AuditArchive, AuditHead
from core.audit.verify import chains
from core.clock import utcnow
from core.storage.backends import Storage

FILE_LIMIT = 100_000  # events per archive file


class ArchiveError(Exception):
    pass


async def _start(chain: int) -> tuple[int, str]:
    last = await AuditArchive.select().where(AuditArchive.chain == chain).order_by(
        AuditArchive.to_seq, ascending=False).first()
    return (last["to_seq"] + 1, last["last_hash"]) if last else (1, hashing.GENESIS)


async def archive_chain(signer: signing.AuditSigner, storage: Storage, chain: int, cutoff: datetime) -> dict | None:
    """Archive the chain's events written before ``cutoff``; the archive record, or None when
    there is nothing to archive. Refuses (``ArchiveError``) a segment whose chain is broken:
    verify and investigate first — an archive must never launder a tampered event."""
    first, prev = await _start(chain)
    rows = await AuditHead.raw("SELECT * FROM audit_entry WHERE chain = {} AND chain_seq >= {} AND created_at < {} "
                               "ORDER BY chain_seq LIMIT {}", chain, first, cutoff, FILE_LIMIT)
    if not rows:
        return None
    body = [msgspec.json.encode({"kind": "archive", "chain": chain, "from_seq": first,
                                 "to_seq": rows[-1]["chain_seq"], "first_prev": prev,
                                 "last_hash": rows[-1]["entry_hash"]})]
    expected, link = first, prev
    for row in rows:
        fields = hashing.sealed(row)
        if row["chain_seq"] != expected or row["prev_hash"] != link or hashing.digest(fields) != row["entry_hash"]:
            raise ArchiveError(f"链 {chain} 第 {row['chain_seq']} 条事件校验不通过，停止归档：请先运行 creditbank audit verify")
        body.append(msgspec.json.encode({"kind": "event", "hash": row["entry_hash"], "sealed": fields}))
        expected, link = expected + 1, row["entry_hash"]
    content = b"\n".join(body) + b"\n"
    key = f"{chain}/audit-archive/{first:010d}-{expected - 1:010d}.jsonl"
    record = await signer.sign(signing.archive_statement, {
        "chain": chain, "from_seq": first, "to_seq": expected - 1, "first_prev": prev, "last_hash": link,
        "storage_key": key, "file_sha256": hashlib.sha256(content).hexdigest(), "created_at": utcnow()})
    signature = msgspec.json.encode({"kind": "signature", **record, "created_at": hashing.at_text(record["created_at"])})
    await storage.put(key, content + signature + b"\n", "application/jsonl")
    async with AuditArchive._meta.db.transaction():
        saved = await AuditArchive.insert(AuditArchive(**record)).returning(*AuditArchive.all_columns())
        await AuditHead.raw("DELETE FROM audit_entry WHERE chain = {} AND chain_seq BETWEEN {} AND {}",
                            chain, first, expected - 1)
    return saved[0]


async def archive_all(signer: signing.AuditSigner, storage: Storage, retention_days: int,
                      now: datetime | None = None) -> list[dict]:
    """Archive every chain's events older than ``retention_days`` (the daily job)."""
    cutoff = (now or utcnow()) - timedelta(days=max(retention_days, 180))
    done = []
    for chain in await chains():
        while record := await archive_chain(signer, storage, chain, cutoff):
            done.append(record)
    return done


class FileCheck:
    """Reads an archive record's file back from storage and says what is wrong with it."""

    def __init__(self, storage: Storage) -> None:
        self.storage = storage

    async def __call__(self, record: dict) -> str | None:
        name = f"归档文件 {record['storage_key']}"
        try:
            content = b"".join([chunk async for chunk in self.storage.read(record["storage_key"])])  # type: ignore[attr-defined]
        except Exception as exc:  # noqa: BLE001 — a missing or unreadable file is the finding
            return f"{name} 无法读取（{type(exc).__name__}）：归档丢失"
        lines = content.splitlines(keepends=True)
        if len(lines) < 3 or hashlib.sha256(b"".join(lines[:-1])).hexdigest() != record["file_sha256"]:
            return f"{name} 的内容与签名记录不符：被修改过"
        expected, link = record["from_seq"], record["first_prev"]
        for line in lines[1:-1]:
            item = msgspec.json.decode(line)
            fields = item["sealed"]
            if fields["chain_seq"] != expected or fields["prev_hash"] != link or hashing.digest(fields) != item["hash"]:
                return f"{name} 中第 {expected} 条事件校验不通过"
            expected, link = expected + 1, item["hash"]
        if expected - 1 != record["to_seq"] or link != record["last_hash"]:
            return f"{name} 的事件与归档记录的范围不符"
        return None
