"""The page toolkit's request side: form data (``FormData``) and how errors reach a browser.
The home, login and logout pages are ``core.accounts.login_pages``."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from litestar import Request, Response
from litestar.enums import RequestEncodingType
from litestar.exceptions import HTTPException, NotAuthorizedException, NotFoundException, PermissionDeniedException
from litestar.params import Body
from litestar.response import Redirect

from core.errors import (
    DATABASE_UNAVAILABLE,
    RETRY_AFTER_SECONDS,
    DomainError,
    database_outage,
    internal_error_handler,
    public_detail,
)
from core.web.branding import palette
from core.web.csrf import session_cookie
from core.web.portal import LoginRequired, Portal, page

FormData = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.URL_ENCODED)]


def _tenant_of(request: Request):
    parts = request.scope["path"].split("/")  # /t/{slug}/… (host names were rewritten to it)
    return request.app.state.tenants.by_slug.get(parts[2]) if len(parts) > 2 and parts[1] == "t" else None


def error_status(request: Request, exc: Exception) -> tuple[int, str]:
    """The status and the Chinese sentence an error page shows, for the portal and the national
    console alike: a service's own message, an expired form, a missing page, an oversized upload,
    the database away (503), anything else a logged 500."""
    if isinstance(exc, DomainError):
        return exc.status, str(exc)
    if isinstance(exc, PermissionDeniedException) and "CSRF" in str(exc.detail):
        return 403, "页面已过期或来源不明，请返回上一页刷新后重新提交"
    if isinstance(exc, NotFoundException):
        return 404, exc.detail if exc.detail and exc.detail != "Not Found" else "没有找到您要的页面或记录"
    if isinstance(exc, HTTPException) and exc.status_code == 413:
        # Litestar stops an oversized body before any handler sees it.
        return 413, f"文件过大：单个文件不能超过 {request.app.state.settings.max_upload_mb} MB，请压缩后重新上传"
    if isinstance(exc, HTTPException):
        return exc.status_code, public_detail(exc)
    if database_outage(request, exc):
        return 503, DATABASE_UNAVAILABLE
    internal_error_handler(request, exc)  # logs it
    return 500, "服务器内部错误，请稍后再试"


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
    status, message = error_status(request, exc)
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)} if status == 503 else {}
    if tenant is None:
        return Response(content=message, status_code=status, media_type="text/plain; charset=utf-8", headers=headers)
    portal = Portal(request=request, tenant=tenant, viewer=None, palette=palette(tenant.branding, tenant.name),
                    base=f"/t/{tenant.slug}")
    from core.web.error_viewer import ViewerPage

    shown = page("web/error.html", portal, status=status, message=message, code=status)
    # The header of whoever is logged in: looked up as the page is sent (handlers are synchronous).
    response = ViewerPage(template_name=shown.template_name, context=shown.context, status_code=status)
    response.headers.update(headers)
    return response
