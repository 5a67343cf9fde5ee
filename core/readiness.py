"""``/readyz``: whether this worker can serve — the database, the file store and Redis, each
checked with a short timeout and reported with what is wrong, in Chinese."""

from __future__ import annotations

import asyncio

import msgspec

from core.db import DatabaseWatch
from core.security.limits import RateLimiter
from core.storage import Storage

CHECK_SECONDS = 2.0


class Check(msgspec.Struct):
    ok: bool
    message: str


class Readiness(msgspec.Struct):
    status: str  # ok | unavailable
    checks: dict[str, Check]
    warnings: list[str]


async def _storage_problem(storage: Storage) -> str | None:
    try:
        await asyncio.wait_for(storage.ping(), CHECK_SECONDS)
    except Exception as exc:  # noqa: BLE001 — any failure is "not ready"
        return str(exc) or type(exc).__name__
    return None


async def readiness_of(watch: DatabaseWatch, limiter: RateLimiter, storage: Storage, *,
                       redis_configured: bool) -> Readiness:
    """The database and the file store must answer (503 otherwise: a load balancer should send
    requests elsewhere). Redis away is a warning, not a 503: the rate limits fall back to each
    worker's own counters, and taking every worker out of service for it would be an outage."""
    database, store = await asyncio.gather(watch.ping(CHECK_SECONDS), _storage_problem(storage))
    checks = {
        "database": Check(ok=database is None, message="正常" if database is None else f"数据库不可用：{database}"),
        "storage": Check(ok=store is None, message="正常" if store is None else f"文件存储不可用：{store}"),
    }
    warnings = []
    if redis_configured:
        redis = await limiter.ping() if hasattr(limiter, "ping") else None
        checks["redis"] = Check(ok=redis is None, message="正常" if redis is None else f"Redis 不可用：{redis}")
        if redis is not None:
            warnings.append("Redis 不可用：登录限流暂由各工作进程分别计数")
    ok = checks["database"].ok and checks["storage"].ok
    return Readiness(status="ok" if ok else "unavailable", checks=checks, warnings=warnings)
