"""Appending to a chain, and the canonical encoding its hashes are computed over.

An event's hash is ``sha256("creditbank-audit-v1\\n" + JSON list of FIELDS in order)``, hex;
``created_at`` enters as UTC text with microseconds (``at_text``), every other field as stored.
The first event of a chain has ``prev_hash`` = ``GENESIS``. This encoding is the contract with
offline verifiers (docs/audit.md): a new field means a new version prefix, never a change here.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

import msgspec

from core.audit.context import CLIENT
from core.audit.tables import AuditHead
from core.clock import utcnow

GENESIS = "0" * 64
PREFIX = b"creditbank-audit-v1\n"
FIELDS = ("chain", "chain_seq", "created_at", "tenant_id", "actor_kind", "actor_id", "actor_role", "actor_unit",
          "action", "target", "target_table", "target_id", "subject_id", "result", "detail", "changes", "client",
          "prev_hash")
INTS = frozenset({"chain", "chain_seq", "tenant_id", "actor_id", "target_id", "subject_id"})


def at_text(value: datetime | str) -> str:
    """A stored time as the hash sees it: ``YYYY-MM-DDTHH:MM:SS.ffffffZ`` in UTC."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def sealed(row: dict) -> dict:
    """The fields of a stored event (a row of ``audit_entry``) that its hash covers."""
    out = {}
    for name in FIELDS:
        value = row.get(name)
        if name == "created_at":
            value = at_text(value) if value is not None else ""
        elif name in INTS:
            value = None if value is None else int(value)
        else:
            value = value or ""
        out[name] = value
    return out


def digest(fields: dict) -> str:
    """The hash of an event from its sealed fields (``sealed``)."""
    return hashlib.sha256(PREFIX + msgspec.json.encode([fields.get(name) for name in FIELDS])).hexdigest()


_encode = msgspec.json.Encoder().encode
AT_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def digest_values(values: list) -> str:
    """The hash of an event from its field values in ``FIELDS`` order (``created_at`` as text)."""
    return hashlib.sha256(PREFIX + _encode(values)).hexdigest()


_INSERT = ("INSERT INTO audit_entry (tenant_id, actor_id, action, target, subject_id, detail, client, created_at, "
           "chain, chain_seq, prev_hash, entry_hash, actor_kind, actor_role, actor_unit, target_table, target_id, "
           "result, changes) VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}) "
           "RETURNING id")


async def _take_head(chain: int) -> tuple[int, str]:
    """Lock the chain's head (the lock lasts to the end of the transaction) and move it on:
    the new event's position and the hash it follows."""
    bump = "UPDATE audit_head SET seq = seq + 1 WHERE chain = {} RETURNING seq, hash"
    rows = await AuditHead.raw(bump, chain)
    if not rows:
        await AuditHead.raw("INSERT INTO audit_head (chain, seq, hash) VALUES ({}, 0, {}) ON CONFLICT (chain) DO NOTHING",
                            chain, GENESIS)
        rows = await AuditHead.raw(bump, chain)
    return int(rows[0]["seq"]), rows[0]["hash"]


async def append(fields: dict) -> int:
    """Write one event (``fields``: the columns of ``audit_entry`` but the chain's own) at the
    end of its tenant's chain; its row id. Runs in the caller's transaction when there is one
    (the event commits or rolls back with the change it records), else in one of its own.

    Concurrent writers of one chain queue on the head row (``UPDATE … RETURNING`` takes its
    lock on PostgreSQL, the write lock on SQLite), so each sees the hash the last one wrote."""
    chain = fields.get("tenant_id") or 0
    async with AuditHead._meta.db.transaction():
        seq, prev = await _take_head(chain)
        row = {**fields, "chain": chain, "chain_seq": seq, "prev_hash": prev, "created_at": utcnow(),
               "client": fields.get("client") or CLIENT.get()}
        row["entry_hash"] = digest(sealed(row))
        inserted = await AuditHead.raw(_INSERT, *[row.get(name) for name in (
            "tenant_id", "actor_id", "action", "target", "subject_id", "detail", "client", "created_at", "chain",
            "chain_seq", "prev_hash", "entry_hash", "actor_kind", "actor_role", "actor_unit", "target_table",
            "target_id", "result", "changes")])
        await AuditHead.raw("UPDATE audit_head SET hash = {} WHERE chain = {}", row["entry_hash"], chain)
    return int(inserted[0]["id"])


async def record(tenant_id: int | None, action: str, target: str = "", *, actor_kind: str, actor_id: int | None = None,
                 actor_role: str = "", actor_unit: str = "", detail: str = "", result: str = "done",
                 changes: dict | None = None, client: str = "") -> int:
    """``append`` for the layers below the accounts domain (tenancy, the platform console),
    whose events hold no personal data to mask: ``target`` is ``table:id``; ``changes`` a small
    dict of what changed (no secrets). ``core.accounts.audit.audit`` is the writer for the rest."""
    table, _, number = target.partition(":")
    return await append({
        "tenant_id": tenant_id, "actor_id": actor_id, "action": action, "target": target[:128], "subject_id": None,
        "detail": detail[:500], "client": client[:64], "actor_kind": actor_kind, "actor_role": actor_role[:32],
        "actor_unit": actor_unit[:64], "target_table": table[:32] if number.isdigit() else "",
        "target_id": int(number) if number.isdigit() else None, "result": result,
        "changes": msgspec.json.encode(changes).decode()[:1000] if changes else ""})
