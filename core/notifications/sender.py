"""The sender: delivers due outbox messages, safely with several senders running at once.

A claim takes exactly its batch (``CLAIM_BATCH``): one statement marks the oldest due messages
``sending`` under a lease (``claimed_until``) and the claim's own token (``claim_token``;
``FOR UPDATE SKIP LOCKED`` on PostgreSQL, SQLite's single writer elsewhere). While the batch is
in flight the sender renews its lease, so a long batch is never taken over by another sender;
outcomes are recorded only under the sender's own token. A sender killed mid-batch leaves the
rest of its claim, which another sender takes when the lease runs out: the messages it never
handed to a gateway go for the first time, the one in flight (never confirmed) again — with
the same stable key, so a gateway that did accept it drops the duplicate.

A transient failure (gateway down, 5xx, no connection) is retried with back-off for
``sender_retry_hours`` (24 h by default) from when the message was queued (or re-queued by
staff); only a permanent refusal (a refused number or address) fails it at once, with the reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from core.clock import aware, utcnow
from core.notifications.channels import Channel, HttpSmsChannel, LogChannel, PluginSmsChannel, SmtpChannel
from core.notifications.tables import Notification
from core.province import DeliveryError
from core.settings import Settings
from core.tenancy.tables import Tenant

log = logging.getLogger("creditbank.sender")

CLAIM_BATCH = 20
MAX_RETRY_DELAY = 900  # seconds: after an outage ends, every waiting message goes within 15 minutes


def retry_delay(attempts: int) -> timedelta:
    """10 s, 20 s, 40 s… capped at ``MAX_RETRY_DELAY``."""
    return timedelta(seconds=min(MAX_RETRY_DELAY, 10 * 2 ** max(0, min(attempts, 20) - 1)))


def mask_codes(text: str) -> str:
    """Codes are kept whole only in the log channel's record, never once a real gateway sent them."""
    return re.sub(r"(?<!\d)\d{6}(?!\d)", "******", text)


def message_key(secret_key: str, dedupe_key: str) -> str:
    """The key a gateway sees (SMS ``id``, the local part of the e-mail ``Message-ID``): 32 hex
    digits, the same every time the message is sent, different for every message and for every
    installation (keyed by its secret, so two installations sharing a gateway never collide,
    and the outbox's own keys are not shown outside)."""
    return hmac.new(secret_key.encode(), dedupe_key.encode(), hashlib.sha256).hexdigest()[:32]


_DUE = "(status = 'queued' AND next_attempt_at <= {}) OR (status = 'sending' AND claimed_until < {})"
# PostgreSQL: the CTE is evaluated once (MATERIALIZED), so the LIMIT holds; a subquery in
# ``WHERE id IN (…)`` may be re-run by the planner and lease far more than the batch.
_CLAIM_POSTGRES = (
    f"WITH picked AS MATERIALIZED (SELECT id FROM notification WHERE {_DUE} ORDER BY id LIMIT {{}} "
    "FOR UPDATE SKIP LOCKED) "
    "UPDATE notification SET status = 'sending', claimed_until = {}, claim_token = {} "
    "FROM picked WHERE notification.id = picked.id RETURNING notification.*"
)
# SQLite: one writer at a time, so the select and the update are one atomic step.
_CLAIM_SQLITE = (
    "UPDATE notification SET status = 'sending', claimed_until = {}, claim_token = {} "
    f"WHERE id IN (SELECT id FROM notification WHERE {_DUE} ORDER BY id LIMIT {{}}) RETURNING *"
)


class Sender:
    """Picks the channel for each message from the settings and the tenant's plugin.
    ``clock`` gives the current time (UTC) for everything stored; tests move it."""

    def __init__(self, settings: Settings, plugins=None, *, clock: Callable[[], datetime] = utcnow) -> None:
        self.log_channel = LogChannel()
        self.smtp = SmtpChannel(settings.smtp_url) if settings.smtp_url else None
        self.sms = HttpSmsChannel(settings.sms_url) if settings.sms_url else None
        self.plugins = plugins
        self.lease = timedelta(seconds=settings.sender_lease_seconds)
        self.retry_window = timedelta(hours=settings.sender_retry_hours)
        self.secret_key = settings.secret_key
        self.clock = clock
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
        """Lease exactly up to ``limit`` of the oldest due messages (or ones whose sender's
        lease ran out) under a new claim token, which every row returned carries."""
        now, token = self.clock(), secrets.token_hex(16)
        if Notification._meta.db.engine_type == "postgres":
            rows = await Notification.raw(_CLAIM_POSTGRES, now, now, int(limit), now + self.lease, token)
        else:
            rows = await Notification.raw(_CLAIM_SQLITE, now + self.lease, token, now, now, int(limit))
        return sorted(rows, key=lambda r: r["id"])

    async def _renew(self, token: str) -> None:
        """Keep the lease of claim ``token`` alive until cancelled (every third of a lease)."""
        while True:
            await asyncio.sleep(max(0.05, self.lease.total_seconds() / 3))
            await Notification.update({Notification.claimed_until: self.clock() + self.lease}).where(
                Notification.claim_token == token, Notification.status == "sending")

    async def _still_mine(self, message: dict) -> bool:
        """Renew the lease of one message just before it goes to a gateway, and whether it was
        still this sender's (a stalled sender whose lease ran out must not send it as well)."""
        return bool(await Notification.update({Notification.claimed_until: self.clock() + self.lease}).where(
            self._mine(message), Notification.claimed_until > self.clock()).returning(Notification.id))

    def _mine(self, message: dict):
        return (Notification.id == message["id"]) & (Notification.claim_token == message["claim_token"]) & (
            Notification.status == "sending")

    async def deliver(self, message: dict) -> str:
        """Send one claimed message and record the outcome: ``sent``, ``logged`` (recorded with
        its batch), ``queued`` (retry later), ``failed``, or ``lost`` (not sent: the lease ran
        out and another sender has it)."""
        channel = await self.channel_for(message)
        key = message_key(self.secret_key, message["dedupe_key"])
        if channel.name != "log" and not await self._still_mine(message):
            log.warning("通知 %s 的租约已过期并被其他发送进程接管，跳过", message["id"])
            return "lost"
        try:
            try:
                await channel.send({**message, "key": key})
            except DeliveryError:
                raise
            except Exception as exc:  # a province's gateway hook failing its own way: retried like an outage
                raise DeliveryError(f"发送出错：{type(exc).__name__}: {exc}") from exc
        except DeliveryError as exc:
            now = self.clock()
            attempts = message["attempts"] + 1
            since = aware(message["requeued_at"] or message["created_at"])
            expired = now >= since + self.retry_window
            final = exc.permanent or expired
            reason = str(exc) if not expired or exc.permanent else \
                f"{exc}（{self.retry_window.total_seconds() / 3600:g} 小时内重试 {attempts} 次仍未成功）"
            await Notification.update({
                Notification.status: "failed" if final else "queued",
                Notification.attempts: Notification.attempts + 1,
                Notification.last_error: reason[:500],
                Notification.next_attempt_at: now + retry_delay(attempts),
                Notification.claimed_until: None,
            }).where(self._mine(message))
            log.warning("通知 %s 发送失败（第 %s 次）：%s", message["id"], attempts, exc)
            return "failed" if final else "queued"
        if channel.name == "log":
            return "logged"
        done = await Notification.update({
            Notification.status: "sent", Notification.sent_at: self.clock(), Notification.claimed_until: None,
            Notification.attempts: Notification.attempts + 1,
            Notification.delivered_via: channel.name, Notification.last_error: "",
            Notification.body: mask_codes(message["body"]),
        }).where(self._mine(message)).returning(Notification.id)
        if not done:  # only if this sender's lease was lost: the gateway's key drops a repeat
            log.warning("通知 %s 已发送，但租约已被其他发送进程接管", message["id"])
        return "sent"

    async def _deliver_batch(self, batch: list[dict]) -> None:
        renewing = asyncio.create_task(self._renew(batch[0]["claim_token"]))
        try:
            logged = [m["id"] for m in batch if await self.deliver(m) == "logged"]
            if logged:
                await Notification.update({
                    Notification.status: "sent", Notification.sent_at: self.clock(), Notification.claimed_until: None,
                    Notification.attempts: Notification.attempts + 1,
                    Notification.delivered_via: "log", Notification.last_error: "",
                }).where(Notification.id.is_in(logged), Notification.claim_token == batch[0]["claim_token"],
                         Notification.status == "sending")
        finally:
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing

    async def run_once(self, limit: int = 100) -> int:
        """Deliver up to ``limit`` messages; returns how many were handled."""
        handled = 0
        while handled < limit:
            batch = await self.claim(min(CLAIM_BATCH, limit - handled))
            if not batch:
                break
            await self._deliver_batch(batch)
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
