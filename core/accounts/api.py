"""Accounts over HTTP: the auth flows, the learner's profile, and staff administration."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.exceptions import TooManyRequestsException
from litestar.params import Body, FromPath, JSONBody, QueryParameter

from core.accounts import service, staff, throttle
from core.accounts.login import login
from core.accounts.schemas import (
    AccountDecision,
    AccountOut,
    AccountPage,
    ActivateIn,
    ActivationDetails,
    ActivationLookup,
    CodeRequest,
    CodeSent,
    DisableIn,
    FullIdNumber,
    IdScanOut,
    LoginIn,
    LoginOut,
    PasswordChange,
    PasswordReset,
    RevealIn,
    StaffInvite,
    StaffInvited,
    VerifyIn,
    WindowOpening,
)
from core.accounts.tables import Account
from core.db import one
from core.ids import Cursor, PathId
from core.security.auth import bearer_token, provide_pii, provide_principal, provide_staff
from core.security.limits import RateLimiter
from core.security.pii import PiiProtector
from core.security.principal import Principal
from core.security.tokens import revoke_token
from core.storage.uploads import single_file
from core.tenancy.context import TenantContext
from core.web.security import client_address, site_link


class AuthController(Controller):
    path = "/auth"
    tags = ["accounts"]
    dependencies = {"pii": Provide(provide_pii, sync_to_thread=False)}

    @post("/codes", status_code=202, summary="发送验证码（激活 / 注册 / 重置密码），10 分钟有效")
    async def send_code(self, request: Request, tenant: NamedDependency[TenantContext], pii: NamedDependency[PiiProtector],
                        data: JSONBody[CodeRequest]) -> CodeSent:
        return CodeSent(sent_to=await service.request_code(tenant, pii, data, client_address(request)))

    @post("/activation/lookup", status_code=200, summary="激活前查询账户（显示脱敏的基本信息以供核实）")
    async def activation_lookup(self, request: Request, tenant: NamedDependency[TenantContext],
                                pii: NamedDependency[PiiProtector], data: JSONBody[ActivationLookup]) -> ActivationDetails:
        await throttle.lookup(request.app.state.throttles, tenant, pii, client_address(request),
                              id_number=data.id_number, username=data.username)
        return await service.activation_details(tenant, pii, data.id_number, data.username)

    @post("/activate", status_code=200, summary="用验证码激活导入、受邀或窗口开立的账户并设置密码")
    async def activate(self, request: Request, tenant: NamedDependency[TenantContext], pii: NamedDependency[PiiProtector],
                       data: JSONBody[ActivateIn]) -> AccountOut:
        await throttle.code_try(request.app.state.throttles, client_address(request))
        return await service.activate(tenant, pii, data)

    @post("/register", summary="自助注册，字段见 meta.registration")
    async def register(self, request: Request, tenant: NamedDependency[TenantContext], pii: NamedDependency[PiiProtector],
                       data: JSONBody[dict[str, Any]]) -> AccountOut:
        return await service.register(tenant, pii, data, request.app.state.storage)

    @post("/register/id-scan", summary="注册前上传身份证扫描件（jpg/png/gif），返回 id_scan 供注册表单引用")
    async def upload_id_scan(self, request: Request, tenant: NamedDependency[TenantContext],
                             data: Annotated[dict, Body(media_type=RequestEncodingType.MULTI_PART)]) -> IdScanOut:
        limiter: RateLimiter = request.app.state.upload_limiter
        client = client_address(request)
        if await limiter.blocked(client):
            raise TooManyRequestsException("上传过于频繁，请稍后再试")
        await limiter.hit(client)  # every anonymous upload counts against the address
        settings = request.app.state.settings
        upload, _ = single_file(data)
        upload_id = await service.store_id_scan(tenant, request.app.state.storage, await upload.read(),
                                                settings.max_upload_mb * 1024 * 1024)
        return IdScanOut(id_scan=upload_id)

    @post("/verify", status_code=200, summary="注册后的邮箱（或手机）验证")
    async def verify(self, tenant: NamedDependency[TenantContext], pii: NamedDependency[PiiProtector],
                     data: JSONBody[VerifyIn]) -> AccountOut:
        return await service.verify_registration(tenant, pii, data.username, data.code)

    @post("/login", status_code=200, summary="登录：用户名，或本省允许的证件号码 / 邮箱 / 手机号")
    async def login(self, request: Request, tenant: NamedDependency[TenantContext], pii: NamedDependency[PiiProtector],
                    data: JSONBody[LoginIn]) -> LoginOut:
        limiter: RateLimiter = request.app.state.login_limiter
        return await login(tenant, pii, data.username, data.password, client=client_address(request),
                           limiter=limiter, token_hours=request.app.state.settings.token_hours)

    @post("/logout", status_code=204, dependencies={"principal": Provide(provide_principal)})
    async def logout(self, request: Request, principal: NamedDependency[Principal]) -> Response[None]:
        await revoke_token(bearer_token(request) or "")
        return Response(content=None, status_code=204)

    @post("/password", status_code=204, dependencies={"principal": Provide(provide_principal)}, summary="修改密码")
    async def change_password(self, request: Request, tenant: NamedDependency[TenantContext],
                              principal: NamedDependency[Principal], data: JSONBody[PasswordChange]) -> None:
        await service.change_password(tenant, principal.id, data.old_password, data.new_password, keep_token=bearer_token(request))

    @post("/password/reset", status_code=204, summary="用验证码重置密码")
    async def reset_password(self, request: Request, tenant: NamedDependency[TenantContext],
                             pii: NamedDependency[PiiProtector], data: JSONBody[PasswordReset]) -> None:
        await throttle.code_try(request.app.state.throttles, client_address(request))
        await service.reset_password(tenant, pii, data)


class MeController(Controller):
    path = "/me"
    tags = ["learner"]
    dependencies = {"principal": Provide(provide_principal)}

    @get("/", summary="我的账户")
    async def me(self, tenant: NamedDependency[TenantContext], principal: NamedDependency[Principal]) -> AccountOut:
        row = one(await Account.select().where(Account.id == principal.id, Account.tenant_id == tenant.id).first())
        return await service.account_out(row)


class AdminLearnersController(Controller):
    path = "/admin/learners"
    tags = ["staff"]
    dependencies = {
        "principal": Provide(provide_principal),
        "actor": Provide(provide_staff),
        "pii": Provide(provide_pii, sync_to_thread=False),
    }

    @post("/", summary="服务窗口开户：核验身份证件后为学习者开立账户")
    async def open_account(self, request: Request, tenant: NamedDependency[TenantContext], actor: NamedDependency[Principal],
                           pii: NamedDependency[PiiProtector], data: JSONBody[WindowOpening]) -> AccountOut:
        activate_url = str(request.base_url).rstrip("/") + f"/t/{tenant.slug}/activate"
        return await staff.open_at_window(tenant, pii, actor, data, client_address(request), activate_url)

    @get("/", summary="学习者（本单位及下级单位）")
    async def list_learners(
        self, tenant: NamedDependency[TenantContext], actor: NamedDependency[Principal], pii: NamedDependency[PiiProtector],
        q: Annotated[str | None, QueryParameter(max_length=50)] = None,
        status: Annotated[str | None, QueryParameter(max_length=24)] = None,
        cursor: Cursor = None,
        limit: Annotated[int, QueryParameter(ge=1, le=200)] = 50,
    ) -> AccountPage:
        return await staff.list_learners(tenant, pii, actor, q=q, status=status, cursor=cursor, limit=limit)

    @post("/{account_id:int}/review", status_code=200, summary="账户审核")
    async def review(self, tenant: NamedDependency[TenantContext], actor: NamedDependency[Principal],
                     account_id: PathId, data: JSONBody[AccountDecision]) -> AccountOut:
        return await staff.review_account(tenant, actor, account_id, data)

    @post("/{account_id:int}/id-number", status_code=200, summary="查看完整证件号码（记入审计日志）")
    async def reveal(self, request: Request, tenant: NamedDependency[TenantContext], actor: NamedDependency[Principal],
                     pii: NamedDependency[PiiProtector], account_id: PathId, data: JSONBody[RevealIn]) -> FullIdNumber:
        return await staff.reveal_id_number(tenant, pii, actor, account_id, data.reason, client_address(request))


class AdminAccountsController(Controller):
    path = "/admin/accounts"
    tags = ["staff"]
    dependencies = {"principal": Provide(provide_principal), "actor": Provide(provide_staff)}

    @post("/{account_id:int}/disable", status_code=200,
          summary="停用账户（学习者或下级单位的工作人员），其所有登录随即失效（记入审计日志）")
    async def disable(self, request: Request, tenant: NamedDependency[TenantContext], actor: NamedDependency[Principal],
                      account_id: PathId, data: JSONBody[DisableIn]) -> AccountOut:
        return await staff.disable_account(tenant, actor, account_id, data.reason, client_address(request))


class UnitStaffController(Controller):
    path = "/org/units/{code:str}/staff"
    tags = ["staff"]
    dependencies = {
        "principal": Provide(provide_principal),
        "actor": Provide(provide_staff),
        "pii": Provide(provide_pii, sync_to_thread=False),
    }

    @post("/", summary="为下级单位分配管理员账号（受邀者用激活码设置密码）")
    async def invite(self, request: Request, tenant: NamedDependency[TenantContext], actor: NamedDependency[Principal],
                     pii: NamedDependency[PiiProtector], code: FromPath[str], data: JSONBody[StaffInvite]) -> StaffInvited:
        login_url = site_link(request, tenant, "/login")
        return await staff.invite_staff(tenant, pii, actor, code, data, login_url)
