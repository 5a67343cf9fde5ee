"""The catalog over HTTP: public search, entries by id, creation by tenant admins."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException
from litestar.params import JSONBody, QueryParameter

from core.catalog import service
from core.catalog.schemas import CatalogEntryIn, CatalogEntryOut, CatalogPage
from core.ids import Cursor, PathId
from core.security.auth import provide_principal, provide_staff
from core.security.permissions import guard
from core.security.principal import Principal
from core.tenancy.context import TenantContext

Text = Annotated[str | None, QueryParameter(max_length=100)]


class CatalogController(Controller):
    path = "/catalog"
    tags = ["catalog"]

    @get("/", summary="名录查询：按项目名称、成果名称、资历机构名称（包含即可）", opt={"public_read": True})
    async def search(
        self, tenant: NamedDependency[TenantContext], q: Text = None, category: Text = None, subtype: Text = None,
        institution: Text = None, cursor: Cursor = None,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
    ) -> CatalogPage:
        return await service.search(tenant.id, q=q, category=category, subtype=subtype, institution=institution,
                                    cursor=cursor, limit=limit)

    @get("/{entry_id:int}", opt={"public_read": True})
    async def entry(self, tenant: NamedDependency[TenantContext], entry_id: PathId) -> CatalogEntryOut:
        found = await service.get_entry(tenant.id, entry_id)
        if found is None:
            raise NotFoundException("未找到该名录条目")
        return found

    @post("/", dependencies={"principal": Provide(provide_principal), "actor": Provide(provide_staff)},
          guards=[guard("catalog.manage")], summary="新增名录条目（管理中心）")
    async def create(self, tenant: NamedDependency[TenantContext], actor: NamedDependency[Principal],
                     data: JSONBody[CatalogEntryIn]) -> CatalogEntryOut:
        return await service.create_entry(tenant.id, tenant.hooks, data)
