"""Caps on anonymous attempts that guess: using a one-time code (activation, password reset)
and looking an account up before activating it. Each attempt counts, whatever its outcome,
through ``RateLimiter.take`` — one step, so parallel requests cannot all pass a check made
before any of them counted — in this worker's memory, or in Redis shared by every worker.

A code's own five tries stop guessing one code; these stop one address from spraying many
accounts, and many addresses from asking after one ID number (the lookup is otherwise an
oracle of who has an account). The limits leave room for a service point where many learners
activate from one address, one after another.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.accounts.service import AccountError
from core.security.limits import RateLimiter, rate_limiter
from core.security.pii import PiiProtector
from core.tenancy.context import TenantContext

CODE_TRIES_PER_ADDRESS = (30, 600)  # attempts, seconds
LOOKUPS_PER_ADDRESS = (30, 600)
LOOKUPS_PER_TARGET = (10, 3600)


@dataclass(frozen=True)
class Throttles:
    code_tries: RateLimiter  # per client address
    lookups: RateLimiter  # per client address
    lookup_targets: RateLimiter  # per account asked after, keyed by a keyed hash


def throttles(redis_url: str | None) -> Throttles:
    return Throttles(
        code_tries=rate_limiter(redis_url, "code-tries", *CODE_TRIES_PER_ADDRESS),
        lookups=rate_limiter(redis_url, "lookups", *LOOKUPS_PER_ADDRESS),
        lookup_targets=rate_limiter(redis_url, "lookup-targets", *LOOKUPS_PER_TARGET),
    )


async def code_try(limits: Throttles, client: str) -> None:
    """Count one use of a code from ``client``; 429 past the cap."""
    if not await limits.code_tries.take(client):
        raise AccountError("验证码尝试过于频繁，请稍后再试", 429)


async def lookup(limits: Throttles, tenant: TenantContext, pii: PiiProtector, client: str, *,
                 id_number: str | None, username: str | None) -> None:
    """Count one lookup from ``client`` and one of the account it names; 429 past either cap.
    The target's counter is keyed by a keyed hash: the ID number never reaches the limiter
    (nor Redis) in clear."""
    value = (id_number or "").strip().upper() or (username or "").strip()
    kind = "id" if id_number else "user"
    # An address already held back does not count against the target too: one prober alone
    # cannot use up a learner's own lookups.
    if not await limits.lookups.take(client) or (
            value and not await limits.lookup_targets.take(pii.lookup_hash(f"lookup|{tenant.id}|{kind}|{value}"))):
        raise AccountError("查询过于频繁，请稍后再试", 429)
