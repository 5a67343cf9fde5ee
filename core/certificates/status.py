"""Revocation as W3C Bitstring Status List v1.0: each proof holds a random place in one of its
tenant's lists of ``LIST_SIZE`` bits (so an index tells nothing about a proof or how many were
issued); a revoked proof's bit is 1. The published list is a ``BitstringStatusListCredential``
drawn from the proof rows whenever it is asked for, so it can never disagree with them.
"""

from __future__ import annotations

import base64
import gzip
import secrets

from core.achievements.tables import Achievement
from core.certificates import linked_data
from core.certificates.record_tables import OutcomeStatus
from core.certificates.tables import Proof

LIST_SIZE = 131_072  # the minimum the specification asks for (16 KiB of bits)
# A list takes new proofs until half full, so a random free place is found in a try or two.
FILL = LIST_SIZE // 2
PURPOSE = "revocation"
RECOGNISED = ("catalog", "recognized")  # the outcomes a record lists (issuing.USABLE)


class StatusUnavailable(Exception):
    """The status list could not be read (not ours, not served, not a valid list)."""


def list_url(site: str, list_id: int) -> str:
    return f"{site}/api/v1/status-lists/{list_id}"


def entry(site: str, list_id: int, index: int) -> dict:
    url = list_url(site, list_id)
    return {"id": f"{url}#{index}", "type": "BitstringStatusListEntry", "statusPurpose": PURPOSE,
            "statusListIndex": str(index), "statusListCredential": url}


def encode(indexes: list[int], size: int = LIST_SIZE) -> str:
    """``encodedList``: multibase base64url (``u…``, no padding) of the GZIP of the bits; index
    0 is the most significant bit of the first byte."""
    bits = bytearray(size // 8)
    for i in indexes:
        bits[i // 8] |= 0x80 >> (i % 8)
    return "u" + base64.urlsafe_b64encode(gzip.compress(bytes(bits), mtime=0)).rstrip(b"=").decode()


def decode(encoded: str) -> bytes:
    """The bits of an ``encodedList``. Raises ``StatusUnavailable`` for anything else."""
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise StatusUnavailable("状态列表的 encodedList 不是 base64url 多基编码")
    body = encoded[1:]
    try:
        bits = gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (ValueError, OSError, EOFError) as exc:
        raise StatusUnavailable("状态列表的 encodedList 无法解码") from exc
    if len(bits) * 8 < LIST_SIZE:
        raise StatusUnavailable("状态列表过短")
    return bits


def is_set(bits: bytes, index: int) -> bool:
    if not 0 <= index < len(bits) * 8:
        raise StatusUnavailable("状态索引超出列表范围")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


async def _taken(tenant_id: int, list_id: int, index: int) -> bool:
    """Whether a proof or an exported outcome credential holds the place."""
    return (await Proof.exists().where(Proof.tenant_id == tenant_id, Proof.status_list == list_id,
                                       Proof.status_index == index)
            or await OutcomeStatus.exists().where(OutcomeStatus.tenant_id == tenant_id,
                                                  OutcomeStatus.status_list == list_id,
                                                  OutcomeStatus.status_index == index))


async def allocate(tenant_id: int) -> tuple[int, int]:
    """(list id, index) for a new proof or outcome credential: the tenant's newest list that is
    less than half full, a random free place in it. Inside the issuing transaction: a clash with
    a concurrent issue is caught by the unique index (one in tens of thousands), never by an
    aborting insert here."""
    last = await Proof.select(Proof.status_list).where(
        Proof.tenant_id == tenant_id, Proof.status_list.is_not_null()).order_by(Proof.status_list, ascending=False).first()
    last_outcome = await OutcomeStatus.select(OutcomeStatus.status_list).where(
        OutcomeStatus.tenant_id == tenant_id).order_by(OutcomeStatus.status_list, ascending=False).first()
    list_id = max(last["status_list"] if last else 1, last_outcome["status_list"] if last_outcome else 1)
    used = (await Proof.count().where(Proof.tenant_id == tenant_id, Proof.status_list == list_id)
            + await OutcomeStatus.count().where(OutcomeStatus.tenant_id == tenant_id,
                                                OutcomeStatus.status_list == list_id))
    if used >= FILL:
        list_id += 1
    for _ in range(64):
        index = secrets.randbelow(LIST_SIZE)
        if not await _taken(tenant_id, list_id, index):
            return list_id, index
    raise RuntimeError("状态列表没有空位")  # 64 misses in a half-empty list: not by chance


async def revoked(tenant_id: int, list_id: int) -> list[int] | None:
    """The revoked indexes of the list, or None when the tenant has no such list: revoked
    proofs, and exported outcome credentials whose outcome was revoked or is no longer a
    recognised outcome of its learner (deleted, rejected)."""
    rows = await Proof.select(Proof.status_index, Proof.status).where(
        Proof.tenant_id == tenant_id, Proof.status_list == list_id)
    outcomes = await OutcomeStatus.select(OutcomeStatus.status_index, OutcomeStatus.status,
                                          OutcomeStatus.achievement_id, OutcomeStatus.learner_id).where(
        OutcomeStatus.tenant_id == tenant_id, OutcomeStatus.status_list == list_id)
    if not rows and not outcomes:
        return None
    indexes = [r["status_index"] for r in rows if r["status"] == "revoked"]
    if outcomes:
        ids = [o["achievement_id"] for o in outcomes]
        held: set[tuple[int, int]] = set()
        for start in range(0, len(ids), 5000):  # under every database's bind-parameter limit
            held |= {(a["id"], a["learner_id"]) for a in await Achievement.select(
                Achievement.id, Achievement.learner_id).where(
                Achievement.tenant_id == tenant_id, Achievement.id.is_in(ids[start:start + 5000]),
                Achievement.status.is_in(list(RECOGNISED)))}
        indexes += [o["status_index"] for o in outcomes
                    if o["status"] == "revoked" or (o["achievement_id"], o["learner_id"]) not in held]
    return sorted(indexes)


def list_credential(site: str, issuer: str, list_id: int, indexes: list[int], valid_from: str) -> dict:
    """The unsigned ``BitstringStatusListCredential``."""
    url = list_url(site, list_id)
    return {
        "@context": [linked_data.VC_V2],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": valid_from,
        "credentialSubject": {"id": f"{url}#list", "type": "BitstringStatusList", "statusPurpose": PURPOSE,
                              "encodedList": encode(indexes)},
    }
