"""The delivery log, for tenant administrators."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from litestar import Controller, get
from litestar.di import NamedDependency, Provide
from litestar.exceptions import PermissionDeniedException
from litestar.params import QueryParameter

from core.accounts.api import provide_principal, provide_staff
from core.accounts.login import Principal
from core.notifications.tables import Notification
from core.tenancy.service import TenantContext


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


class DeliveryLogController(Controller):
    path = "/admin/notifications"
    tags = ["staff"]
    dependencies = {"principal": Provide(provide_principal), "actor": Provide(provide_staff)}

    @get("/", summary="通知发送记录（最新在前）")
    async def delivery_log(
        self, tenant: NamedDependency[TenantContext], actor: NamedDependency[Principal],
        to: Annotated[str | None, QueryParameter(max_length=254)] = None,
        event: Annotated[str | None, QueryParameter(max_length=64)] = None,
        cursor: Annotated[str | None, QueryParameter(pattern=r"^\d+$")] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
    ) -> NotificationPage:
        if not actor.has_role("tenant_admin"):
            raise PermissionDeniedException("仅限管理中心管理员查看通知记录")
        query = Notification.select().where(Notification.tenant_id == tenant.id)
        if to:
            query = query.where(Notification.recipient == to.strip().lower() if "@" in to else Notification.recipient == to.strip())
        if event:
            query = query.where(Notification.event == event)
        if cursor:
            query = query.where(Notification.id < int(cursor))
        rows = await query.order_by(Notification.id, ascending=False).limit(limit + 1)
        items = [
            NotificationOut(id=r["id"], to=r["recipient"], channel=r["channel"], event=r["event"], subject=r["subject"],
                            body=r["body"], status=r["status"], attempts=r["attempts"], last_error=r["last_error"],
                            created_at=r["created_at"], sent_at=r["sent_at"])
            for r in rows[:limit]
        ]
        return NotificationPage(items=items, next_cursor=str(items[-1].id) if len(rows) > limit else None)
