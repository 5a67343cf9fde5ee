"""Counting attempts per key (a client address) in a sliding window.

``MemoryRateLimiter`` counts in this worker's memory; ``RedisRateLimiter`` counts in Redis so
that every worker behind a load balancer sees the same numbers. ``rate_limiter`` picks one
from the settings; with Redis it is a ``FallbackRateLimiter``, which counts in memory while
Redis cannot be reached.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections import deque
from typing import Protocol

log = logging.getLogger("creditbank.limits")
REDIS_TIMEOUT = 0.5  # seconds: a login never waits longer on a Redis that is away
REDIS_RETRY_SECONDS = 2.0  # while away, Redis is tried again at most this often


class RateLimiter(Protocol):
    async def blocked(self, key: str) -> bool: ...
    async def hit(self, key: str) -> None: ...

    async def take(self, key: str) -> bool:
        """Count one attempt for ``key`` and say whether it is within the limit, as one step:
        requests in parallel cannot all pass a check made before any of them counted."""
        ...


class MemoryRateLimiter:
    """At most ``limit`` hits per key in ``window_seconds``."""

    def __init__(self, limit: int, window_seconds: float) -> None:
        self.limit = limit
        self.window = window_seconds
        self._hits: dict[str, deque[float]] = {}

    def _recent(self, key: str) -> deque[float]:
        now = time.monotonic()
        bucket = self._hits.setdefault(key, deque())
        while bucket and bucket[0] < now - self.window:
            bucket.popleft()
        return bucket

    async def blocked(self, key: str) -> bool:
        return bool(key) and len(self._recent(key)) >= self.limit

    async def hit(self, key: str) -> None:
        if key:
            self._recent(key).append(time.monotonic())

    async def take(self, key: str) -> bool:
        if not key:
            return True
        bucket = self._recent(key)  # no await between the count and the append: atomic in this worker
        bucket.append(time.monotonic())
        return len(bucket) <= self.limit


class RedisRateLimiter:
    """The same window, kept in a Redis sorted set per key (score = time of the hit)."""

    def __init__(self, redis, name: str, limit: int, window_seconds: float) -> None:
        self.redis = redis
        self.prefix = f"creditbank:limit:{name}:"
        self.limit = limit
        self.window = window_seconds

    async def _count(self, key: str) -> int:
        now = time.time()
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.zremrangebyscore(self.prefix + key, 0, now - self.window)
            pipe.zcard(self.prefix + key)
            _, count = await pipe.execute()
        return count

    async def blocked(self, key: str) -> bool:
        return bool(key) and await self._count(key) >= self.limit

    async def hit(self, key: str) -> None:
        if key:
            now = time.time()
            async with self.redis.pipeline(transaction=True) as pipe:
                pipe.zadd(self.prefix + key, {f"{now}:{uuid.uuid4().hex[:8]}": now})
                pipe.expire(self.prefix + key, int(self.window) + 1)
                await pipe.execute()

    async def take(self, key: str) -> bool:
        if not key:
            return True
        now = time.time()
        async with self.redis.pipeline(transaction=True) as pipe:  # MULTI/EXEC: one step for every worker
            pipe.zremrangebyscore(self.prefix + key, 0, now - self.window)
            pipe.zadd(self.prefix + key, {f"{now}:{uuid.uuid4().hex[:8]}": now})
            pipe.zcard(self.prefix + key)
            pipe.expire(self.prefix + key, int(self.window) + 1)
            _, _, count, _ = await pipe.execute()
        return count <= self.limit


class FallbackRateLimiter:
    """Redis's shared count while Redis answers; this worker's own count while it does not.

    A Redis that is away must not stop logins (every login consults the limiter): the first
    failure logs one warning and switches to memory; Redis is tried again at most every
    ``REDIS_RETRY_SECONDS``, and its return is logged once. While in memory each worker counts
    on its own, so a storm spread over N workers gets N times the limit — better than no one
    logging in, and ``/readyz`` says so.
    """

    def __init__(self, shared: RedisRateLimiter, own: MemoryRateLimiter, name: str) -> None:
        self.shared = shared
        self.own = own
        self.name = name
        self.degraded = False
        self._retry_at = 0.0

    async def _use(self, call):
        """``call(limiter)`` on Redis's limiter, or on this worker's while Redis is away."""
        from redis.exceptions import RedisError

        if self.degraded and time.monotonic() < self._retry_at:
            return await call(self.own)
        try:
            result = await call(self.shared)
        except (RedisError, OSError) as exc:
            if not self.degraded:
                log.warning("Redis 不可用（%s），限流 %s 改由本进程计数，恢复后自动切回", type(exc).__name__, self.name)
            self.degraded = True
            self._retry_at = time.monotonic() + REDIS_RETRY_SECONDS
            return await call(self.own)
        if self.degraded:
            log.warning("Redis 已恢复，限流 %s 重新由各进程共享计数", self.name)
            self.degraded = False
        return result

    async def blocked(self, key: str) -> bool:
        return await self._use(lambda limiter: limiter.blocked(key))

    async def take(self, key: str) -> bool:
        return await self._use(lambda limiter: limiter.take(key))

    async def hit(self, key: str) -> None:
        await self._use(lambda limiter: limiter.hit(key))
        if self.degraded:
            return
        await self.own.hit(key)  # kept warm, so a switch to memory does not start from zero

    async def ping(self) -> str | None:
        """None when Redis answers, else what is wrong."""
        try:
            await self.shared.redis.ping()
        except Exception as exc:  # noqa: BLE001
            return type(exc).__name__
        return None


def rate_limiter(redis_url: str | None, name: str, limit: int, window_seconds: float) -> RateLimiter:
    if redis_url:
        import redis.asyncio as aioredis

        client = aioredis.from_url(redis_url, socket_timeout=REDIS_TIMEOUT, socket_connect_timeout=REDIS_TIMEOUT)
        return FallbackRateLimiter(RedisRateLimiter(client, name, limit, window_seconds),
                                   MemoryRateLimiter(limit, window_seconds), name)
    return MemoryRateLimiter(limit, window_seconds)
