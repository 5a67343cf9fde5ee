"""The trust registry over the platform API: per tenant, the issuers it accepts records from
(``/api/v1/platform/tenants/{slug}/trust``), kept by national administrators."""

from __future__ import annotations

from litestar import Controller, Request, delete, get, post
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, JSONBody

from core.certificates import trust
from core.certificates.trust import TrustEntryIn, TrustEntryOut, TrustPage
from core.ids import PathId
from core.platform.api import require_platform_admin
from core.tenancy.context import TenantContext


async def tenant_named(request: Request, slug: str) -> TenantContext:
    tenant = await request.app.state.tenants.get(slug)
    if tenant is None:
        raise NotFoundException(f"未找到租户 {slug}")
    return tenant


class TrustController(Controller):
    path = "/tenants/{slug:str}/trust"
    dependencies = {"admin_id": Provide(require_platform_admin)}
    tags = ["platform"]

    @get("/", summary="该学分银行信任的签发方（接受其学习档案导入）：平台上的其他学分银行、外部 OB 3.0 签发方（did:web）")
    async def list(self, request: Request, admin_id: NamedDependency[int], slug: FromPath[str]) -> TrustPage:
        tenant = await tenant_named(request, slug)
        return TrustPage(items=await trust.entries(tenant.id, request.app.state.settings.base_url,
                                                   request.app.state.tenants))

    @post("/", status_code=201, summary="加入信任名单：issuer_tenant（平台上的学分银行）或 did + name（外部签发方）")
    async def add(self, request: Request, admin_id: NamedDependency[int], slug: FromPath[str],
                  data: JSONBody[TrustEntryIn]) -> TrustEntryOut:
        tenant = await tenant_named(request, slug)
        return await trust.add(tenant, data, request.app.state.settings.base_url, request.app.state.tenants, admin_id)

    @delete("/{trust_id:int}", status_code=204, summary="移出信任名单（此后不再接受其签发的档案；已导入的成果保留）")
    async def remove(self, request: Request, admin_id: NamedDependency[int], slug: FromPath[str],
                     trust_id: PathId) -> None:
        tenant = await tenant_named(request, slug)
        await trust.remove(tenant.id, trust_id)
