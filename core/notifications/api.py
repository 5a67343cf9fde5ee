"""The delivery log, for tenant administrators."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec
from litestar import Controller, delete, get, post, put
from litestar.di import NamedDependency, Provide
from litestar.exceptions import PermissionDeniedException
from litestar.params import FromPath, JSONBody, QueryParameter

from core.accounts.api import provide_principal, provide_staff
from core.accounts.login import Principal
from core.accounts.identity import mask_email, mask_phone
from core.notifications import templates
from core.notifications.sender import mask_codes
from core.notifications.tables import Notification
from core.notifications.templates import Rendered, TemplateOut
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
        if not actor.has_role("tenant_admin", "unit_admin"):
            raise PermissionDeniedException("仅限管理员查看通知记录")
        whole = actor.has_role("tenant_admin")  # others see addresses and codes masked
        query = Notification.select().where(Notification.tenant_id == tenant.id)
        if to:
            query = query.where(Notification.recipient == to.strip().lower() if "@" in to else Notification.recipient == to.strip())
        if event:
            query = query.where(Notification.event == event)
        if cursor:
            query = query.where(Notification.id < int(cursor))
        rows = await query.order_by(Notification.id, ascending=False).limit(limit + 1)
        items = [
            NotificationOut(id=r["id"], to=r["recipient"] if whole else _mask(r["recipient"]), channel=r["channel"],
                            event=r["event"], subject=r["subject"], body=r["body"] if whole else mask_codes(r["body"]),
                            status=r["status"], attempts=r["attempts"], last_error=r["last_error"],
                            created_at=r["created_at"], sent_at=r["sent_at"])
            for r in rows[:limit]
        ]
        return NotificationPage(items=items, next_cursor=str(items[-1].id) if len(rows) > limit else None)


def _mask(recipient: str) -> str:
    return mask_email(recipient) if "@" in recipient else mask_phone(recipient)


class TemplateIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    subject: Annotated[str, msgspec.Meta(max_length=300)] = ""
    body: Annotated[str, msgspec.Meta(max_length=2000)]


def _tenant_admin(actor: Principal) -> None:
    if not actor.has_role("tenant_admin"):
        raise PermissionDeniedException("仅限管理中心管理员维护通知模板")


class TemplateController(Controller):
    path = "/admin/templates"
    tags = ["staff"]
    dependencies = {"principal": Provide(provide_principal), "actor": Provide(provide_staff)}

    @get("/", summary="通知模板（本租户自定义的优先于省份插件的）")
    async def list(self, tenant: NamedDependency[TenantContext], actor: NamedDependency[Principal]) -> list[TemplateOut]:
        _tenant_admin(actor)
        return await templates.list_templates(tenant)

    @post("/{event:str}/{channel:str}/preview", status_code=200, summary="用示例数据预览模板")
    async def preview(self, tenant: NamedDependency[TenantContext], actor: NamedDependency[Principal],
                      event: FromPath[str], channel: FromPath[str], data: JSONBody[TemplateIn]) -> Rendered:
        _tenant_admin(actor)
        return templates.check_template(event, channel, data.subject, data.body)

    @put("/{event:str}/{channel:str}", summary="保存自定义模板（保存前校验语法、变量与沙箱）")
    async def save(self, tenant: NamedDependency[TenantContext], actor: NamedDependency[Principal],
                   event: FromPath[str], channel: FromPath[str], data: JSONBody[TemplateIn]) -> TemplateOut:
        _tenant_admin(actor)
        return await templates.save_override(tenant, actor.id, event, channel, data.subject, data.body)

    @delete("/{event:str}/{channel:str}", status_code=204, summary="恢复为省份插件的模板")
    async def revert(self, tenant: NamedDependency[TenantContext], actor: NamedDependency[Principal],
                     event: FromPath[str], channel: FromPath[str]) -> None:
        _tenant_admin(actor)
        await templates.delete_override(tenant, event, channel)
