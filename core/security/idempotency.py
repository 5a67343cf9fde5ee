"""Idempotency keys: the first request with a key does the work; a retry — or a duplicate sent
at the same moment — gets the first one's response.

The claim is one atomic ``INSERT … ON CONFLICT DO NOTHING``: of sixteen requests racing with
one key exactly one inserts and works; the others wait for its response (``await_response``).
The response is stored after the work commits: a worker that dies in between leaves a claim
in ``running`` that a retry takes over once it is older than ``ABANDONED_SECONDS`` — the one
case where the work may be done twice, and only after a crash.
"""

from __future__ import annotations

import asyncio
import hashlib
from datetime import timedelta

import msgspec

from core import db
from core.clock import aware, utcnow
from core.security.tables import IdempotentRequest

WAIT_SECONDS = 30.0  # how long a duplicate waits for the first request's response
ABANDONED_SECONDS = 120  # a claim still running after this is taken to have died with its worker
KEEP_HOURS = 24  # responses are replayed for this long
MAX_BODY = 256 * 1024  # larger responses are not stored (no create answers with that much)


class Stored(msgspec.Struct, frozen=True):
    status: int
    content_type: str
    body: bytes


class KeyReused(Exception):
    """The key was used for a different request (another path or body)."""


class StillRunning(Exception):
    """The first request with the key has not finished within ``WAIT_SECONDS``."""


def request_key(who: str, key: str) -> str:
    return hashlib.sha256(f"{who}\x00{key}".encode()).hexdigest()


def fingerprint(method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256(f"{method} {path}\x00".encode())
    digest.update(body)
    return digest.hexdigest()


_CLAIM = ("INSERT INTO idempotent_request (request_key, tenant_id, fingerprint, status, response_type, "
          "response_body, created_at) VALUES ($1, $2, $3, 'running', '', '', $4) "
          "ON CONFLICT (request_key) DO NOTHING RETURNING id")


async def claim(key: str, tenant_id: int | None, print_: str) -> bool:
    """True when this request is the first with ``key`` (or takes over an abandoned claim)."""
    now = utcnow()
    if await db.fetch(IdempotentRequest, _CLAIM, key, tenant_id, print_, now):
        return True
    # Take over a claim whose worker died, or one past keeping: one statement, so of several
    # retries at most one wins.
    taken = await IdempotentRequest.update({IdempotentRequest.created_at: now, IdempotentRequest.fingerprint: print_,
                                            IdempotentRequest.status: "running"}).where(
        IdempotentRequest.request_key == key,
        ((IdempotentRequest.status == "running") & (IdempotentRequest.created_at < now - timedelta(seconds=ABANDONED_SECONDS)))
        | (IdempotentRequest.created_at < now - timedelta(hours=KEEP_HOURS)),
    ).returning(IdempotentRequest.id)
    return bool(taken)


async def complete(key: str, response: Stored | None) -> None:
    """Store the first request's response; ``None`` (it failed, or is not worth replaying)
    releases the key so a retry does the work."""
    if response is None or len(response.body) > MAX_BODY:
        await IdempotentRequest.delete().where(IdempotentRequest.request_key == key)
        return
    await IdempotentRequest.update({
        IdempotentRequest.status: "done", IdempotentRequest.response_status: response.status,
        IdempotentRequest.response_type: response.content_type[:100],
        IdempotentRequest.response_body: response.body.decode("utf-8", "replace"),
        IdempotentRequest.completed_at: utcnow(),
    }).where(IdempotentRequest.request_key == key)


async def await_response(key: str, print_: str, *, poll: float = 0.05) -> Stored | None:
    """The stored response for ``key``; ``None`` when the first request gave the key up (the
    caller then claims it again). Raises ``KeyReused`` or ``StillRunning``."""
    deadline = asyncio.get_running_loop().time() + WAIT_SECONDS
    while True:
        row = await IdempotentRequest.select().where(IdempotentRequest.request_key == key).first()
        if row is None:
            return None
        if row["fingerprint"] != print_:
            raise KeyReused
        if row["status"] == "done":
            return Stored(row["response_status"], row["response_type"], row["response_body"].encode())
        if aware(row["created_at"]) < utcnow() - timedelta(seconds=ABANDONED_SECONDS):
            return None
        if asyncio.get_running_loop().time() > deadline:
            raise StillRunning
        await asyncio.sleep(poll)


async def forget_old() -> None:
    await IdempotentRequest.delete().where(IdempotentRequest.created_at < utcnow() - timedelta(hours=KEEP_HOURS))
