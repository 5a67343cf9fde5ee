"""The sender: delivers due outbox messages, safely with several senders running at once.

Messages are claimed a few at a time (``CLAIM_BATCH``) by one conditional update that sets a
lease (``status = sending``, ``claimed_until``; ``SKIP LOCKED`` on PostgreSQL): two senders
never hold the same message. A sender killed mid-batch leaves the rest of its claim, which
another sender takes again when the lease runs out — each message with its stable key, so a
gateway that already accepted one drops the duplicate (at-least-once delivery, made
effectively once by the key). A failed send is retried with back-off, up to ``MAX_ATTEMPTS``; a
permanent refusal (a bad address) fails at once with the reason.
"""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import timedelta

from core.clock import utcnow
from core.notifications.channels import (
    Channel,
    DeliveryError,
    HttpSmsChannel,
    LogChannel,
    PluginSmsChannel,
    SmtpChannel,
)
from core.notifications.tables import Notification
from core.settings import Settings
from core.tenancy.tables import Tenant

log = logging.getLogger("creditbank.sender")

MAX_ATTEMPTS = 6
CLAIM_BATCH = 20


def retry_delay(attempts: int) -> timedelta:
    """10 s, 20 s, 40 s… capped at an hour."""
    return timedelta(seconds=min(3600, 10 * 2 ** max(0, attempts - 1)))


def mask_codes(text: str) -> str:
    """Codes are kept whole only in the log channel's record, never once a real gateway sent them."""
    return re.sub(r"(?<!\d)\d{6}(?!\d)", "******", text)


class Sender:
    """Picks the channel for each message from the settings and the tenant's plugin."""

    def __init__(self, settings: Settings, plugins=None) -> None:
        self.log_channel = LogChannel()
        self.smtp = SmtpChannel(settings.smtp_url) if settings.smtp_url else None
        self.sms = HttpSmsChannel(settings.sms_url) if settings.sms_url else None
        self.plugins = plugins
        self.lease = timedelta(seconds=settings.sender_lease_seconds)
        self._tenant_plugins: dict[int, str] = {}

    async def channel_for(self, message: dict) -> Channel:
        if message["channel"] == "email":
            return self.smtp or self.log_channel
        if self.sms:
            return self.sms
        if self.plugins is not None:
            plugin = self._tenant_plugins.get(message["tenant_id"])
            if plugin is None:
                row = await Tenant.select(Tenant.plugin).where(Tenant.id == message["tenant_id"]).first()
                plugin = self._tenant_plugins[message["tenant_id"]] = row["plugin"] if row else ""
            if plugin in self.plugins and self.plugins.hooks(plugin).has_sms_gateway:
                return PluginSmsChannel(self.plugins.hooks(plugin))
        return self.log_channel

    async def claim(self, limit: int = CLAIM_BATCH) -> list[dict]:
        """Take up to ``limit`` of the oldest due messages (or ones whose sender's lease ran out)."""
        now = utcnow()
        due = "(status = 'queued' AND next_attempt_at <= {}) OR (status = 'sending' AND claimed_until < {})"
        lock = " FOR UPDATE SKIP LOCKED" if Notification._meta.db.engine_type == "postgres" else ""
        rows = await Notification.raw(
            "UPDATE notification SET status = 'sending', claimed_until = {}, attempts = attempts + 1 "
            f"WHERE id IN (SELECT id FROM notification WHERE {due} ORDER BY id LIMIT {int(limit)}{lock}) "
            f"AND ({due}) RETURNING *",
            now + self.lease, now, now, now, now)
        return sorted(rows, key=lambda r: r["id"])

    async def deliver(self, message: dict) -> str:
        """Send one claimed message and record the outcome: ``sent``, ``queued`` (retry) or
        ``failed``."""
        channel = await self.channel_for(message)
        now = utcnow()
        try:
            await channel.send({**message, "key": message["dedupe_key"]})
        except DeliveryError as exc:
            final = exc.permanent or message["attempts"] >= MAX_ATTEMPTS
            await Notification.update({
                Notification.status: "failed" if final else "queued",
                Notification.last_error: str(exc)[:500],
                Notification.next_attempt_at: now + retry_delay(message["attempts"]),
                Notification.claimed_until: None,
            }).where(Notification.id == message["id"], Notification.status == "sending")
            log.warning("通知 %s 发送失败（第 %s 次）：%s", message["id"], message["attempts"], exc)
            return "failed" if final else "queued"
        if channel.name == "log":
            return "logged"  # marked sent with the rest of its batch
        await Notification.update({
            Notification.status: "sent", Notification.sent_at: now, Notification.claimed_until: None,
            Notification.delivered_via: channel.name, Notification.last_error: "",
            Notification.body: mask_codes(message["body"]),
        }).where(Notification.id == message["id"])
        return "sent"

    async def run_once(self, limit: int = 100) -> int:
        """Deliver up to ``limit`` messages; returns how many were handled."""
        handled = 0
        while handled < limit:
            batch = await self.claim(min(CLAIM_BATCH, limit - handled))
            if not batch:
                break
            logged = [m["id"] for m in batch if await self.deliver(m) == "logged"]
            if logged:
                await Notification.update({
                    Notification.status: "sent", Notification.sent_at: utcnow(), Notification.claimed_until: None,
                    Notification.delivered_via: "log", Notification.last_error: "",
                }).where(Notification.id.is_in(logged))
            handled += len(batch)
        return handled

    async def run_forever(self, interval: float = 1.0) -> None:
        while True:
            try:
                handled = await self.run_once()
            except Exception:  # a failing round must not stop delivery for good
                log.exception("通知发送出错，稍后重试")
                handled = 0
            if not handled:
                await asyncio.sleep(interval)
