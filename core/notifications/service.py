"""Rendering notifications into the outbox.

``enqueue`` runs inside the caller's transaction, so a message exists exactly when the change
that causes it does. Delivery happens outside requests (``core/notifications/sender.py``).
A tenant admin's own template (``TemplateOverride``) wins over the province's.
"""

from __future__ import annotations

from datetime import datetime, timezone
from functools import lru_cache

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from core.notifications.tables import Notification, TemplateOverride
from core.plugins import ProvinceHooks


@lru_cache(maxsize=1)
def _environment() -> SandboxedEnvironment:
    return SandboxedEnvironment(undefined=jinja2.StrictUndefined, autoescape=False)


@lru_cache(maxsize=2048)
def _compile(source: str) -> jinja2.Template:
    return _environment().from_string(source)


def render_text(subject: str, body: str, context: dict) -> tuple[str, str]:
    return (_compile(subject).render(**context) if subject else ""), _compile(body).render(**context).strip()


async def template_for(tenant_id: int, hooks: ProvinceHooks, event: str, channel: str) -> tuple[str, str, str]:
    """(subject, body, source) of the template in force: the tenant's override, else the
    province's (or core's default)."""
    override = await TemplateOverride.select(TemplateOverride.subject, TemplateOverride.body).where(
        TemplateOverride.tenant_id == tenant_id, TemplateOverride.event == event, TemplateOverride.channel == channel
    ).first()
    if override:
        return override["subject"], override["body"], "tenant"
    template = hooks.notification_templates.get((event, channel))
    if template is None:
        raise LookupError(f"插件 {hooks.name} 没有事件 {event} 的 {channel} 模板")
    return template.subject, template.body, "province"


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
    subject_source, body_source, _ = await template_for(tenant_id, hooks, event, channel)
    subject, body = render_text(subject_source, body_source, context)
    now = datetime.now(timezone.utc)
    await Notification.insert(
        Notification(
            tenant_id=tenant_id, event=event, channel=channel, recipient=recipient,
            subject=subject, body=body, dedupe_key=dedupe_key, created_at=now, next_attempt_at=now,
        )
    )

