"""The service network as a public directory (where is my nearest service point)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, post
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from core.hierarchy import service
from core.hierarchy.schemas import OrgUnitDetail, OrgUnitIn, OrgUnitPage
from core.hierarchy.tables import OrgUnit
from core.security.auth import provide_principal, provide_staff
from core.security.permissions import may
from core.security.principal import Principal
from core.tenancy.context import TenantContext


class OrgUnitController(Controller):
    path = "/org/units"
    tags = ["organisation"]

    @get("/", summary="组织机构目录：无 parent 时为根单位；q 按名称或依托单位搜索", opt={"public_read": True})
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

    @post("/", dependencies={"principal": Provide(provide_principal), "actor": Provide(provide_staff)},
          summary="新增下级单位（如受理点），由上级单位的管理员设立")
    async def create_unit(self, tenant: NamedDependency[TenantContext], actor: NamedDependency[Principal],
                          data: JSONBody[OrgUnitIn]) -> OrgUnitDetail:
        parent = await service.get_unit(tenant.id, data.parent_code, tenant.hooks.org_levels)
        if parent is None or not may(actor, "accounts.manage", service_path(parent)):
            raise NotFoundException(f"未找到单位 {data.parent_code}")
        async with OrgUnit._meta.db.transaction():
            return await service.create_unit(
                tenant.id, tenant.hooks.org_levels, code=data.code, level=data.level, name=data.name,
                parent_code=data.parent_code, host_institution=data.host_institution, address=data.address,
                phone=data.phone)

    @get("/{code:str}", summary="一个单位，含上级链与下级数量", opt={"public_read": True})
    async def get_unit(self, tenant: NamedDependency[TenantContext], code: FromPath[str]) -> OrgUnitDetail:
        unit = await service.get_unit(tenant.id, code, tenant.hooks.org_levels)
        if unit is None:
            raise NotFoundException(f"未找到单位 {code}")
        return unit


def service_path(unit: OrgUnitDetail) -> str:
    """The materialized path of a unit from its ancestors."""
    return "/" + "".join(f"{a.code}/" for a in unit.ancestors) + f"{unit.code}/"
