"""Conversion rules over HTTP: public search (规则查询), management by tenant admins, and the
rules one of the learner's achievements can use."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import JSONBody, QueryParameter

from core.accounts.api import provide_principal, provide_staff
from core.accounts.login import Principal
from core.achievements.api import provide_learner
from core.achievements.tables import Achievement
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
from core.tenancy.service import TenantContext

STAFF = {"principal": Provide(provide_principal), "actor": Provide(provide_staff)}


def _tenant_admin(actor: Principal) -> None:
    if not actor.has_role("tenant_admin"):
        raise PermissionDeniedException("仅限管理中心管理转换规则")


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
        target_entry_id: QueryId = None,
        cursor: Cursor = None,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
    ) -> RulePage:
        """``catalog_entry_id``: rules taking that entry as a source; ``target_entry_id``: rules
        that give it (要获得某课程的学分，可以用哪些成果？)."""
        return await service.search_rules(tenant.id, q=q, catalog_entry_id=catalog_entry_id, cursor=cursor, limit=limit,
                                          target_entry_id=target_entry_id)

    @get("/{rule_id:int}", opt={"public_read": True})
    async def one(self, tenant: NamedDependency[TenantContext], rule_id: PathId) -> RuleOut:
        rule = await service.get_rule(tenant.id, rule_id)
        if rule is None:
            raise NotFoundException("未找到该规则")
        return rule

    @post("/", dependencies=STAFF, summary="发布转换规则（管理中心）")
    async def create(self, tenant: NamedDependency[TenantContext], actor: NamedDependency[Principal],
                     data: JSONBody[RuleIn]) -> RuleOut:
        _tenant_admin(actor)
        async with Achievement._meta.db.transaction():
            rule_id = await service.create_rule(tenant.id, data, tenant.hooks)
        return one(await service.get_rule(tenant.id, rule_id))

    @patch("/{rule_id:int}", dependencies=STAFF,
           summary="修改规则：改说明、学分、比例或条件即发布新版本（旧版本于前一日失效）；只改日期则调整当前版本")
    async def update(self, tenant: NamedDependency[TenantContext], actor: NamedDependency[Principal],
                     rule_id: PathId, data: JSONBody[RulePatch]) -> RuleOut:
        _tenant_admin(actor)
        return await service.update_rule(tenant.id, rule_id, data, tenant.hooks)

    @get("/{rule_id:int}/versions", opt={"public_read": True}, summary="规则的版本历史（已发布的规则公开）")
    async def versions(self, tenant: NamedDependency[TenantContext], request: Request, rule_id: PathId) -> list[RuleVersionOut]:
        versions = await service.rule_versions(tenant.id, rule_id, public=not await _is_tenant_admin(request, tenant))
        if versions is None:
            raise NotFoundException("未找到该规则")
        return versions

    @post("/impact", status_code=200, dependencies=STAFF, summary="发布、修改或停用规则前的影响预览")
    async def impact(self, tenant: NamedDependency[TenantContext], actor: NamedDependency[Principal],
                     data: JSONBody[ImpactIn]) -> ImpactOut:
        _tenant_admin(actor)
        return await impact.preview(tenant.id, tenant.hooks, data)

    @post("/{rule_id:int}/retire", status_code=200, dependencies=STAFF, summary="停用规则（已转换的成果仍关联该规则）")
    async def retire(self, tenant: NamedDependency[TenantContext], actor: NamedDependency[Principal],
                     rule_id: PathId) -> RuleOut:
        _tenant_admin(actor)
        return await service.retire_rule(tenant.id, rule_id)


class AchievementRulesController(Controller):
    path = "/me/achievements/{achievement_id:int}/rules"
    tags = ["learner"]
    dependencies = {"principal": Provide(provide_principal), "learner": Provide(provide_learner)}

    @get("/", summary="该成果可使用的转换规则（used 表示已使用）；explain=1 时列出与其有共同源成果或目标成果的"
                      "所有规则，并说明适用原因或缺少的条件")
    async def rules(self, tenant: NamedDependency[TenantContext], learner: NamedDependency[Principal],
                    achievement_id: PathId, explain: Annotated[int, QueryParameter(ge=0, le=1)] = 0) -> list[RuleOut]:
        row = await Achievement.select().where(Achievement.id == achievement_id, Achievement.tenant_id == tenant.id,
                                               Achievement.learner_id == learner.id).first()
        if row is None:
            raise NotFoundException("未找到该成果")
        if explain:
            return await explained.explain_for_achievement(tenant.id, tenant.hooks, learner.id, row)
        return await service.rules_for_achievement(tenant.id, row)


class WhatIfController(Controller):
    path = "/me/what-if"
    tags = ["learner"]
    dependencies = {"principal": Provide(provide_principal), "learner": Provide(provide_learner)}

    @post("/", status_code=200, summary="假设取得：选择尚未取得的名录成果，查看可开启的规则与仍缺少的条件")
    async def what_if(self, tenant: NamedDependency[TenantContext], learner: NamedDependency[Principal],
                      data: JSONBody[WhatIfIn]) -> WhatIfOut:
        opens, missing = await explained.what_if(tenant.id, tenant.hooks, learner.id, list(dict.fromkeys(data.catalog_entry_ids)))
        return WhatIfOut(opens=opens, still_missing=missing)
