"""The pages every tenant shares: home, login, logout; and how errors reach a browser."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException, NotAuthorizedException, NotFoundException, PermissionDeniedException
from litestar.params import Body, FromQuery
from litestar.response import Redirect, Template

from core.accounts.login import login as log_in
from core.errors import (
    DATABASE_UNAVAILABLE,
    RETRY_AFTER_SECONDS,
    DomainError,
    database_outage,
    internal_error_handler,
    public_detail,
)
from core.security.tokens import revoke_token
from core.web.branding import palette
from core.web.csrf import session_cookie
from core.web.portal import LoginRequired, Portal, page, safe_next
from core.web.security import client_address

FormData = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


class PortalHomeController(Controller):
    tags = ["portal"]
    include_in_schema = False

    @get("/")
    async def home(self, portal: NamedDependency[Portal]) -> Template:
        return page("web/home.html", portal, registration=portal.tenant.hooks.registration_policy)

    @get("/login")
    async def login_form(self, portal: NamedDependency[Portal], next: FromQuery[str | None] = None) -> Template:
        return page("web/login.html", portal, form={"next": safe_next(portal, next) or ""})

    @post("/login", status_code=200)
    async def login(self, request: Request, portal: NamedDependency[Portal], data: FormData) -> Response:
        identifier = str(data.get("username", "")).strip()
        form = {"username": identifier, "next": safe_next(portal, data.get("next")) or ""}
        if not identifier or not data.get("password"):
            errors = {"username": "请输入用户名"} if not identifier else {}
            if not data.get("password"):
                errors["password"] = "请输入密码"
            return page("web/login.html", portal, status=400, form=form, errors=errors)
        app_state = request.app.state
        try:
            result = await log_in(portal.tenant, app_state.pii, identifier, str(data["password"]),
                                  client=client_address(request), limiter=app_state.login_limiter,
                                  token_hours=app_state.settings.token_hours)
        except DomainError as exc:
            return page("web/login.html", portal, status=exc.status, form=form, errors={"_form": str(exc)})
        default = "staff/reviews" if result.account.kind == "staff" else "me"
        response = Redirect(path=form["next"] or portal.url(default), status_code=303)
        # Secure as the configured base URL says (behind a TLS proxy the request itself is http).
        response.set_cookie(session_cookie(portal.tenant.slug), result.access_token, httponly=True, samesite="lax",
                            path="/", secure=app_state.settings.https, max_age=app_state.settings.token_hours * 3600)
        return response

    @post("/logout", status_code=303)
    async def logout(self, request: Request, portal: NamedDependency[Portal]) -> Redirect:
        token = request.cookies.get(session_cookie(portal.tenant.slug))
        if token:
            await revoke_token(token)
        response = Redirect(path=portal.url("login") + "?done=" + quote("您已退出登录"), status_code=303)
        response.delete_cookie(session_cookie(portal.tenant.slug), path="/")
        return response


def _tenant_of(request: Request):
    parts = request.scope["path"].split("/")  # /t/{slug}/… (host names were rewritten to it)
    return request.app.state.tenants.by_slug.get(parts[2]) if len(parts) > 2 and parts[1] == "t" else None


def page_error_handler(request: Request, exc: Exception) -> Response:
    """Errors on pages come back as pages: not logged in (or a session that expired) → the login
    page, remembering the page; anything else → a page with the message and the status."""
    tenant = _tenant_of(request)
    if isinstance(exc, (LoginRequired, NotAuthorizedException)) and tenant is not None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if request.method != "GET":
            target = request.headers.get("referer", "").split(request.url.netloc, 1)[-1] or ""
        response = Redirect(path=f"/t/{tenant.slug}/login?next={quote(target)}", status_code=303)
        response.delete_cookie(session_cookie(tenant.slug), path="/")  # this tenant's only
        return response
    if isinstance(exc, DomainError):
        status, message = exc.status, str(exc)
    elif isinstance(exc, PermissionDeniedException) and "CSRF" in str(exc.detail):
        status, message = 403, "页面已过期或来源不明，请返回上一页刷新后重新提交"
    elif isinstance(exc, NotFoundException):
        status, message = 404, "没有找到您要的页面或记录"
    elif isinstance(exc, HTTPException) and exc.status_code == 413:
        # Litestar stops an oversized body before any handler sees it.
        limit = request.app.state.settings.max_upload_mb
        status, message = 413, f"文件过大：单个文件不能超过 {limit} MB，请压缩后重新上传"
    elif isinstance(exc, HTTPException):
        status, message = exc.status_code, public_detail(exc)
    elif database_outage(request, exc):
        status, message = 503, DATABASE_UNAVAILABLE
    else:
        internal_error_handler(request, exc)  # logs it
        status, message = 500, "服务器内部错误，请稍后再试"
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)} if status == 503 else {}
    if tenant is None:
        return Response(content=message, status_code=status, media_type="text/plain; charset=utf-8", headers=headers)
    portal = Portal(request=request, tenant=tenant, viewer=None, palette=palette(tenant.branding, tenant.name),
                    base=f"/t/{tenant.slug}")
    response = page("web/error.html", portal, status=status, message=message)
    response.headers.update(headers)
    return response
