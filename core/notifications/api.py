"""The delivery log and re-queueing failed messages, for administrators (each sees their
subtree's messages); notification templates, for tenant administrators."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, delete, get, post, put
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody, QueryParameter

from core.ids import Cursor, PathId
from core.notifications import templates
from core.notifications.schemas import TemplateIn
from core.notifications.service import NotificationOut, NotificationPage, delivery_log, requeue
from core.notifications.templates import Rendered, TemplateOut
from core.security.auth import provide_principal, provide_staff
from core.security.permissions import guard
from core.security.principal import Principal
from core.tenancy.context import TenantContext


class DeliveryLogController(Controller):
    path = "/admin/notifications"
    tags = ["staff"]
    dependencies = {"principal": Provide(provide_principal), "actor": Provide(provide_staff)}

    @get("/", summary="通知发送记录（最新在前）")
    async def delivery_log(
        self, tenant: NamedDependency[TenantContext], actor: NamedDependency[Principal],
        to: Annotated[str | None, QueryParameter(max_length=254)] = None,
        event: Annotated[str | None, QueryParameter(max_length=64)] = None,
        cursor: Cursor = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
    ) -> NotificationPage:
        return await delivery_log(tenant.id, actor.grants, to=to, event=event,
                                  cursor=int(cursor) if cursor else None, limit=limit)

    @post("/{notification_id:int}/requeue", status_code=200, summary="把发送失败的通知放回发送队列")
    async def requeue(self, tenant: NamedDependency[TenantContext], actor: NamedDependency[Principal],
                      notification_id: PathId) -> NotificationOut:
        return await requeue(tenant.id, actor.id, actor.grants, notification_id)


class TemplateController(Controller):
    path = "/admin/templates"
    tags = ["staff"]
    guards = [guard("notifications.templates")]
    dependencies = {"principal": Provide(provide_principal), "actor": Provide(provide_staff)}

    @get("/", summary="通知模板（本租户自定义的优先于省份插件的）")
    async def list(self, tenant: NamedDependency[TenantContext], actor: NamedDependency[Principal]) -> list[TemplateOut]:
        return await templates.list_templates(tenant)

    @post("/{event:str}/{channel:str}/preview", status_code=200, summary="用示例数据预览模板")
    async def preview(self, tenant: NamedDependency[TenantContext], actor: NamedDependency[Principal],
                      event: FromPath[str], channel: FromPath[str], data: JSONBody[TemplateIn]) -> Rendered:
        return await templates.check_template(event, channel, data.subject, data.body)

    @put("/{event:str}/{channel:str}", summary="保存自定义模板（保存前校验语法、变量与沙箱）")
    async def save(self, tenant: NamedDependency[TenantContext], actor: NamedDependency[Principal],
                   event: FromPath[str], channel: FromPath[str], data: JSONBody[TemplateIn]) -> TemplateOut:
        return await templates.save_override(tenant, actor.id, event, channel, data.subject, data.body)

    @delete("/{event:str}/{channel:str}", status_code=204, summary="恢复为省份插件的模板")
    async def revert(self, tenant: NamedDependency[TenantContext], actor: NamedDependency[Principal],
                     event: FromPath[str], channel: FromPath[str]) -> None:
        await templates.delete_override(tenant, event, channel)
