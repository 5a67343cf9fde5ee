"""Learning outcomes over HTTP: the learner's own (我的信息, 成果添加, evidence) and what
staff may open."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, delete, get, post
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body, JSONBody, QueryParameter

from core.achievements import service
from core.achievements.schemas import (
    AchievementIn,
    AchievementOut,
    AchievementPage,
    DuplicateClaim,
    EvidenceOut,
    Summary,
)
from core.achievements.tables import Achievement
from core.ids import Cursor, PathId
from core.rules import explain as explained
from core.rules import service as rules
from core.rules.schemas import RuleOut
from core.security.auth import provide_learner, provide_principal, provide_staff
from core.security.principal import Principal
from core.storage.uploads import single_file
from core.tenancy.context import TenantContext
from core.web.downloads import file_response

ADMIN_ROLES = ("tenant_admin", "unit_admin", "committee")


class MyAchievementsController(Controller):
    path = "/me"
    tags = ["learner"]
    dependencies = {"principal": Provide(provide_principal), "learner": Provide(provide_learner)}

    @get("/summary", summary="我的信息：成果总数、名录成果、未申请、已申请、已认定、认定未通过")
    async def summary(self, tenant: NamedDependency[TenantContext], learner: NamedDependency[Principal]) -> Summary:
        return await service.summary(tenant, learner.id)

    @get("/achievements", summary="我的学习成果（最新在前）")
    async def list(
        self, tenant: NamedDependency[TenantContext], learner: NamedDependency[Principal],
        status: Annotated[str | None, QueryParameter(max_length=16)] = None,
        cursor: Cursor = None,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
    ) -> AchievementPage:
        return await service.list_achievements(tenant, learner.id, status=status, cursor=cursor, limit=limit)

    @post("/achievements", summary="成果添加：选择成果分类和小类，从名录选择或直接填写")
    async def add(self, tenant: NamedDependency[TenantContext], learner: NamedDependency[Principal],
                  data: JSONBody[AchievementIn]) -> AchievementOut:
        return await service.add_achievement(tenant, learner.id, data)

    @get("/achievements/{achievement_id:int}", summary="一条成果，含证明材料与申请")
    async def one(self, tenant: NamedDependency[TenantContext], learner: NamedDependency[Principal],
                  achievement_id: PathId) -> AchievementOut:
        return await service.get_achievement(tenant, learner.id, achievement_id)

    @delete("/achievements/{achievement_id:int}", status_code=204, summary="删除成果（审核中的不能删除）")
    async def remove(self, request: Request, tenant: NamedDependency[TenantContext],
                     learner: NamedDependency[Principal], achievement_id: PathId) -> None:
        await service.delete_achievement(tenant, request.app.state.storage, learner.id, achievement_id)

    @post("/achievements/{achievement_id:int}/evidence", summary="上传证明材料（类型按内容判断）")
    async def upload(self, request: Request, tenant: NamedDependency[TenantContext],
                     learner: NamedDependency[Principal], achievement_id: PathId,
                     data: Annotated[dict, Body(media_type=RequestEncodingType.MULTI_PART)]) -> EvidenceOut:
        upload, item = single_file(data)
        max_bytes = request.app.state.settings.max_upload_mb * 1024 * 1024
        return await service.add_evidence(tenant, request.app.state.storage, learner.id, achievement_id,
                                          upload.filename, await upload.read(), item, max_bytes)

    @get("/achievements/{achievement_id:int}/evidence/{evidence_id:int}", summary="查看证明材料")
    async def download(self, request: Request, tenant: NamedDependency[TenantContext],
                       learner: NamedDependency[Principal], achievement_id: PathId,
                       evidence_id: PathId) -> Response:
        row = await service.evidence_for_owner(tenant, learner.id, achievement_id, evidence_id)
        return await file_response(request.app.state.storage, row)


class StaffIntegrityController(Controller):
    """Staff's views of outcomes across learners (a reviewer opens one outcome's evidence through
    reviews: ``core.reviews.api.StaffEvidenceController``)."""

    path = "/admin"
    tags = ["staff"]
    dependencies = {"principal": Provide(provide_principal), "actor": Provide(provide_staff)}

    @get("/integrity/certificates", summary="同一证书编号被多名学习者申报的成果")
    async def duplicates(self, tenant: NamedDependency[TenantContext],
                         actor: NamedDependency[Principal]) -> list[DuplicateClaim]:
        return await service.duplicate_certificates(tenant, lambda path: actor.covers(path, *ADMIN_ROLES))


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
        return await rules.rules_for_achievement(tenant.id, row)
