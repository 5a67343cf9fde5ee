"""The pages every tenant shares: home, login, logout (templates ``web/home.html`` and
``web/login.html`` of the page toolkit)."""

from __future__ import annotations

from urllib.parse import quote

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from core.accounts.login import login as log_in
from core.errors import DomainError
from core.security.tokens import revoke_token
from core.web.csrf import session_cookie
from core.web.pages import FormData
from core.web.portal import Portal, page, safe_next
from core.web.security import client_address


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
