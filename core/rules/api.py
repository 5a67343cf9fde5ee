"""Conversion rules over HTTP: public search (规则查询), management by tenant admins, and the
rules one of the learner's achievements can use."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get, patch, post
from litestar.di import NamedDependency, Provide
from litestar.exceptions import NotFoundException
from litestar.params import JSONBody, QueryParameter

from core.db import one
from core.ids import Cursor, PathId, QueryId
from core.rules import service
from core.rules.schemas import RuleIn, RuleOut, RulePage, RulePatch
from core.rules.tables import Rule
from core.security.auth import provide_principal, provide_staff
from core.security.permissions import guard
from core.security.principal import Principal
from core.tenancy.context import TenantContext

STAFF = {"principal": Provide(provide_principal), "actor": Provide(provide_staff)}
MANAGE = [guard("rules.manage")]


class RuleController(Controller):
    path = "/rules"
    tags = ["rules"]

    @get("/", summary="规则查询：已发布且在有效期内的转换规则", opt={"public_read": True})
    async def search(
        self, tenant: NamedDependency[TenantContext], q: Annotated[str | None, QueryParameter(max_length=100)] = None,
        catalog_entry_id: QueryId = None,
        cursor: Cursor = None,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
    ) -> RulePage:
        return await service.search_rules(tenant.id, q=q, catalog_entry_id=catalog_entry_id, cursor=cursor, limit=limit)

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
            rule_id = await service.create_rule(tenant.id, data)
        return one(await service.get_rule(tenant.id, rule_id))

    @patch("/{rule_id:int}", dependencies=STAFF, guards=MANAGE, summary="修改规则说明、有效期；未被使用时可改学分与比例")
    async def update(self, tenant: NamedDependency[TenantContext], actor: NamedDependency[Principal],
                     rule_id: PathId, data: JSONBody[RulePatch]) -> RuleOut:
        return await service.update_rule(tenant.id, rule_id, data, actor.as_actor())

    @post("/{rule_id:int}/retire", status_code=200, dependencies=STAFF, guards=MANAGE,
          summary="停用规则（已转换的成果仍关联该规则）")
    async def retire(self, tenant: NamedDependency[TenantContext], actor: NamedDependency[Principal],
                     rule_id: PathId) -> RuleOut:
        return await service.retire_rule(tenant.id, rule_id)
