"""The audit log over HTTP: admins read it (JSON, CSV, JSON lines), a learner reads who among
the staff looked at their personal data."""

from __future__ import annotations

from typing import Annotated, Literal

from litestar import Controller, Request, get
from litestar.di import NamedDependency, Provide
from litestar.params import QueryParameter

from core.accounts import audit
from core.clock import utcnow
from core.ids import Cursor
from core.security.auth import provide_learner, provide_principal, provide_staff
from core.security.principal import Principal
from core.tenancy.context import TenantContext
from core.web.downloads import download
from core.web.security import client_address

Text = Annotated[str | None, QueryParameter(max_length=128)]
Day = Annotated[str | None, QueryParameter(max_length=10)]


class AuditController(Controller):
    path = "/admin/audit"
    tags = ["staff"]
    dependencies = {"principal": Provide(provide_principal), "actor": Provide(provide_staff)}

    @get("/", summary="审计日志：谁在何时查看了什么、原因（管理中心看全部，单位管理员看本单位及下级；format=csv|jsonl 导出）")
    async def log(
        self, request: Request, tenant: NamedDependency[TenantContext], actor: NamedDependency[Principal],
        actor_filter: Annotated[str | None, QueryParameter(name="actor", max_length=128, description="工作人员用户名")] = None,
        target: Annotated[str | None, QueryParameter(max_length=128, description="account:{id} 或用户名（不接受证件号码）")] = None,
        action: Annotated[str | None, QueryParameter(max_length=64)] = None,
        date_from: Annotated[str | None, QueryParameter(name="from", max_length=10, description="开始日期 YYYY-MM-DD（含）")] = None,
        date_to: Annotated[str | None, QueryParameter(name="to", max_length=10, description="结束日期 YYYY-MM-DD（含）")] = None,
        cursor: Cursor = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50,
        fmt: Annotated[Literal["json", "csv", "jsonl"], QueryParameter(name="format")] = "json",
    ) -> audit.AuditPage:
        filters = audit.AuditFilter(actor=actor_filter, target=target, action=action, date_from=date_from, date_to=date_to)
        if fmt == "json":
            return await audit.audit_log(tenant.id, actor, filters, cursor=int(cursor) if cursor else None, limit=limit)
        content = await audit.export(tenant.id, actor, filters, fmt, client_address(request))
        name = f"审计日志-{tenant.slug}-{utcnow():%Y%m%d}.{fmt}"
        if fmt == "csv":
            return download(content, "text/csv; charset=utf-8", name)
        return download(content, "application/jsonl; charset=utf-8", name)


class MyAccessLogController(Controller):
    path = "/me/access-log"
    tags = ["learner"]
    dependencies = {"principal": Provide(provide_principal), "learner": Provide(provide_learner)}

    @get("/", summary="谁查看过我的完整证件号码、身份证扫描件和材料（显示单位与角色）")
    async def views(self, tenant: NamedDependency[TenantContext], learner: NamedDependency[Principal],
                    cursor: Cursor = None, limit: Annotated[int, QueryParameter(ge=1, le=100)] = 20) -> audit.StaffViewPage:
        return await audit.views_of_me(tenant.id, learner.id, cursor=int(cursor) if cursor else None, limit=limit,
                                       role_labels=tenant.hooks.wording.role_labels)
