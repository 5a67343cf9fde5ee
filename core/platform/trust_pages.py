"""信任名单 in the national console (``/platform/trust``): per tenant, the issuers whose records
it accepts — other tenants of the platform, outside Open Badges 3.0 issuers by ``did:web`` DID —
added and removed by national administrators, over the service the platform API calls
(``core.certificates.trust``). Mounted beside the console's own pages (``core.routes``)."""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template

from core.certificates import trust
from core.certificates.trust import TrustEntryIn
from core.errors import DomainError
from core.ids import PathId
from core.platform.pages import PlatformViewer, platform_page, platform_redirect, provide_platform_admin
from core.tenancy.context import TenantContext
from core.web.pages import FormData
from core.web.portal import errors_of


async def _tenant(request: Request, slug: str) -> TenantContext:
    tenant = await request.app.state.tenants.get(slug)
    if tenant is None:
        raise NotFoundException(f"未找到租户 {slug}")
    return tenant


class TrustPages(Controller):
    include_in_schema = False
    dependencies = {"admin": Provide(provide_platform_admin)}

    @get("/trust")
    async def index(self, request: Request, admin: NamedDependency[PlatformViewer]) -> Template:
        """Every tenant and the issuers it accepts."""
        registry, base_url = request.app.state.tenants, request.app.state.settings.base_url
        await registry.reload()
        tenants = list(registry.by_slug.values())
        lists = {t.slug: await trust.entries(t.id, base_url, registry) for t in tenants}
        return platform_page("certificates/platform_trust_index.html", request, admin, title="信任名单",
                             tenants=tenants, lists=lists)

    @get("/tenants/{slug:str}/trust")
    async def tenant(self, request: Request, admin: NamedDependency[PlatformViewer], slug: FromPath[str]) -> Template:
        return await self._page(request, admin, await _tenant(request, slug))

    @post("/tenants/{slug:str}/trust", status_code=200)
    async def add(self, request: Request, admin: NamedDependency[PlatformViewer], slug: FromPath[str],
                  data: FormData) -> Response:
        tenant = await _tenant(request, slug)
        form = {k: str(data.get(k) or "").strip() for k in ("issuer_tenant", "did", "name")}
        try:
            added = await trust.add(tenant, TrustEntryIn(issuer_tenant=form["issuer_tenant"] or None,
                                                         did=form["did"] or None, name=form["name"]),
                                    request.app.state.settings.base_url, request.app.state.tenants, admin.id)
        except DomainError as exc:
            return await self._page(request, admin, tenant, form=form, errors=errors_of(exc), status=exc.status)
        return platform_redirect(f"tenants/{slug}/trust", done=f"已将“{added.name}”加入{tenant.name}的信任名单")

    @post("/tenants/{slug:str}/trust/{trust_id:int}/remove", status_code=303)
    async def remove(self, request: Request, admin: NamedDependency[PlatformViewer], slug: FromPath[str],
                     trust_id: PathId) -> Response:
        tenant = await _tenant(request, slug)
        await trust.remove(tenant.id, trust_id)
        return platform_redirect(f"tenants/{slug}/trust", done="已移出信任名单")

    async def _page(self, request: Request, admin: PlatformViewer, tenant: TenantContext, *, form: dict | None = None,
                    errors: dict | None = None, status: int = 200) -> Template:
        registry = request.app.state.tenants
        entries = await trust.entries(tenant.id, request.app.state.settings.base_url, registry)
        listed = {e.issuer_tenant for e in entries if e.issuer_tenant}
        await registry.reload()
        choices = [(t.slug, f"{t.name}（{t.slug}）") for t in registry.by_slug.values()
                   if t.id != tenant.id and t.slug not in listed]
        return platform_page("certificates/platform_trust.html", request, admin, status=status, title=f"{tenant.name} · 信任名单",
                             tenant=tenant, entries=entries, choices=choices, form=form or {}, errors=errors or {})
