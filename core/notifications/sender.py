"""The sender loop: delivers due outbox messages until cancelled."""

from __future__ import annotations

import asyncio
import logging

from core.notifications.service import deliver_due

log = logging.getLogger("creditbank.sender")


async def run_sender_loop(interval: float = 1.0) -> None:
    while True:
        try:
            delivered = await deliver_due()
        except Exception:  # a failing round must not stop delivery for good
            log.exception("通知发送出错，稍后重试")
            delivered = 0
        if not delivered:
            await asyncio.sleep(interval)
