"""The learner's copy of their personal information over HTTP."""

from __future__ import annotations

from urllib.parse import quote

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency, Provide

from core.clock import utcnow
from core.privacy.export import personal_data
from core.security.auth import provide_learner, provide_principal
from core.security.principal import Principal
from core.tenancy.context import TenantContext
from core.web.portal import Portal
from core.web.security import client_address


def zip_download(content: bytes, tenant: TenantContext) -> Response[bytes]:
    name = f"我的个人信息-{tenant.slug}-{utcnow():%Y%m%d}.zip"
    return Response(content, media_type="application/zip", headers={
        "Content-Disposition": f"attachment; filename=\"personal-data.zip\"; filename*=UTF-8''{quote(name)}",
        "Cache-Control": "private, no-store"})


class MyDataController(Controller):
    path = "/me/personal-data"
    tags = ["learner"]
    dependencies = {"principal": Provide(provide_principal), "learner": Provide(provide_learner)}

    @get("/", summary="下载我的全部个人信息（ZIP：账户、成果与材料清单、申请与审核记录、收到的通知、查看记录）",
         response_description="application/zip")
    async def download(self, request: Request, tenant: NamedDependency[TenantContext],
                       learner: NamedDependency[Principal]) -> Response[bytes]:
        return zip_download(await personal_data(tenant, learner, client_address(request)), tenant)


class MyDataPages(Controller):
    """The portal's way to the same copy (the session cookie, not a bearer token)."""

    path = "/me/privacy/export"
    include_in_schema = False

    @get("/")
    async def export(self, request: Request, portal: NamedDependency[Portal]) -> Response[bytes]:
        learner = portal.require_learner()
        return zip_download(await personal_data(portal.tenant, learner, client_address(request)), portal.tenant)
