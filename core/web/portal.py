"""What every portal page knows about its request: the tenant and its colours, who is looking,
the menu they get; and the one way pages render (``page``) and read forms (``read_form``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import msgspec
from litestar import Request
from litestar.di import NamedDependency
from litestar.response import Redirect, Template

from core.errors import DomainError
from core.security import permissions
from core.security.principal import Principal, principal_for_token
from core.tenancy.context import TenantContext
from core.web.branding import Palette, palette
from core.web.csrf import session_cookie


class LoginRequired(Exception):
    """Raised by a page that needs a login; the pages' handler answers with the login page,
    remembering where the visitor was going."""


class FormError(DomainError):
    """A form field that cannot be read (``field`` names it)."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message, 400, extra={"field": field_name})

    @classmethod
    def of(cls, errors: dict[str, str]) -> FormError:
        """Several fields at once (``errors_of`` shows each beside its field)."""
        first, message = next(iter(errors.items()))
        error = cls(first, message)
        error.extra = {"field": first, "fields": errors}
        return error


@dataclass(frozen=True)
class MenuItem:
    href: str
    label: str


@dataclass
class Portal:
    """The request as pages see it. ``base`` is the tenant's path prefix (``/t/guangdong``):
    links always carry it, and it also works on the tenant's own host name."""

    request: Request
    tenant: TenantContext
    viewer: Principal | None
    palette: Palette
    base: str
    flash: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def is_staff(self) -> bool:
        return self.viewer is not None and self.viewer.kind == "staff"

    def require(self) -> Principal:
        if self.viewer is None:
            raise LoginRequired()
        return self.viewer

    def require_learner(self) -> Principal:
        viewer = self.require()
        if viewer.kind != "learner":
            raise DomainError("此页面供学习者使用", 403)
        return viewer

    def require_staff(self, action: permissions.Action = "staff") -> Principal:
        """The viewer, when they may take ``action`` (``core.security.permissions``; by default:
        use the staff workbench at all); else the login page (anonymous) or a 403 page."""
        return permissions.require(self.require(), action)

    def may(self, action: permissions.Action, unit_path: str | None = None) -> bool:
        return permissions.may(self.viewer, action, unit_path)

    def url(self, path: str = "") -> str:
        return f"{self.base}/{path.lstrip('/')}" if path else f"{self.base}/"

    @property
    def menu(self) -> list[MenuItem]:
        """The top menu: what this viewer can do, in the order the Guangdong manual lists it."""
        if self.viewer is None:
            items = [("", "首页"), ("rules", "转换规则"), ("framework", "资历框架"), ("faq", "常见问题"),
                     ("units", "服务网点")]
        elif self.viewer.kind == "learner":
            items = [("me", "我的信息"), ("me/achievements/new", "成果添加"), ("me/recognition", "认定成果申请"),
                     ("me/conversion", "转换成果申请"), ("me/applications", "进度查询"), ("me/proofs", "学习成果证明"),
                     ("me/record", "我的学习档案"),
                     ("rules", "转换规则"), ("faq", "常见问题")]
        else:
            # Only what the viewer's roles open: a link that ends in 403 is a broken promise.
            admin = self.may("accounts.manage")
            items = [("staff/reviews", "审核")]
            if admin:
                items += [("staff/learners", "学习者"), ("staff/units", "组织机构")]
            if self.may("imports.run"):
                items.append(("staff/imports", "导入"))
            items += [("staff/catalog", "名录"), ("staff/rules", "规则")]
            if admin:
                items.append(("staff/reports", "统计"))
            if self.may("notifications.log"):
                items.append(("staff/notifications", "发送记录"))
            if self.may("audit.read"):
                items.append(("staff/audit", "审计日志"))
        return [MenuItem(self.url(path), label) for path, label in items]


async def provide_portal(request: Request, tenant: NamedDependency[TenantContext]) -> Portal:
    token = request.cookies.get(session_cookie(tenant.slug))
    viewer = await principal_for_token(tenant, token) if token else None
    return Portal(request=request, tenant=tenant, viewer=viewer, palette=palette(tenant.branding, tenant.name),
                  base=f"/t/{tenant.slug}", flash=request.query_params.get("done"))


def page(name: str, portal: Portal, *, status: int = 200, **context: Any) -> Template:
    """Render ``name`` for ``portal``'s request; ``errors``/``form`` are what a re-shown form
    needs (a message per field, the values the user typed)."""
    context.setdefault("errors", {})
    context.setdefault("form", {})
    return Template(template_name=name, context={"portal": portal, "t": portal.base, **context}, status_code=status)


def redirect(portal: Portal, path: str, done: str | None = None) -> Redirect:
    """Post/redirect/get: after a form succeeds the browser lands on a page it may reload.
    ``done`` is a short confirmation the next page shows (never anything sensitive)."""
    target = portal.url(path)
    if done:
        target += ("&" if "?" in target else "?") + "done=" + quote(done)
    return Redirect(path=target, status_code=303)


def errors_of(exc: DomainError) -> dict[str, str]:
    """The messages of a service error keyed by the fields they name: every field of
    ``extra["fields"]`` where the service found several, else the one ``extra["field"]`` names
    (``_form`` when none)."""
    extra = exc.extra if isinstance(exc.extra, dict) else {}
    if isinstance(extra.get("fields"), dict) and extra["fields"]:
        return {str(k): str(v) for k, v in extra["fields"].items()}
    return {str(extra.get("field") or "_form"): str(exc)}


def read_form(data: dict[str, Any], type_: type[msgspec.Struct], **overrides: Any) -> Any:
    """Turn a posted form into ``type_``: empty fields count as absent, numbers are parsed.
    Every field that cannot be read is named at once (``FormError`` with a message per field):
    each is checked against its own declared type, not found by reading msgspec's message."""
    values = {k: v for k, v in data.items() if not k.startswith("_") and v not in ("", None)}
    values.update(overrides)
    errors: dict[str, str] = {}
    for spec in msgspec.structs.fields(type_):
        if spec.encode_name not in values:
            if spec.required:
                errors[spec.name] = "此项为必填项"
            continue
        try:
            msgspec.convert(values[spec.encode_name], spec.type, strict=False)
        except msgspec.ValidationError:
            errors[spec.name] = "格式不正确"
    if errors:
        raise FormError.of(errors)
    try:
        return msgspec.convert(values, type_, strict=False)
    except msgspec.ValidationError:  # a rule across fields (a struct's own checks)
        raise FormError("_form", "填写的内容不符合要求，请检查后重新提交") from None


def safe_next(portal: Portal, target: str | None) -> str | None:
    """A ``next`` address only if it is a page of this tenant (never another site)."""
    if target and target.startswith(portal.base + "/") and "//" not in target[1:] and "\\" not in target:
        return target
    return None
