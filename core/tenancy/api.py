"""Resolving the request's tenant, and the tenant's public meta document."""

from __future__ import annotations

from litestar import Request, Response, get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException, ServiceUnavailableException
from litestar.params import FromPath

from core.tenancy.context import TenantContext
from core.tenancy.schemas import TenantMeta
from core.tenancy.service import TenantRegistry


async def resolve_tenant(request: Request, tenant_slug: FromPath[str]) -> TenantContext:
    """The tenant named in ``/t/{tenant_slug}``: 404 if unknown, 503 if suspended or broken."""
    registry: TenantRegistry = request.app.state.tenants
    tenant = await registry.get(tenant_slug)
    if tenant is None:
        if tenant_slug in registry.broken:
            raise ServiceUnavailableException(f"该学分银行暂时无法提供服务：{registry.broken[tenant_slug]}")
        raise NotFoundException(f"未找到学分银行 {tenant_slug}")
    if not tenant.active:
        message = registry.messages.get(tenant.slug)
        raise ServiceUnavailableException(f"{tenant.name}已暂停服务" + (f"：{message}" if message else ""))
    return tenant


@get("/meta", summary="租户信息：名称、品牌、成果分类、注册与密码规则、组织层级、资历框架")
async def tenant_meta(tenant: NamedDependency[TenantContext]) -> Response[TenantMeta]:
    # The ``TenantMeta`` encoded once per tenant load (it only changes when the tenant does),
    # sent as it is; the annotation is what the OpenAPI document shows.
    return Response(content=tenant.meta_json, media_type="application/json")  # type: ignore[arg-type]
