"""全国学分银行平台: the national administrators' pages under ``/platform`` — login, figures
across tenants, tenants (create, rename, brand, hosts, suspend/resume), installed plugins.

They belong to no tenant, so they have their own neutral layout (``platform/base.html``) and
their own session cookie, scoped to ``/platform``. They call the services the platform API
calls (``core.platform.service``, ``core.tenancy.service``)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal
from urllib.parse import quote, urlencode

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    ValidationException,
)
from litestar.params import FromPath, FromQuery, QueryParameter
from litestar.response import Redirect, Template

from core.clock import utcnow
from core.errors import RETRY_AFTER_SECONDS, DomainError
from core.ids import Cursor
from core.platform import audit as trail
from core.platform import service
from core.reviews.service import STATUS_LABELS
from core.security.tokens import revoke_token
from core.tenancy import service as tenancy
from core.tenancy.schemas import Branding, TenantCreate, TenantOut, TenantPatch
from core.web.branding import darken_until_readable
from core.web.csrf import PLATFORM_SESSION_COOKIE
from core.web.pages import FormData, error_status
from core.web.portal import errors_of, read_form
from core.web.security import client_address

PLATFORM_COOKIE = PLATFORM_SESSION_COOKIE  # the CSRF token is bound to it
HOME = "/platform"
APPLICATION_STATUSES = list(STATUS_LABELS.items())
BRANDING_FIELDS = ("short_name", "primary_color", "accent_color", "logo_text", "logo_url", "footer")
TENANT_FIELDS = ("slug", "name", "plugin", "hosts", "base_url", *BRANDING_FIELDS)


class PlatformLoginRequired(Exception):
    """No platform session, or one that expired: the login page, remembering the page."""


@dataclass(frozen=True)
class PlatformViewer:
    id: int
    username: str


async def provide_platform_admin(request: Request) -> PlatformViewer:
    token = request.cookies.get(PLATFORM_COOKIE)
    found = await service.admin_for_token(token) if token else None
    if found is None:
        raise PlatformLoginRequired()
    return PlatformViewer(*found)


def platform_page(name: str, request: Request, admin: PlatformViewer | None, *, status: int = 200,
                  **context: Any) -> Template:
    """Render a platform page; ``form``/``errors`` as on tenant pages (typed values, a message
    per field)."""
    context.setdefault("form", {})
    context.setdefault("errors", {})
    return Template(template_name=name, status_code=status, context={
        "admin": admin, "flash": request.query_params.get("done"), "path": request.url.path, "p": HOME, **context})


def platform_redirect(path: str, done: str | None = None) -> Redirect:
    target = HOME + "/" + path.lstrip("/") if path else HOME + "/"
    if done:
        target += ("&" if "?" in target else "?") + "done=" + quote(done)
    return Redirect(path=target, status_code=303)


def safe_platform_next(target: str | None) -> str | None:
    """A ``next`` address only if it is a platform page (never another site)."""
    if target and (target == HOME or target.startswith(HOME + "/")) and "//" not in target and "\\" not in target:
        return target
    return None


def _hosts(text: str) -> list[str]:
    return [h.lower() for h in re.split(r"[\s,，、;；]+", text) if h]


def _typed(data: dict, names: tuple[str, ...]) -> dict[str, str]:
    return {k: str(data.get(k) or "").strip() for k in names}


def _branding(form: dict[str, str]) -> Branding:
    """The posted branding; a blank colour falls back to the platform's default."""
    return read_form({k: form[k] for k in BRANDING_FIELDS}, Branding)


def _tenant_form(tenant: TenantOut) -> dict[str, str]:
    return {"name": tenant.name, "hosts": "\n".join(tenant.hosts), "base_url": tenant.base_url,
            **{k: getattr(tenant.branding, k) for k in BRANDING_FIELDS}}


class PlatformLoginPages(Controller):
    include_in_schema = False

    @get("/login")
    async def login_form(self, request: Request, next: FromQuery[str | None] = None) -> Template:
        return platform_page("platform/login.html", request, None, form={"next": safe_platform_next(next) or ""})

    @post("/login", status_code=200)
    async def login(self, request: Request, data: FormData) -> Response:
        form = {"username": str(data.get("username") or "").strip(), "next": safe_platform_next(data.get("next")) or ""}
        password = str(data.get("password") or "")
        errors = {}
        if not form["username"]:
            errors["username"] = "请输入用户名"
        if not password:
            errors["password"] = "请输入密码"
        if errors:
            return platform_page("platform/login.html", request, None, status=400, form=form, errors=errors)
        settings = request.app.state.settings
        try:
            token = await service.login(form["username"], password, settings.token_hours,
                                        limiter=request.app.state.login_limiter,
                                        client=client_address(request))
        except DomainError as exc:
            return platform_page("platform/login.html", request, None, status=exc.status, form=form,
                                 errors={"_form": str(exc)})
        response = Redirect(path=form["next"] or HOME + "/", status_code=303)
        response.set_cookie(PLATFORM_COOKIE, token, httponly=True, samesite="lax", path=HOME,
                            secure=settings.https, max_age=settings.token_hours * 3600)
        return response

    @post("/logout", status_code=303)
    async def logout(self, request: Request) -> Redirect:
        token = request.cookies.get(PLATFORM_COOKIE)
        if token:
            await revoke_token(token)
        response = platform_redirect("login", done="您已退出登录")
        response.delete_cookie(PLATFORM_COOKIE, path=HOME)
        return response


class PlatformPages(Controller):
    include_in_schema = False
    dependencies = {"admin": Provide(provide_platform_admin)}

    @get("/")
    async def dashboard(self, request: Request, admin: NamedDependency[PlatformViewer]) -> Template:
        figures = await service.tenant_figures()
        tenants = {t.slug: t for t in await tenancy.list_tenants(request.app.state.tenants)}
        totals = {"learners": sum(f["learners"] for f in figures), "achievements": sum(f["achievements"] for f in figures),
                  "applications": {s: sum(f["applications"].get(s, 0) for f in figures) for s, _ in APPLICATION_STATUSES}}
        return platform_page("platform/dashboard.html", request, admin, figures=figures, totals=totals,
                             statuses=APPLICATION_STATUSES, tenants=tenants)

    @get("/plugins")
    async def plugins(self, request: Request, admin: NamedDependency[PlatformViewer]) -> Template:
        registry = request.app.state.tenants
        users: dict[str, list[str]] = {}
        for tenant in await tenancy.list_tenants(registry):
            users.setdefault(tenant.plugin, []).append(tenant.name)
        return platform_page("platform/plugins.html", request, admin, plugins=list(registry.plugins.describe()),
                             users=users)

    @get("/tenants")
    async def tenants(self, request: Request, admin: NamedDependency[PlatformViewer]) -> Template:
        return await self._tenants_page(request, admin, {"primary_color": Branding().primary_color,
                                                          "accent_color": Branding().accent_color}, {})

    @post("/tenants", status_code=200)
    async def create(self, request: Request, admin: NamedDependency[PlatformViewer], data: FormData) -> Response:
        form = _typed(data, TENANT_FIELDS)
        try:
            created = await tenancy.create_tenant(read_form(
                {k: form[k] for k in ("slug", "name", "plugin", "base_url")}, TenantCreate,
                hosts=_hosts(form["hosts"]), branding=_branding(form)), request.app.state.tenants)
        except DomainError as exc:
            return await self._tenants_page(request, admin, form, errors_of(exc), status=exc.status)
        from core.platform.onboarding import PlatformAdminRef, record

        await record(PlatformAdminRef(admin.id, admin.username), "platform.tenant.create", created.slug,
                     f"{created.name}（{created.plugin}）", client_address(request))
        return platform_redirect(f"tenants/{created.slug}", done=f"已创建租户“{created.name}”，现已上线")

    @get("/tenants/{slug:str}")
    async def tenant(self, request: Request, admin: NamedDependency[PlatformViewer], slug: FromPath[str]) -> Template:
        tenant = await self._tenant(request, slug)
        return await self._tenant_page(request, admin, tenant, _tenant_form(tenant), {})

    @post("/tenants/{slug:str}", status_code=200)
    async def update(self, request: Request, admin: NamedDependency[PlatformViewer], slug: FromPath[str],
                     data: FormData) -> Response:
        tenant = await self._tenant(request, slug)
        form = _typed(data, ("name", "hosts", "base_url", *BRANDING_FIELDS))
        try:
            patch = read_form({"name": form["name"]}, TenantPatch, hosts=_hosts(form["hosts"]),
                              branding=_branding(form), base_url=form["base_url"].rstrip("/"))
            if patch.name is None:
                raise DomainError("请填写名称", 400, extra={"field": "name"})
            await tenancy.update_tenant(slug, patch, request.app.state.tenants)
            from core.platform.onboarding import PlatformAdminRef, record

            await record(PlatformAdminRef(admin.id, admin.username), "platform.tenant.update", slug,
                         "名称、域名、对外地址与品牌", client_address(request))
        except DomainError as exc:
            return await self._tenant_page(request, admin, tenant, form, errors_of(exc), status=exc.status)
        return platform_redirect(f"tenants/{slug}", done="已保存")

    @post("/tenants/{slug:str}/status", status_code=303)
    async def set_status(self, request: Request, admin: NamedDependency[PlatformViewer], slug: FromPath[str],
                         data: FormData) -> Response:
        await self._tenant(request, slug)
        patch = read_form({"status": data.get("status")}, TenantPatch)
        if patch.status is None:
            raise DomainError("请选择要设置的状态", 400)
        from core.platform.onboarding import PlatformAdminRef, set_status

        await set_status(slug, patch.status, str(data.get("status_message") or ""), request.app.state.tenants,
                         PlatformAdminRef(admin.id, admin.username), client_address(request))
        return platform_redirect(f"tenants/{slug}", done="已暂停服务" if patch.status == "suspended" else "已恢复服务")

    async def _tenant(self, request: Request, slug: str) -> TenantOut:
        tenant = await tenancy.get_tenant(slug, request.app.state.tenants)
        if tenant is None:
            raise NotFoundException(f"未找到租户 {slug}")
        return tenant

    async def _tenants_page(self, request: Request, admin: PlatformViewer, form: dict, errors: dict,
                            status: int = 200) -> Template:
        registry = request.app.state.tenants
        plugins = [(p["name"], f'{p["title"]}（{p["name"]}）') for p in registry.plugins.describe() if not p["error"]]
        return platform_page("platform/tenants.html", request, admin, status=status, form=form, errors=errors,
                             tenants=await tenancy.list_tenants(registry), plugins=plugins)

    async def _tenant_page(self, request: Request, admin: PlatformViewer, tenant: TenantOut, form: dict, errors: dict,
                           status: int = 200) -> Template:
        from core.platform.onboarding_pages import contact_form, onboarding_context

        shown = {k: darken_until_readable(getattr(tenant.branding, k)) for k in ("primary_color", "accent_color")}
        form = {**contact_form(tenant.contact), "status_message": tenant.status_message, **form}
        context = await onboarding_context(request.app.state.tenants.by_slug.get(tenant.slug), tenant.slug)
        return platform_page("platform/tenant.html", request, admin, status=status, form=form, errors=errors,
                             tenant=tenant, shown=shown, site=request.app.state.settings.base_url.rstrip("/"), **context)




def platform_error_handler(request: Request, exc: Exception) -> Response:
    """Errors on platform pages come back as pages; no (or an expired) platform session → the
    platform login, remembering the page."""
    if isinstance(exc, (PlatformLoginRequired, NotAuthorizedException)):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if request.method != "GET":
            target = safe_platform_next(request.headers.get("referer", "").split(request.url.netloc, 1)[-1]) or ""
        response = Redirect(path=f"{HOME}/login?next={quote(target)}", status_code=303)
        response.delete_cookie(PLATFORM_COOKIE, path=HOME)
        return response
    status, message = error_status(request, exc)
    shown = platform_page("platform/error.html", request, None, status=status, message=message)
    if status == 503:
        shown.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return shown


PLATFORM_ERRORS = {PlatformLoginRequired: platform_error_handler, DomainError: platform_error_handler,
                   ValidationException: platform_error_handler, HTTPException: platform_error_handler,
                   Exception: platform_error_handler}


AuditText = Annotated[str | None, QueryParameter(max_length=128)]


class PlatformAuditPages(Controller):
    """审计日志 in the national console: every tenant's chain and the platform's own."""

    path = "/audit"
    include_in_schema = False
    dependencies = {"admin": Provide(provide_platform_admin)}

    @staticmethod
    def _filters(values: dict) -> tuple[dict, trail.PlatformAuditFilter]:
        form = {k: (v or "").strip() for k, v in values.items()}
        return form, trail.PlatformAuditFilter(
            tenant=form["tenant"] or None, actor=form["actor"] or None, action=form["action"] or None,
            target=form["target"] or None, date_from=form["from"] or None, date_to=form["to"] or None)

    @get("/")
    async def log(self, request: Request, admin: NamedDependency[PlatformViewer], tenant: AuditText = None,
                  actor: AuditText = None, action: AuditText = None, target: AuditText = None,
                  date_from: Annotated[str | None, QueryParameter(name="from", max_length=10)] = None,
                  date_to: Annotated[str | None, QueryParameter(name="to", max_length=10)] = None,
                  cursor: Cursor = None) -> Template:
        form, filters = self._filters({"tenant": tenant, "actor": actor, "action": action, "target": target,
                                       "from": date_from, "to": date_to})
        chosen = {k: v for k, v in form.items() if v}
        context: dict[str, Any] = {"form": form, "tenants": await tenancy.list_tenants(request.app.state.tenants)}
        try:
            found = await trail.platform_log(filters, cursor=int(cursor) if cursor else None, limit=50)
        except DomainError as exc:
            if exc.status != 400:
                raise
            return platform_page("platform/audit.html", request, admin, status=400, items=[], errors=errors_of(exc),
                                 **context)
        return platform_page(
            "platform/audit.html", request, admin, items=found.items, **context,
            next_url=f"{HOME}/audit?{urlencode({**chosen, 'cursor': found.next_cursor})}" if found.next_cursor else None,
            exports=[(label, f"{HOME}/audit/export?{urlencode({**chosen, 'format': fmt})}")
                     for label, fmt in (("CSV", "csv"), ("JSON Lines（可离线校验）", "jsonl"))])

    @get("/export")
    async def export(self, request: Request, admin: NamedDependency[PlatformViewer], tenant: AuditText = None,
                     actor: AuditText = None, action: AuditText = None, target: AuditText = None,
                     date_from: Annotated[str | None, QueryParameter(name="from", max_length=10)] = None,
                     date_to: Annotated[str | None, QueryParameter(name="to", max_length=10)] = None,
                     fmt: Annotated[Literal["csv", "jsonl"], QueryParameter(name="format")] = "csv") -> Response:
        _, filters = self._filters({"tenant": tenant, "actor": actor, "action": action, "target": target,
                                    "from": date_from, "to": date_to})
        content = await trail.export(admin.id, filters, fmt, client_address(request))
        return trail.download(content, "text/csv; charset=utf-8" if fmt == "csv" else "application/jsonl; charset=utf-8",
                        f"审计日志-全平台-{utcnow():%Y%m%d}.{fmt}")


PLATFORM_PAGES = [PlatformLoginPages, PlatformPages, PlatformAuditPages]
