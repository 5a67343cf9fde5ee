"""Rendering notifications into the outbox.

``enqueue`` runs inside the caller's transaction, so a message exists exactly when the change
that causes it does. Delivery happens outside requests (``core/notifications/sender.py``).
A tenant admin's own template (``TemplateOverride``) wins over the province's.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone
from functools import lru_cache

import jinja2
import msgspec
from jinja2.sandbox import SandboxedEnvironment

from core.accounts.identity import mask_email, mask_id_numbers_in, mask_phone
from core.errors import DomainError
from core.notifications.sender import mask_codes
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
    # Whatever a template or its context holds, the outbox (and the message) never carries a
    # whole ID number: a username such as S + ID number goes out masked.
    subject, body = mask_id_numbers_in(subject), mask_id_numbers_in(body)
    now = datetime.now(timezone.utc)
    await Notification.insert(
        Notification(
            tenant_id=tenant_id, event=event, channel=channel, recipient=recipient,
            subject=subject, body=body, dedupe_key=dedupe_key, created_at=now, next_attempt_at=now,
        )
    )



# ---------------------------------------------------------------------------------------------
# The delivery log


class NotificationOut(msgspec.Struct, kw_only=True):
    id: int
    to: str
    channel: str
    event: str
    subject: str
    body: str
    status: str
    attempts: int
    last_error: str
    created_at: datetime
    sent_at: datetime | None


class NotificationPage(msgspec.Struct):
    items: list[NotificationOut]
    next_cursor: str | None


def _mask(recipient: str) -> str:
    return mask_email(recipient) if "@" in recipient else mask_phone(recipient)


async def delivery_log(tenant_id: int, roles: Iterable[str], *, to: str | None = None, event: str | None = None,
                       cursor: int | None = None, limit: int = 50) -> NotificationPage:
    """The tenant's messages, newest first, for a viewer holding ``roles``: a tenant admin reads
    them whole; a unit admin with addresses and codes masked; anyone else gets a 403. ID
    numbers in a text (a username such as ``S`` + ID number) are masked for everyone."""
    roles = set(roles)
    if not roles & {"tenant_admin", "unit_admin"}:
        raise DomainError("仅限管理员查看通知记录", 403)
    whole = "tenant_admin" in roles
    query = Notification.select().where(Notification.tenant_id == tenant_id)
    if to and to.strip():
        query = query.where(Notification.recipient == (to.strip().lower() if "@" in to else to.strip()))
    if event:
        query = query.where(Notification.event == event)
    if cursor:
        query = query.where(Notification.id < cursor)
    rows = await query.order_by(Notification.id, ascending=False).limit(limit + 1)
    items = [
        NotificationOut(id=r["id"], to=r["recipient"] if whole else _mask(r["recipient"]), channel=r["channel"],
                        event=r["event"], subject=mask_id_numbers_in(r["subject"]),
                        body=mask_id_numbers_in(r["body"] if whole else mask_codes(r["body"])),
                        status=r["status"], attempts=r["attempts"], last_error=r["last_error"],
                        created_at=r["created_at"], sent_at=r["sent_at"])
        for r in rows[:limit]
    ]
    return NotificationPage(items=items, next_cursor=str(items[-1].id) if len(rows) > limit else None)
