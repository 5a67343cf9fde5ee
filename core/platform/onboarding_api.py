"""The platform API for onboarding a credit bank (``/api/v1/platform``): suspension with a
message, the first units (plugin defaults or an import), imports and their row report, the
first tenant admin's invitation, the platform's audit, figures per tenant over a period."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body, FromPath, FromQuery, JSONBody, QueryParameter

from core.accounts.schemas import StaffInvited
from core.ids import PathId
from core.imports.api import KINDS, MAX_IMPORT_BYTES, read_job, start_import
from core.imports.schemas import JobCreated, JobOut
from core.platform import figures, onboarding
from core.platform.api import require_platform_admin
from core.platform.tables import PlatformAdmin
from core.tenancy.context import TenantContext
from core.tenancy.schemas import Status, TenantOut
from core.web.security import client_address


class StatusIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    status: Status
    message: Annotated[str, msgspec.Meta(max_length=500)] = ""  # what the tenant's users are told while suspended


class DefaultsIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    code: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]  # the top unit's code, e.g. SC
    name: Annotated[str, msgspec.Meta(max_length=200)] = ""  # default: the tenant's name


class DefaultsOut(msgspec.Struct):
    units_added: int


class FirstAdminIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    real_name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    phone: str | None = None
    email: str | None = None
    username: str | None = None
    unit_code: str = ""  # default: the tenant's top unit


async def admin_ref(admin_id: int) -> onboarding.PlatformAdminRef:
    row = await PlatformAdmin.select(PlatformAdmin.username).where(PlatformAdmin.id == admin_id).first()
    return onboarding.PlatformAdminRef(admin_id, row["username"] if row else str(admin_id))


async def servable(request: Request, slug: str) -> TenantContext:
    """The loaded tenant ``slug`` (suspended or not: it can be prepared before it opens)."""
    registry = request.app.state.tenants
    await registry.get(slug)
    tenant = registry.by_slug.get(slug)
    if tenant is None:
        raise NotFoundException(registry.broken.get(slug) or f"未找到租户 {slug}")
    return tenant


class PlatformOnboardingController(Controller):
    dependencies = {"admin_id": Provide(require_platform_admin)}
    tags = ["platform"]

    @post("/tenants/{slug:str}/status", status_code=200, summary="暂停或恢复服务；暂停时 message 告知该学分银行的用户")
    async def set_status(self, request: Request, admin_id: NamedDependency[int], slug: FromPath[str],
                         data: JSONBody[StatusIn]) -> TenantOut:
        return await onboarding.set_status(slug, data.status, data.message, request.app.state.tenants,
                                           await admin_ref(admin_id), client_address(request))

    @post("/tenants/{slug:str}/defaults", status_code=200, summary="按插件默认设置建立管理中心（插件的最高层级单位）")
    async def defaults(self, request: Request, admin_id: NamedDependency[int], slug: FromPath[str],
                       data: JSONBody[DefaultsIn]) -> DefaultsOut:
        tenant = await servable(request, slug)
        return DefaultsOut(units_added=await onboarding.start_from_defaults(
            tenant, data.code, data.name, await admin_ref(admin_id), client_address(request)))

    @post("/tenants/{slug:str}/imports/{kind:str}", status_code=202, request_max_body_size=MAX_IMPORT_BYTES,
          summary="为租户导入组织机构、名录或转换规则（units / catalog / rules / learners；CSV 或 XLSX）")
    async def start(self, request: Request, admin_id: NamedDependency[int], slug: FromPath[str], kind: FromPath[str],
                    data: Annotated[dict, Body(media_type=RequestEncodingType.MULTI_PART)]) -> JobCreated:
        tenant = await servable(request, slug)
        if kind not in KINDS:
            raise NotFoundException(f"没有 {kind} 这种导入（可导入：{'、'.join(KINDS)}）")
        job_id = await start_import(request, tenant, onboarding.acting_admin(tenant), data, kind)
        await onboarding.record(await admin_ref(admin_id), "platform.tenant.import", slug, f"{kind} 任务 {job_id}",
                                client_address(request))
        return JobCreated(job_id=job_id)

    @get("/tenants/{slug:str}/imports/{job_id:int}", summary="导入任务进度与被拒绝的行")
    async def job(self, request: Request, admin_id: NamedDependency[int], slug: FromPath[str], job_id: PathId) -> JobOut:
        tenant = await servable(request, slug)
        found = await read_job(tenant.id, job_id)
        if found is None:
            raise NotFoundException("未找到该导入任务")
        return found

    @post(["/tenants/{slug:str}/admins", "/tenants/{slug:str}/invitations"], status_code=201,  # admins: API.md's name
          summary="邀请租户管理员：激活码经短信或电子邮件发出（不发送密码），在 /t/{slug}/activate 激活")
    async def invite(self, request: Request, admin_id: NamedDependency[int], slug: FromPath[str],
                     data: JSONBody[FirstAdminIn]) -> StaffInvited:
        from core.accounts.schemas import StaffInvite

        tenant = await servable(request, slug)
        invite = StaffInvite(real_name=data.real_name, role="tenant_admin", phone=data.phone, email=data.email,
                             username=data.username)
        return await onboarding.invite_first_admin(tenant, request.app.state.pii, data.unit_code, invite,
                                                   request.app.state.settings.base_url, await admin_ref(admin_id),
                                                   client_address(request))

    @get("/audit", summary="平台操作记录（最新在前）")
    async def audit(self, admin_id: NamedDependency[int], tenant: FromQuery[str | None] = None) -> list[onboarding.PlatformAuditEntry]:
        return await onboarding.platform_audit(slug=tenant)

    @get("/figures", summary="各租户在所选期间的学习者、成果、各状态申请、逾期审核和出具的证明数量")
    async def figures(self, admin_id: NamedDependency[int],
                      date_from: Annotated[str | None, QueryParameter(name="from", max_length=10)] = None,
                      date_to: Annotated[str | None, QueryParameter(name="to", max_length=10)] = None) -> figures.FiguresOut:
        return await figures.tenant_figures(figures.period(date_from, date_to))
