"""Platform administration for national administrators."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from litestar import Controller, Request, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotAuthorizedException, NotFoundException
from litestar.params import FromPath, JSONBody, QueryParameter

from core.clock import utcnow
from core.ids import Cursor
from core.platform import audit as trail
from core.platform import service
from core.security.auth import bearer_token
from core.security.tokens import resolve_token, revoke_token
from core.tenancy import service as tenancy
from core.tenancy.schemas import TenantCreate, TenantOut, TenantPatch
from core.web.security import client_address


class LoginIn(msgspec.Struct):
    username: str
    password: str


class TokenOut(msgspec.Struct):
    access_token: str
    token_type: str = "bearer"


class PluginOut(msgspec.Struct):
    name: str
    title: str
    version: str
    error: str = ""


class TenantList(msgspec.Struct):
    items: list[TenantOut]
    next_cursor: str | None = None


async def require_platform_admin(request: Request) -> int:
    token = bearer_token(request)
    subject = await resolve_token(token) if token else None
    if subject is None or subject.subject != "platform":
        raise NotAuthorizedException("请先以平台管理员身份登录")
    return subject.subject_id


class PlatformAuthController(Controller):
    path = "/auth"
    tags = ["platform"]

    @post("/login", status_code=200, summary="平台管理员登录")
    async def login(self, request: Request, data: JSONBody[LoginIn]) -> TokenOut:
        token = await service.login(data.username, data.password, request.app.state.settings.token_hours,
                                    limiter=request.app.state.login_limiter,
                                    client=client_address(request))
        return TokenOut(access_token=token)

    @post("/logout", status_code=204, dependencies={"admin_id": Provide(require_platform_admin)})
    async def logout(self, request: Request, admin_id: NamedDependency[int]) -> None:
        await revoke_token(bearer_token(request) or "")


class PlatformController(Controller):
    dependencies = {"admin_id": Provide(require_platform_admin)}
    tags = ["platform"]

    @get("/plugins", summary="已安装的省份插件")
    async def plugins(self, request: Request, admin_id: NamedDependency[int]) -> list[PluginOut]:
        return [PluginOut(**p) for p in request.app.state.tenants.plugins.describe()]

    @get("/stats", summary="各租户的学习者、成果和各状态申请数量")
    async def stats(self, admin_id: NamedDependency[int]) -> list[dict]:
        return await service.tenant_figures()

    @get("/tenants", summary="全部租户")
    async def list_tenants(self, request: Request, admin_id: NamedDependency[int]) -> TenantList:
        return TenantList(items=await tenancy.list_tenants(request.app.state.tenants))

    @post("/tenants", summary="新建租户：插件已安装即可立刻服务，无需重启")
    async def create_tenant(self, request: Request, admin_id: NamedDependency[int], data: JSONBody[TenantCreate]) -> TenantOut:
        from core.platform.onboarding import record
        from core.platform.onboarding_api import admin_ref

        created = await tenancy.create_tenant(data, request.app.state.tenants)
        await record(await admin_ref(admin_id), "platform.tenant.create", created.slug, f"{created.name}（{created.plugin}）",
                     client_address(request))
        return created

    @get("/tenants/{slug:str}")
    async def get_tenant(self, request: Request, admin_id: NamedDependency[int], slug: FromPath[str]) -> TenantOut:
        tenant = await tenancy.get_tenant(slug, request.app.state.tenants)
        if tenant is None:
            raise NotFoundException(f"未找到租户 {slug}")
        return tenant

    @patch("/tenants/{slug:str}", summary="修改名称、品牌、域名或状态（active / suspended）")
    async def update_tenant(self, request: Request, admin_id: NamedDependency[int], slug: FromPath[str], data: JSONBody[TenantPatch]) -> TenantOut:
        from core.platform.onboarding import record, status_change
        from core.platform.onboarding_api import admin_ref

        tenant = await tenancy.update_tenant(slug, data, request.app.state.tenants)
        if tenant is None:
            raise NotFoundException(f"未找到租户 {slug}")
        changed = [k for k, v in msgspec.structs.asdict(data).items() if v is not None]
        await record(await admin_ref(admin_id), status_change(data.status) or "platform.tenant.update", slug,
                     "、".join(changed), client_address(request))
        return tenant

    @get("/audit/trail", summary="全平台审计日志（哈希链）：各租户的哈希链和平台自身的操作（format=csv|jsonl 导出，jsonl 附签名检查点，可离线校验）")
    async def audit_log(
        self, request: Request, admin_id: NamedDependency[int],
        tenant: Annotated[str | None, QueryParameter(max_length=64, description="租户 slug；platform 为平台自身")] = None,
        actor: Annotated[str | None, QueryParameter(max_length=128, description="平台管理员或工作人员用户名")] = None,
        action: Annotated[str | None, QueryParameter(max_length=64)] = None,
        target: Annotated[str | None, QueryParameter(max_length=128, description="对象，如 tenant:3")] = None,
        date_from: Annotated[str | None, QueryParameter(name="from", max_length=10, description="开始日期 YYYY-MM-DD（含）")] = None,
        date_to: Annotated[str | None, QueryParameter(name="to", max_length=10, description="结束日期 YYYY-MM-DD（含）")] = None,
        cursor: Cursor = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50,
        fmt: Annotated[Literal["json", "csv", "jsonl"], QueryParameter(name="format")] = "json",
    ) -> trail.PlatformAuditPage:
        filters = trail.PlatformAuditFilter(tenant=tenant, actor=actor, action=action, target=target,
                                            date_from=date_from, date_to=date_to)
        if fmt == "json":
            return await trail.platform_log(filters, cursor=int(cursor) if cursor else None, limit=limit)
        content = await trail.export(admin_id, filters, fmt, client_address(request))
        name = f"审计日志-全平台-{utcnow():%Y%m%d}.{fmt}"
        if fmt == "csv":
            return trail.download(content, "text/csv; charset=utf-8", name)  # type: ignore[return-value]
        return trail.download(content, "application/jsonl; charset=utf-8", name)  # type: ignore[return-value]
