"""The tenant's public pages: FAQ and contact details, the qualifications framework, and the
service network as a directory (where is my nearest service point); and the platform's list of
hosted banks. In hierarchy, the highest package they show (tenancy stays a bottom layer)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import QueryParameter
from litestar.response import Template

from core.hierarchy import service as hierarchy
from core.tenancy.service import list_tenants
from core.web.portal import Portal, page

UNITS_PER_PAGE = 50
UnitCode = Annotated[str | None, QueryParameter(max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9.-]{0,63}$")]


class PublicPages(Controller):
    include_in_schema = False

    @get("/faq")
    async def faq(self, portal: NamedDependency[Portal]) -> Template:
        defaults = portal.tenant.hooks.tenant_defaults
        return page("tenancy/faq.html", portal, faq=defaults.faq, about=defaults.about, contact=portal.tenant.contact)

    @get("/framework")
    async def framework(self, portal: NamedDependency[Portal]) -> Template:
        levels = sorted(portal.tenant.hooks.framework_levels, key=lambda lvl: lvl.level)
        return page("tenancy/framework.html", portal, levels=levels)

    @get("/units", opt={"public_read": True})
    async def units(
        self, portal: NamedDependency[Portal],
        q: Annotated[str | None, QueryParameter(max_length=50)] = None,
        parent: UnitCode = None,
        cursor: UnitCode = None,
    ) -> Template:
        tenant, levels = portal.tenant, portal.tenant.hooks.org_levels
        q = (q or "").strip() or None
        unit = None
        if q is None and parent is None:
            roots = await hierarchy.list_units(tenant.id, levels, limit=2)
            if roots and len(roots.items) == 1:  # one centre at the top: open it at once
                parent = roots.items[0].code
        if q is None and parent is not None:
            unit = await hierarchy.get_unit(tenant.id, parent, levels)
            if unit is None:
                raise NotFoundException(f"未找到单位 {parent}")
        result = await hierarchy.list_units(tenant.id, levels, parent_code=None if q else parent, q=q,
                                            cursor=cursor, limit=UNITS_PER_PAGE)
        next_url = None
        if result and result.next_cursor:
            params = {k: v for k, v in (("q", q), ("parent", None if q else parent), ("cursor", result.next_cursor)) if v}
            next_url = portal.url("units") + "?" + urlencode(params)
        return page("tenancy/units.html", portal, q=q or "", unit=unit, units=result.items if result else [],
                    next_url=next_url, form={"q": q or ""})


# A small mark for the browser's tab (the platform's navy, a white 学).
FAVICON = ('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" '
           'fill="#1f3a5f"/><text x="16" y="23" font-size="20" text-anchor="middle" fill="#fff">学</text></svg>')


class HostedBanksPage(Controller):
    """``/``, the address the README gives: the credit banks this platform hosts, in Chinese,
    each linked to its portal (no tenant is known here, so no tenant's branding)."""

    include_in_schema = False

    @get("/")
    async def index(self, request: Request) -> Template:
        banks = [t for t in await list_tenants(request.app.state.tenants) if t.status == "active" and not t.error]
        return Template(template_name="tenancy/hosted.html", context={"banks": banks})

    @get(["/favicon.ico", "/favicon.svg"], cache=86400)
    async def favicon(self) -> Response:
        return Response(FAVICON, media_type="image/svg+xml")
