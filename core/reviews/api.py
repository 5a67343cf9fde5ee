"""Applications over HTTP: the learner's submissions and progress (进度查询, 查看详情), and the
reviewers' queues and decisions."""

from __future__ import annotations

from typing import Annotated, Literal

from litestar import Controller, Request, Response, delete, get, post
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromQuery, JSONBody, QueryParameter

from core.ids import Cursor, PathId, QueryId
from core.reviews import appeals, claims, service
from core.reviews.duplicates import duplicates_of
from core.reviews.schemas import (
    AppealDecisionIn,
    AppealFileOut,
    AppealIn,
    AppealOut,
    ApplicationIn,
    ApplicationOut,
    ApplicationPage,
    ClaimOut,
    DecisionIn,
    MaterialOut,
    QueueCounts,
    ReviewDetail,
    ReviewPage,
)
from core.security.auth import provide_learner, provide_principal, provide_staff
from core.security.principal import Principal
from core.storage.uploads import single_file
from core.tenancy.context import TenantContext
from core.web.downloads import file_response
from core.web.security import client_address, site_link

Limit = Annotated[int, QueryParameter(ge=1, le=100)]


class MyApplicationsController(Controller):
    path = "/me/applications"
    tags = ["learner"]
    dependencies = {"principal": Provide(provide_principal), "learner": Provide(provide_learner)}

    @post("/", summary="提交申请（认定 / 转换 / 业绩类转换）；Idempotency-Key 使重试返回同一申请")
    async def submit(self, request: Request, tenant: NamedDependency[TenantContext], learner: NamedDependency[Principal],
                     data: JSONBody[ApplicationIn]) -> ApplicationOut:
        key = request.headers.get("idempotency-key")
        return await service.submit(tenant, learner, data, key[:100] if key else None)

    @get("/", summary="我的申请（进度查询）")
    async def list(self, tenant: NamedDependency[TenantContext], learner: NamedDependency[Principal],
                   achievement_id: QueryId = None, cursor: Cursor = None,
                   limit: Limit = 20) -> ApplicationPage:
        return await service.my_applications(tenant, learner.id, achievement_id=achievement_id, cursor=cursor, limit=limit)

    @get("/{application_id:int}", summary="申请详情：各环节意见与材料")
    async def one(self, tenant: NamedDependency[TenantContext], learner: NamedDependency[Principal],
                  application_id: PathId) -> ApplicationOut:
        return await appeals.with_appeal(tenant, await service.my_application(tenant, learner.id, application_id))

    @post("/{application_id:int}/appeal", status_code=201, summary="申诉：对未通过的审核结果，在规定工作日内提出")
    async def appeal(self, tenant: NamedDependency[TenantContext], learner: NamedDependency[Principal],
                     application_id: PathId, data: JSONBody[AppealIn]) -> AppealOut:
        return await appeals.submit(tenant, learner.id, application_id, data.grounds)

    @post("/{application_id:int}/withdraw", status_code=200, summary="撤回（首个审核决定之前）")
    async def withdraw(self, tenant: NamedDependency[TenantContext], learner: NamedDependency[Principal],
                       application_id: PathId) -> ApplicationOut:
        return await service.withdraw(tenant, learner.id, application_id)


class MyAppealsController(Controller):
    path = "/me/appeals"
    tags = ["learner"]
    dependencies = {"principal": Provide(provide_principal), "learner": Provide(provide_learner)}

    @post("/{appeal_id:int}/files", status_code=201, summary="为申诉上传材料（PDF、JPG、PNG）")
    async def file(self, request: Request, tenant: NamedDependency[TenantContext], learner: NamedDependency[Principal],
                   appeal_id: PathId,
                   data: Annotated[dict, Body(media_type=RequestEncodingType.MULTI_PART)]) -> AppealFileOut:
        upload, _ = single_file(data)
        max_bytes = request.app.state.settings.max_upload_mb * 1024 * 1024
        return await appeals.add_file(tenant, request.app.state.storage, learner.id, appeal_id, upload.filename,
                                      await upload.read(), max_bytes)


class AppealReviewController(Controller):
    path = "/reviews/appeals"
    tags = ["staff"]
    dependencies = {"principal": Provide(provide_principal), "actor": Provide(provide_staff)}

    @get("/", summary="申诉：pending 为本人可处理的，decided 为本人处理过的")
    async def queue(self, tenant: NamedDependency[TenantContext], actor: NamedDependency[Principal],
                    status: FromQuery[Literal["pending", "decided"]] = "pending") -> list[AppealOut]:
        return await appeals.queue(tenant, actor, status)

    @get("/{appeal_id:int}", summary="申诉详情")
    async def one(self, tenant: NamedDependency[TenantContext], actor: NamedDependency[Principal],
                  appeal_id: PathId) -> AppealOut:
        return await appeals.appeal_of(tenant, actor, appeal_id)

    @get("/{appeal_id:int}/files/{file_id:int}", summary="申诉材料")
    async def file(self, request: Request, tenant: NamedDependency[TenantContext], actor: NamedDependency[Principal],
                   appeal_id: PathId, file_id: PathId) -> Response:
        return await file_response(request.app.state.storage, await appeals.file_of(tenant, actor, appeal_id, file_id))

    @post("/{appeal_id:int}/decision", status_code=200, summary="处理申诉：uphold 维持原结果，overturn 改判（申请回到被驳回的环节重新审核）")
    async def decide(self, tenant: NamedDependency[TenantContext], actor: NamedDependency[Principal],
                     appeal_id: PathId, data: JSONBody[AppealDecisionIn]) -> AppealOut:
        return await appeals.decide(tenant, actor, appeal_id, data.decision, data.opinion)


class ReviewController(Controller):
    path = "/reviews"
    tags = ["staff"]
    dependencies = {"principal": Provide(provide_principal), "actor": Provide(provide_staff)}

    @get("/", summary="审核队列：pending 为本人角色与单位当前可审核的申请，decided 为本人审核过的")
    async def queue(self, tenant: NamedDependency[TenantContext], actor: NamedDependency[Principal],
                    kind: Annotated[str | None, QueryParameter(max_length=24)] = None,
                    status: FromQuery[Literal["pending", "decided", "escalated"]] = "pending", cursor: Cursor = None,
                    limit: Limit = 20,
                    due: Annotated[Literal["soon", "overdue"] | None, QueryParameter(
                        description="soon：省份提醒期限内到期（含已逾期）；overdue：已逾期")] = None,
                    sort: Annotated[Literal["id", "due"], QueryParameter(description="due：按审核期限先后")] = "id",
                    unit: Annotated[str | None, QueryParameter(max_length=64, description="学习者所属单位（含下级）")] = None,
                    q: Annotated[str | None, QueryParameter(max_length=50, description="学习者姓名包含")] = None,
                    ) -> ReviewPage:
        return await service.queue(tenant, actor, kind=kind, status=status, cursor=cursor, limit=limit, due=due,
                                   sort=sort, unit=unit, q=q)

    @get("/counts", summary="审核队列计数：本人可审核的各环节待审与逾期数，以及报送本单位督办的数量")
    async def counts(self, tenant: NamedDependency[TenantContext], actor: NamedDependency[Principal]) -> QueueCounts:
        return await service.queue_counts(tenant, actor)

    @post("/{application_id:int}/claim", status_code=200, summary="认领：本人处理该申请期间，其他审核人不能审核（超时自动释放）")
    async def claim(self, tenant: NamedDependency[TenantContext], actor: NamedDependency[Principal],
                    application_id: PathId) -> ClaimOut:
        return await claims.claim(tenant, actor, application_id)

    @delete("/{application_id:int}/claim", status_code=204, summary="释放认领：认领人本人，或该环节所在单位的管理员")
    async def release(self, tenant: NamedDependency[TenantContext], actor: NamedDependency[Principal],
                      application_id: PathId) -> None:
        await claims.release(tenant, actor, application_id)

    @get("/{application_id:int}", summary="申请详情（学习者证件号码脱敏）")
    async def one(self, tenant: NamedDependency[TenantContext], actor: NamedDependency[Principal],
                  application_id: PathId) -> ReviewDetail:
        application, learner = await service.review_detail(tenant, actor, application_id)
        return ReviewDetail(application=application, learner=learner,
                            duplicates=await duplicates_of(tenant, application.achievement_id))

    @post("/{application_id:int}/materials", summary="上传审核材料（如转换初审材料 PDF）")
    async def material(self, request: Request, tenant: NamedDependency[TenantContext], actor: NamedDependency[Principal],
                       application_id: PathId,
                       data: Annotated[dict, Body(media_type=RequestEncodingType.MULTI_PART)]) -> MaterialOut:
        upload, _ = single_file(data)
        max_bytes = request.app.state.settings.max_upload_mb * 1024 * 1024
        return await service.add_material(tenant, request.app.state.storage, actor, application_id,
                                          upload.filename, await upload.read(), max_bytes)

    @post("/{application_id:int}/decision", status_code=200, summary="审核决定：step 须为当前环节，意见须符合本环节格式")
    async def decide(self, request: Request, tenant: NamedDependency[TenantContext], actor: NamedDependency[Principal],
                     application_id: PathId, data: JSONBody[DecisionIn]) -> ApplicationOut:
        return await service.decide(tenant, actor, application_id, data, site_link(request, tenant, "/login"))


class StaffEvidenceController(Controller):
    path = "/admin"
    tags = ["staff"]
    dependencies = {"principal": Provide(provide_principal), "actor": Provide(provide_staff)}

    @get("/evidence/{evidence_id:int}", summary="审核人查看其当前可审核或已审核申请的证明材料（记入审计日志）")
    async def download(self, request: Request, tenant: NamedDependency[TenantContext],
                       actor: NamedDependency[Principal], evidence_id: PathId) -> Response:
        row = await service.evidence_for_staff(tenant, actor, evidence_id, client_address(request))
        return await file_response(request.app.state.storage, row)
