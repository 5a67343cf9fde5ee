"""The service network as a public directory (where is my nearest service point)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.exceptions import NotFoundException
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, QueryParameter

from core.hierarchy import service
from core.hierarchy.schemas import OrgUnitDetail, OrgUnitPage
from core.tenancy.service import TenantContext


class OrgUnitController(Controller):
    path = "/org/units"
    tags = ["organisation"]

    @get("/", summary="组织机构目录：无 parent 时为根单位；q 按名称或依托单位搜索")
    async def list_units(
        self,
        tenant: NamedDependency[TenantContext],
        parent: FromQuery[str | None] = None,
        q: Annotated[str | None, QueryParameter(max_length=50)] = None,
        level: FromQuery[str | None] = None,
        cursor: FromQuery[str | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
    ) -> OrgUnitPage:
        page = await service.list_units(
            tenant.id, tenant.hooks.org_levels, parent_code=parent, q=q, level=level,
            cursor=cursor, limit=limit,
        )
        if page is None:
            raise NotFoundException(f"未找到单位 {parent}")
        return page

    @get("/{code:str}", summary="一个单位，含上级链与下级数量")
    async def get_unit(self, tenant: NamedDependency[TenantContext], code: FromPath[str]) -> OrgUnitDetail:
        unit = await service.get_unit(tenant.id, code, tenant.hooks.org_levels)
        if unit is None:
            raise NotFoundException(f"未找到单位 {code}")
        return unit
