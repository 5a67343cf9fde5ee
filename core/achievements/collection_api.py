"""Information collection at a service window over HTTP: staff enter an outcome for a learner
of their subtree; the learner objects to one (异议); the collecting unit's admins decide."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody, QueryParameter

from core.achievements import collection
from core.achievements.collection import CollectIn, DisputeDecisionIn, DisputeIn
from core.achievements.schemas import AchievementOut, DisputeOut, DisputePage
from core.ids import Cursor, PathId
from core.security.auth import provide_learner, provide_principal, provide_staff
from core.security.principal import Principal
from core.tenancy.context import TenantContext
from core.web.security import site_link


class CollectionController(Controller):
    path = "/admin"
    tags = ["staff"]
    dependencies = {"principal": Provide(provide_principal), "actor": Provide(provide_staff)}

    @post("/learners/{account_id:int}/achievements", status_code=201,
          summary="窗口信息采集：为本单位及下级单位的学习者录入一条学习成果（记为本单位采集，通知学习者）")
    async def collect(self, request: Request, tenant: NamedDependency[TenantContext],
                      actor: NamedDependency[Principal], account_id: PathId,
                      data: JSONBody[CollectIn]) -> AchievementOut:
        return await collection.collect(tenant, actor, account_id, data, site_link(request, tenant, "/login"))

    @get("/disputes", summary="学习者对本单位及下级单位采集成果提出的异议（最新在前）")
    async def disputes(self, tenant: NamedDependency[TenantContext], actor: NamedDependency[Principal],
                       status: Annotated[str | None, QueryParameter(max_length=16)] = None, cursor: Cursor = None,
                       limit: Annotated[int, QueryParameter(ge=1, le=100)] = 50) -> DisputePage:
        items, more = await collection.staff_disputes(tenant, actor, status, cursor, limit)
        return DisputePage(items=items, next_cursor=more)

    @post("/disputes/{dispute_id:int}/decision", status_code=200,
          summary="处理成果异议：uphold 异议成立（成果作废）或 dismiss 维持原录入")
    async def decide(self, tenant: NamedDependency[TenantContext], actor: NamedDependency[Principal],
                     dispute_id: PathId, data: JSONBody[DisputeDecisionIn]) -> DisputeOut:
        return await collection.decide_dispute(tenant, actor, dispute_id, data)


class MyDisputesController(Controller):
    path = "/me/achievements"
    tags = ["learner"]
    dependencies = {"principal": Provide(provide_principal), "learner": Provide(provide_learner)}

    @post("/{achievement_id:int}/dispute", status_code=201,
          summary="对受理点采集录入的成果提出异议（由采集单位处理）")
    async def dispute(self, tenant: NamedDependency[TenantContext], learner: NamedDependency[Principal],
                      achievement_id: PathId, data: JSONBody[DisputeIn]) -> DisputeOut:
        return await collection.open_dispute(tenant, learner.id, achievement_id, data)
