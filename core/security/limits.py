"""Counting attempts per key (a client address) in a sliding window.

``MemoryRateLimiter`` counts in this worker's memory; ``RedisRateLimiter`` counts in Redis so
that every worker behind a load balancer sees the same numbers. ``rate_limiter`` picks one
from the settings.
"""

from __future__ import annotations

import time
import uuid
from collections import deque
from typing import Protocol


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


def rate_limiter(redis_url: str | None, name: str, limit: int, window_seconds: float) -> RateLimiter:
    if redis_url:
        import redis.asyncio as aioredis

        return RedisRateLimiter(aioredis.from_url(redis_url), name, limit, window_seconds)
    return MemoryRateLimiter(limit, window_seconds)
