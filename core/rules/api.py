"""Conversion rules over HTTP: public search (规则查询) by source or target, a rule's version
history, management by tenant admins with an impact preview, and the learner's what-if. (The
rules one of the learner's achievements can use, explained: ``core.achievements.api``.)"""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException
from litestar.params import JSONBody, QueryParameter

from core.db import one
from core.ids import Cursor, PathId, QueryId
from core.rules import explain as explained
from core.rules import impact, service
from core.rules.schemas import (
    ImpactIn,
    ImpactOut,
    RuleIn,
    RuleOut,
    RulePage,
    RulePatch,
    RuleVersionOut,
    WhatIfIn,
    WhatIfOut,
)
from core.rules.tables import Rule
from core.security.auth import provide_learner, provide_principal, provide_staff
from core.security.permissions import guard
from core.security.principal import Principal
from core.tenancy.context import TenantContext

STAFF = {"principal": Provide(provide_principal), "actor": Provide(provide_staff)}
MANAGE = [guard("rules.manage")]


async def _is_tenant_admin(request: Request, tenant: TenantContext) -> bool:
    """Whether the request carries a tenant administrator's bearer token (public reads of the
    history see published rules only; administrators see retired ones too)."""
    if not request.headers.get("authorization"):
        return False
    try:
        principal = await provide_principal(request, tenant)
    except Exception:
        return False
    return principal is not None and principal.has_role("tenant_admin")


class RuleController(Controller):
    path = "/rules"
    tags = ["rules"]

    @get("/", summary="规则查询：已发布且在有效期内的转换规则", opt={"public_read": True})
    async def search(
        self, tenant: NamedDependency[TenantContext], q: Annotated[str | None, QueryParameter(max_length=100)] = None,
        catalog_entry_id: QueryId = None,
        target_catalog_entry_id: QueryId = None,
        target_entry_id: QueryId = None,
        cursor: Cursor = None,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
    ) -> RulePage:
        """``catalog_entry_id``: rules taking that entry as a source; ``target_catalog_entry_id``
        (API.md's name; ``target_entry_id`` too): rules that give it (要获得某课程的学分，可以用哪些成果？)."""
        return await service.search_rules(tenant.id, q=q, catalog_entry_id=catalog_entry_id, cursor=cursor, limit=limit,
                                          target_entry_id=target_catalog_entry_id or target_entry_id)

    @get("/{rule_id:int}", opt={"public_read": True})
    async def one(self, tenant: NamedDependency[TenantContext], rule_id: PathId) -> RuleOut:
        rule = await service.get_rule(tenant.id, rule_id)
        if rule is None:
            raise NotFoundException("未找到该规则")
        return rule

    @post("/", dependencies=STAFF, guards=MANAGE, summary="发布转换规则（管理中心）")
    async def create(self, tenant: NamedDependency[TenantContext], actor: NamedDependency[Principal],
                     data: JSONBody[RuleIn]) -> RuleOut:
        async with Rule._meta.db.transaction():
            rule_id = await service.create_rule(tenant.id, data, tenant.hooks)
        return one(await service.get_rule(tenant.id, rule_id))

    @patch("/{rule_id:int}", dependencies=STAFF, guards=MANAGE,
           summary="修改规则：改说明、学分、比例或条件即发布新版本（旧版本于前一日失效）；只改日期则调整当前版本")
    async def update(self, tenant: NamedDependency[TenantContext], actor: NamedDependency[Principal],
                     rule_id: PathId, data: JSONBody[RulePatch]) -> RuleOut:
        return await service.update_rule(tenant.id, rule_id, data, tenant.hooks)

    @get("/{rule_id:int}/versions", opt={"public_read": True}, summary="规则的版本历史（已发布的规则公开）")
    async def versions(self, tenant: NamedDependency[TenantContext], request: Request, rule_id: PathId) -> list[RuleVersionOut]:
        versions = await service.rule_versions(tenant.id, rule_id, public=not await _is_tenant_admin(request, tenant))
        if versions is None:
            raise NotFoundException("未找到该规则")
        return versions

    @post("/impact", status_code=200, dependencies=STAFF, guards=MANAGE, summary="发布、修改或停用规则前的影响预览")
    async def impact(self, tenant: NamedDependency[TenantContext], actor: NamedDependency[Principal],
                     data: JSONBody[ImpactIn]) -> ImpactOut:
        return await impact.preview(tenant.id, tenant.hooks, data)

    @post("/{rule_id:int}/retire", status_code=200, dependencies=STAFF, guards=MANAGE,
          summary="停用规则（已转换的成果仍关联该规则）")
    async def retire(self, tenant: NamedDependency[TenantContext], actor: NamedDependency[Principal],
                     rule_id: PathId) -> RuleOut:
        return await service.retire_rule(tenant.id, rule_id)


class WhatIfController(Controller):
    path = "/me/what-if"
    tags = ["learner"]
    dependencies = {"principal": Provide(provide_principal), "learner": Provide(provide_learner)}

    @post("/", status_code=200, summary="假设取得：选择尚未取得的名录成果，查看可开启的规则与仍缺少的条件")
    async def what_if(self, tenant: NamedDependency[TenantContext], learner: NamedDependency[Principal],
                      data: JSONBody[WhatIfIn]) -> WhatIfOut:
        opens, missing = await explained.what_if(tenant.id, tenant.hooks, learner.id, list(dict.fromkeys(data.catalog_entry_ids)))
        return WhatIfOut(opens=opens, still_missing=missing)
