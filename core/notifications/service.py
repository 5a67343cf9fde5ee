"""Rendering notifications into the outbox, and delivering what is due.

``enqueue`` runs inside the caller's transaction, so a message exists exactly when the change
that causes it does. Delivery happens outside requests: the sender (in-process on the
embedded default) claims due messages and hands them to a channel.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from functools import lru_cache

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from core.notifications.tables import Notification
from core.plugins import ProvinceHooks

log = logging.getLogger("creditbank.notifications")


@lru_cache(maxsize=1)
def _environment() -> SandboxedEnvironment:
    return SandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=False)


@lru_cache(maxsize=2048)
def _compile(source: str) -> jinja2.Template:
    return _environment().from_string(source)


def render(hooks: ProvinceHooks, event: str, channel: str, context: dict) -> tuple[str, str]:
    """(subject, body) of ``event`` on ``channel`` with the province's template."""
    template = hooks.notification_templates.get((event, channel))
    if template is None:
        raise LookupError(f"插件 {hooks.name} 没有事件 {event} 的 {channel} 模板")
    subject = _compile(template.subject).render(**context) if template.subject else ""
    return subject, _compile(template.body).render(**context).strip()


async def enqueue(
    tenant_id: int,
    hooks: ProvinceHooks,
    *,
    event: str,
    channel: str,
    recipient: str,
    context: dict,
    dedupe_key: str,
) -> None:
    """Write one message to the outbox; a second call with the same ``dedupe_key`` is a no-op."""
    if await Notification.exists().where(Notification.dedupe_key == dedupe_key):
        return
    subject, body = render(hooks, event, channel, context)
    now = datetime.now(timezone.utc)
    await Notification.insert(
        Notification(
            tenant_id=tenant_id, event=event, channel=channel, recipient=recipient,
            subject=subject, body=body, dedupe_key=dedupe_key, created_at=now, next_attempt_at=now,
        )
    )


async def deliver_due(limit: int = 100) -> int:
    """Deliver up to ``limit`` due messages through the ``log`` channel: recorded as sent,
    whole, so a developer can follow a flow. Returns how many were delivered."""
    now = datetime.now(timezone.utc)
    due = await Notification.select(Notification.id, Notification.channel, Notification.recipient, Notification.event).where(
        Notification.status == "queued", Notification.next_attempt_at <= now
    ).order_by(Notification.id).limit(limit)
    for message in due:
        # Claim first: a concurrent sender that lost the race updates nothing.
        claimed = await Notification.update(
            {Notification.status: "sent", Notification.sent_at: now, Notification.delivered_via: "log",
             Notification.attempts: Notification.attempts + 1}).returning(Notification.id).where(Notification.id == message["id"], Notification.status == "queued")
        if claimed:
            log.info("通知已记录（log 通道）%s → %s：%s", message["event"], message["channel"], message["recipient"])
    return len(due)

