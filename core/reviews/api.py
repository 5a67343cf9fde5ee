"""Applications over HTTP: the learner's submissions and progress (进度查询, 查看详情), and the
reviewers' queues and decisions."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, FromQuery, JSONBody, QueryParameter

from core.accounts.api import provide_principal, provide_staff
from core.accounts.login import Principal
from core.achievements.api import provide_learner
from core.certificates.api import tenant_base
from core.reviews import service
from core.reviews.schemas import ApplicationIn, ApplicationOut, ApplicationPage, DecisionIn, MaterialOut, ReviewPage
from core.storage.uploads import single_file
from core.tenancy.service import TenantContext

Cursor = Annotated[int | None, QueryParameter(ge=0)]
Limit = Annotated[int, QueryParameter(ge=1, le=100)]


class ReviewDetail(msgspec.Struct, kw_only=True):
    application: ApplicationOut
    learner: dict


def login_url(request: Request, tenant: TenantContext) -> str:
    """The tenant's login page; a proof issued with the decision names ``tenant_base`` (this minus ``/login``)."""
    return tenant_base(request, tenant) + "/login"


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
                   achievement_id: Annotated[int | None, QueryParameter(ge=1)] = None, cursor: Cursor = None,
                   limit: Limit = 20) -> ApplicationPage:
        return await service.my_applications(tenant, learner.id, achievement_id=achievement_id, cursor=cursor, limit=limit)

    @get("/{application_id:int}", summary="申请详情：各环节意见与材料")
    async def one(self, tenant: NamedDependency[TenantContext], learner: NamedDependency[Principal],
                  application_id: FromPath[int]) -> ApplicationOut:
        return await service.my_application(tenant, learner.id, application_id)

    @post("/{application_id:int}/withdraw", status_code=200, summary="撤回（首个审核决定之前）")
    async def withdraw(self, tenant: NamedDependency[TenantContext], learner: NamedDependency[Principal],
                       application_id: FromPath[int]) -> ApplicationOut:
        return await service.withdraw(tenant, learner.id, application_id)


class ReviewController(Controller):
    path = "/reviews"
    tags = ["staff"]
    dependencies = {"principal": Provide(provide_principal), "actor": Provide(provide_staff)}

    @get("/", summary="审核队列：pending 为本人角色与单位当前可审核的申请，decided 为本人审核过的")
    async def queue(self, tenant: NamedDependency[TenantContext], actor: NamedDependency[Principal],
                    kind: Annotated[str | None, QueryParameter(max_length=24)] = None,
                    status: FromQuery[Literal["pending", "decided"]] = "pending", cursor: Cursor = None,
                    limit: Limit = 20) -> ReviewPage:
        return await service.queue(tenant, actor, kind=kind, status=status, cursor=cursor, limit=limit)

    @get("/{application_id:int}", summary="申请详情（学习者证件号码脱敏）")
    async def one(self, tenant: NamedDependency[TenantContext], actor: NamedDependency[Principal],
                  application_id: FromPath[int]) -> ReviewDetail:
        application, learner = await service.review_detail(tenant, actor, application_id)
        return ReviewDetail(application=application, learner=learner)

    @post("/{application_id:int}/materials", summary="上传审核材料（如转换初审材料 PDF）")
    async def material(self, request: Request, tenant: NamedDependency[TenantContext], actor: NamedDependency[Principal],
                       application_id: FromPath[int],
                       data: Annotated[dict, Body(media_type=RequestEncodingType.MULTI_PART)]) -> MaterialOut:
        upload, _ = single_file(data)
        max_bytes = request.app.state.settings.max_upload_mb * 1024 * 1024
        return await service.add_material(tenant, request.app.state.storage, actor, application_id,
                                          upload.filename, await upload.read(), max_bytes)

    @post("/{application_id:int}/decision", status_code=200, summary="审核决定：step 须为当前环节，意见须符合本环节格式")
    async def decide(self, request: Request, tenant: NamedDependency[TenantContext], actor: NamedDependency[Principal],
                     application_id: FromPath[int], data: JSONBody[DecisionIn]) -> ApplicationOut:
        return await service.decide(tenant, actor, application_id, data, login_url(request, tenant))
