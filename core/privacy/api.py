"""The learner's copy of their personal information over HTTP."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody, QueryParameter

from core.clock import utcnow
from core.errors import DomainError
from core.ids import Cursor, PathId
from core.privacy import closure
from core.privacy.export import personal_data
from core.security.auth import provide_learner, provide_principal, provide_staff
from core.security.permissions import guard
from core.security.principal import Principal
from core.tenancy.context import TenantContext
from core.web.downloads import download
from core.web.pages import FormData
from core.web.portal import Portal, errors_of, page, redirect
from core.web.security import client_address


def zip_download(content: bytes, tenant: TenantContext) -> Response[bytes]:
    return download(content, "application/zip", f"我的个人信息-{tenant.slug}-{utcnow():%Y%m%d}.zip")


class MyDataController(Controller):
    path = "/me"
    tags = ["learner"]
    dependencies = {"principal": Provide(provide_principal), "learner": Provide(provide_learner)}

    # /me/export is API.md's path; /me/personal-data says what it is.
    @get(["/export", "/personal-data"], summary="下载我的全部个人信息（ZIP：账户、成果与材料清单、申请与审核记录、收到的通知、查看记录）",
         response_description="application/zip")
    async def download(self, request: Request, tenant: NamedDependency[TenantContext],
                       learner: NamedDependency[Principal]) -> Response[bytes]:
        return zip_download(await personal_data(tenant, learner, client_address(request)), tenant)

    @post("/closure", status_code=201, summary="申请注销我的账户（工作人员审核；有申请仍在审核中时不能申请，409）")
    async def ask_closure(self, request: Request, tenant: NamedDependency[TenantContext],
                          learner: NamedDependency[Principal], data: JSONBody[closure.ClosureIn]) -> closure.ClosureOut:
        return await closure.request_closure(tenant, learner, data, client_address(request))

    @get("/closure", summary="我的注销申请（最新在前）")
    async def my_closures(self, tenant: NamedDependency[TenantContext],
                          learner: NamedDependency[Principal]) -> list[closure.ClosureOut]:
        return await closure.my_requests(tenant, learner)


class AdminClosuresController(Controller):
    """Staff with ``accounts.manage`` decide the closure requests of learners in their units."""

    path = "/admin/closures"
    tags = ["staff"]
    guards = [guard("accounts.manage")]
    dependencies = {"principal": Provide(provide_principal), "actor": Provide(provide_staff)}

    @get("/", summary="待审核的账户注销申请（本单位及下级单位的学习者）")
    async def pending(self, tenant: NamedDependency[TenantContext], actor: NamedDependency[Principal],
                      cursor: Cursor = None,
                      limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50) -> closure.ClosurePage:
        return await closure.pending_for_staff(tenant, actor, cursor=int(cursor) if cursor else None, limit=limit)

    @post("/{closure_id:int}/decision", status_code=200,
          summary="同意（注销账户并删除个人信息）或不同意注销申请（须填写意见）；记入审计日志")
    async def decide(self, request: Request, tenant: NamedDependency[TenantContext],
                     actor: NamedDependency[Principal], closure_id: PathId,
                     data: JSONBody[closure.ClosureDecision]) -> closure.ClosureOut:
        return await closure.decide(tenant, actor, closure_id, data, storage=request.app.state.storage,
                                    client=client_address(request))


class MyDataPages(Controller):
    """The portal's way to the same copy (the session cookie, not a bearer token)."""

    path = "/me/privacy/export"
    include_in_schema = False

    @get("/")
    async def export(self, request: Request, portal: NamedDependency[Portal]) -> Response[bytes]:
        learner = portal.require_learner()
        return zip_download(await personal_data(portal.tenant, learner, client_address(request)), portal.tenant)


class MyClosurePages(Controller):
    """注销账户 on the portal: the learner's request, with a confirmation."""

    path = "/me/privacy/closure"
    include_in_schema = False

    @get("/")
    async def show(self, portal: NamedDependency[Portal]) -> Response:
        return await _closure_page(portal)

    @post("/", status_code=200)
    async def ask(self, request: Request, portal: NamedDependency[Portal], data: FormData) -> Response:
        learner = portal.require_learner()
        form = {"reason": str(data.get("reason") or "")[:500]}
        if data.get("confirm") != "yes":
            return await _closure_page(portal, status=400, form=form,
                                       errors={"confirm": "请勾选确认后再提交注销申请"})
        try:
            await closure.request_closure(portal.tenant, learner, closure.ClosureIn(reason=form["reason"]),
                                          client_address(request))
        except DomainError as exc:
            return await _closure_page(portal, status=exc.status, form=form, errors=errors_of(exc))
        return redirect(portal, "me/privacy/closure", done="注销申请已提交，请等待审核")


async def _closure_page(portal: Portal, *, status: int = 200, **context) -> Response:
    learner = portal.require_learner()
    history = await closure.my_requests(portal.tenant, learner)
    return page("privacy/closure.html", portal, status=status, title="注销账户", history=history,
                pending=next((c for c in history if c.status == "pending"), None), **context)


class StaffClosurePages(Controller):
    """The pending closure requests of the admin's units, approved or refused in place."""

    path = "/staff/closures"
    include_in_schema = False

    @get("/")
    async def pending(self, portal: NamedDependency[Portal], cursor: Cursor = None) -> Response:
        return await _staff_page(portal, cursor=cursor)

    @post("/{closure_id:int}", status_code=200)
    async def decide(self, request: Request, portal: NamedDependency[Portal], closure_id: PathId,
                     data: FormData) -> Response:
        actor = portal.require_staff("accounts.manage")
        choice = data.get("decision")
        if choice not in ("approve", "refuse"):
            return await _staff_page(portal, status=400, errors={"_form": "请选择同意或不同意"})
        try:
            await closure.decide(portal.tenant, actor, closure_id, closure.ClosureDecision(
                decision=choice, opinion=str(data.get("opinion") or "")[:500]),
                storage=request.app.state.storage, client=client_address(request))
        except DomainError as exc:
            if exc.status == 404:
                raise
            return await _staff_page(portal, status=exc.status, errors={"_form": str(exc)})
        return redirect(portal, "staff/closures", done="已注销该账户" if choice == "approve" else "已答复该申请")


async def _staff_page(portal: Portal, *, cursor: int | None = None, status: int = 200, **context) -> Response:
    actor = portal.require_staff("accounts.manage")
    found = await closure.pending_for_staff(portal.tenant, actor, cursor=cursor, limit=50)
    return page("privacy/staff_closures.html", portal, status=status, title="账户注销申请", items=found.items,
                next_url=f"{portal.url('staff/closures')}?cursor={found.next_cursor}" if found.next_cursor else None,
                **context)
