"""The JSON Lines export an outside auditor can verify offline (core.audit.offline).

Per chain the selected events come in full with the fields their hash covers (``sealed``); the
events between the first selected one and the chain's head that were not selected (other
filters, another unit's) come as ``link`` lines — position and hashes, no content — and the run
ends on a checkpoint signed at export time over the head. Lines are in chain order.
"""

from __future__ import annotations

from collections.abc import Iterable

import msgspec

from core.audit import chain as hashing
from core.audit import signing
from core.audit.offline import FORMAT
from core.audit.tables import AuditHead
from core.clock import utcnow

_CHUNK = 500


async def _rows(chain: int, ids: list[int]) -> dict[int, dict]:
    found: dict[int, dict] = {}
    for start in range(0, len(ids), _CHUNK):
        part = ids[start:start + _CHUNK]
        sql = "SELECT * FROM audit_entry WHERE chain = {} AND id IN (" + ", ".join("{}" for _ in part) + ")"
        found.update({r["id"]: r for r in await AuditHead.raw(sql, chain, *part)})
    return found


async def jsonl(items: Iterable[dict], header: dict) -> bytes:
    """``items``: events as shown (``AuditEvent`` as builtins, ``seq`` their row id, ``chain``
    their chain). The export, header line first."""
    by_chain: dict[int, list[dict]] = {}
    for item in items:
        by_chain.setdefault(int(item["chain"]), []).append(item)
    signer = signing.signer()
    kid, _ = await signer.key()
    lines = [msgspec.json.encode({"kind": "header", "format": FORMAT, "exported_at": hashing.at_text(utcnow()),
                                  "key_id": kid, "verify": "creditbank audit verify-export FILE --public-key KEY.pem",
                                  **header})]
    for chain, chosen in sorted(by_chain.items()):
        rows = await _rows(chain, [i["seq"] for i in chosen])
        shown = {rows[i["seq"]]["chain_seq"]: i for i in chosen if i["seq"] in rows}
        if not shown:
            continue
        point = await signer.checkpoint(chain)
        first = min(shown)
        links = await AuditHead.raw("SELECT chain_seq, prev_hash, entry_hash, id FROM audit_entry WHERE chain = {} "
                                    "AND chain_seq BETWEEN {} AND {} ORDER BY chain_seq", chain, first, point["seq"])
        for link in links:
            seq = link["chain_seq"]
            if seq in shown:
                row = rows[shown[seq]["seq"]]
                lines.append(msgspec.json.encode({"kind": "event", **shown[seq], "chain": chain, "chain_seq": seq,
                                                  "hash": row["entry_hash"], "sealed": hashing.sealed(row)}))
            else:
                lines.append(msgspec.json.encode({"kind": "link", "chain": chain, "chain_seq": seq,
                                                  "prev_hash": link["prev_hash"], "hash": link["entry_hash"]}))
        lines.append(msgspec.json.encode({"kind": "checkpoint", "chain": chain, "seq": point["seq"],
                                          "hash": point["hash"], "signed_at": hashing.at_text(point["signed_at"]),
                                          "key_id": point["key_id"], "signature": point["signature"]}))
    return b"".join(line + b"\n" for line in lines)
