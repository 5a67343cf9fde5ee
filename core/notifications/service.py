"""Rendering notifications into the outbox.

``enqueue`` runs inside the caller's transaction, so a message exists exactly when the change
that causes it does. Delivery happens outside requests (``core/notifications/sender.py``).
A tenant admin's own template (``TemplateOverride``) wins over the province's.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Protocol

import msgspec

from core.accounts.audit import audit
from core.accounts.identity import mask_email, mask_id_numbers_in, mask_phone
from core.accounts.tables import Account
from core.clock import utcnow
from core.db import one
from core.errors import DomainError
from core.events import NotificationRequested
from core.notifications.rendering import render_text  # bounded: tenant admins write templates
from core.notifications.sender import mask_codes
from core.notifications.tables import Notification, TemplateOverride
from core.paging import Page, keyset
from core.plugins import ProvinceHooks
from core.security.permissions import ACTIONS, MESSAGE, Forbidden
from core.tenancy.context import TenantContext


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
    account_id: int | None = None,
) -> None:
    """Write one message to the outbox; a second call with the same ``dedupe_key`` is a no-op.
    ``account_id``: the account it is for, when there is one (it decides who reads it in the
    delivery log)."""
    if await Notification.exists().where(Notification.dedupe_key == dedupe_key):
        return
    subject_source, body_source, _ = await template_for(tenant_id, hooks, event, channel)
    subject, body = render_text(subject_source, body_source, context)
    # Whatever a template or its context holds, the outbox (and the message) never carries a
    # whole ID number: a username such as S + ID number goes out masked.
    subject, body = mask_id_numbers_in(subject), mask_id_numbers_in(body)
    now = datetime.now(UTC)
    await Notification.insert(
        Notification(
            tenant_id=tenant_id, event=event, channel=channel, recipient=recipient,
            subject=subject, body=body, dedupe_key=dedupe_key, created_at=now, next_attempt_at=now,
            account_id=account_id,
        )
    )



async def on_notification_requested(tenant: TenantContext, event: NotificationRequested) -> None:
    """``NotificationRequested`` → the outbox (registered by ``core.wiring``)."""
    await enqueue(event.tenant_id, tenant.hooks, event=event.event, channel=event.channel, recipient=event.recipient,
                  context=event.context, dedupe_key=event.dedupe_key, account_id=event.target_id)


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


NotificationPage = Page[NotificationOut]


def _mask(recipient: str) -> str:
    return mask_email(recipient) if "@" in recipient else mask_phone(recipient)


class Grant(Protocol):
    role: str
    unit_path: str


def _visible(tenant_id: int, grants: Iterable[Grant]):
    """The messages of ``tenant_id`` a viewer with ``grants`` may read, and whether whole: a
    tenant admin reads every one whole; a unit admin, masked, those for accounts whose unit is
    in their subtree (messages for no account — a code to a phone not yet registered — stay
    with tenant admins); anyone else gets a 403."""
    grants = list(grants)
    roles = {g.role for g in grants}
    if not roles & set(ACTIONS["notifications.log"]):  # the grants of a principal that may not (may())
        raise Forbidden(MESSAGE, 403)
    condition = Notification.tenant_id == tenant_id
    if "tenant_admin" in roles:
        return condition, True
    subtree = None
    for path in {g.unit_path for g in grants if g.role == "unit_admin"}:
        clause = Account.unit_id.path.like(f"{path}%")
        subtree = clause if subtree is None else subtree | clause
    in_scope = Account.select(Account.id).where(Account.tenant_id == tenant_id, subtree)
    return condition & Notification.account_id.is_in(in_scope), False


def _out(r: dict, whole: bool) -> NotificationOut:
    return NotificationOut(id=r["id"], to=r["recipient"] if whole else _mask(r["recipient"]), channel=r["channel"],
                           event=r["event"], subject=mask_id_numbers_in(r["subject"]),
                           body=mask_id_numbers_in(r["body"] if whole else mask_codes(r["body"])),
                           status=r["status"], attempts=r["attempts"], last_error=r["last_error"],
                           created_at=r["created_at"], sent_at=r["sent_at"])


async def delivery_log(tenant_id: int, grants: Iterable[Grant], *, to: str | None = None, event: str | None = None,
                       cursor: int | None = None, limit: int = 50) -> NotificationPage:
    """The messages a viewer holding ``grants`` may read (see ``_visible``), newest first. ID
    numbers in a text (a username such as ``S`` + ID number) are masked for everyone."""
    condition, whole = _visible(tenant_id, grants)
    query = Notification.select().where(condition)
    if to and to.strip():
        query = query.where(Notification.recipient == (to.strip().lower() if "@" in to else to.strip()))
    if event:
        query = query.where(Notification.event == event)
    return await keyset(query, Notification.id, cursor=cursor, limit=limit, out=lambda r: _out(r, whole))


# ---------------------------------------------------------------------------------------------
# Re-queueing failed messages


def _requeued(now: datetime) -> dict:
    # Attempts and the last error stay as the record of what happened; the retry window
    # starts again from now.
    return {Notification.status: "queued", Notification.next_attempt_at: now, Notification.requeued_at: now,
            Notification.claimed_until: None}


async def requeue(tenant_id: int, actor_id: int, grants: Iterable[Grant], notification_id: int) -> NotificationOut:
    """Put one failed message the viewer may read back in the queue (audited). 404 if they may
    not read it, 409 if it has not failed."""
    condition, whole = _visible(tenant_id, grants)
    async with Notification._meta.db.transaction():
        changed = await Notification.update(_requeued(utcnow())).where(
            condition, Notification.id == notification_id, Notification.status == "failed").returning(Notification.id)
        if not changed:
            if await Notification.exists().where(condition, Notification.id == notification_id):
                raise DomainError("只有发送失败的通知才能重新发送", 409)
            raise DomainError("没有这条通知", 404)
        await audit(tenant_id, actor_id, "notification.requeue", f"notification:{notification_id}")
    return _out(one(await Notification.select().where(Notification.id == notification_id).first()), whole)


async def requeue_failed(tenant_id: int | None = None) -> int:
    """Every failed message (of ``tenant_id``, or of all tenants) back in the queue; how many."""
    query = Notification.update(_requeued(utcnow())).where(Notification.status == "failed")
    if tenant_id is not None:
        query = query.where(Notification.tenant_id == tenant_id)
    return len(await query.returning(Notification.id))
