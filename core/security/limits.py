"""Counting attempts per key (a client address) in a sliding window."""

from __future__ import annotations

import time
from collections import deque


class RateLimiter:
    """At most ``limit`` hits per key in ``window_seconds``, counted in this worker's memory."""

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

    def blocked(self, key: str) -> bool:
        return bool(key) and len(self._recent(key)) >= self.limit

    def hit(self, key: str) -> None:
        if key:
            self._recent(key).append(time.monotonic())
