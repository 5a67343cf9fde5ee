"""Self-registration pages: the terms, the plugin's form (with the SMS code sent ahead where the
province checks before, the ID-card scan and the region where it asks for them), the e-mail
check afterwards where it checks after, and what happens next.

The form posts as multipart so that the ID-card scan travels with it; a scan already uploaded
is kept by its upload id while the form is corrected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromQuery
from litestar.response import Redirect, Template

from core.accounts import service
from core.accounts.pages import TicketError, beside, login_hint, pii_of, seal, text, unseal
from core.accounts.schemas import CodeRequest
from core.errors import DomainError
from core.hierarchy import service as hierarchy
from core.province import Field
from core.storage.files import clean_filename
from core.web.pages import FormData
from core.web.portal import Portal, page, redirect
from core.web.security import client_address

MultipartForm = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
VERIFY_COOKIE = "cb_register"
_AGREED = ("1", "on", "true")

# How a plugin's field types show as inputs: (input type, autocomplete, extra attributes).
_INPUTS = {
    "text": ("text", "", ""),
    "date": ("date", "bday", ""),
    "integer": ("number", "", 'inputmode="numeric" step="1"'),
    "number": ("number", "", 'step="any"'),
    "email": ("email", "email", 'spellcheck="false" autocapitalize="off"'),
    "phone": ("tel", "tel", 'inputmode="tel"'),
    "password": ("password", "new-password", ""),
    "id_number": ("text", "off", 'spellcheck="false" autocapitalize="characters" maxlength="32"'),
}
_AUTOCOMPLETE = {"real_name": "name", "username": "username", "address": "street-address", "region": "address-level1"}


@dataclass
class FormField:
    """One input of the registration form, ready for the template."""

    name: str
    label: str
    kind: str  # input | select | textarea | new_password | code
    required: bool
    hint: str = ""
    type: str = "text"
    autocomplete: str = ""
    attrs: str = ""
    options: list[tuple[str, str]] = field(default_factory=list)


def _form_field(f: Field) -> FormField:
    if f.name == "password":
        return FormField(f.name, f.label, "new_password", f.required, f.help)
    if f.name == "code":
        return FormField(f.name, f.label, "code", f.required, f.help, autocomplete="one-time-code",
                         attrs='inputmode="numeric" maxlength="6"')
    if f.type == "select":
        return FormField(f.name, f.label, "select", f.required, f.help, options=[(o, o) for o in f.options])
    if f.type == "textarea":
        return FormField(f.name, f.label, "textarea", f.required, f.help)
    type_, autocomplete, attrs = _INPUTS[f.type]
    return FormField(f.name, f.label, "input", f.required, f.help, type_, _AUTOCOMPLETE.get(f.name, autocomplete), attrs)


def _fields(portal: Portal) -> list[FormField]:
    policy = portal.tenant.hooks.registration_policy
    fields = [_form_field(f) for f in policy.fields]
    if policy.verify and policy.verify_when == "before" and not any(f.name == "code" for f in fields):
        fields.append(FormField("code", "验证码", "code", True, autocomplete="one-time-code",
                                attrs='inputmode="numeric" maxlength="6"'))
    return fields


async def _regions(portal: Portal) -> list[tuple[str, str]] | None:
    """Where a learner who must choose a region chooses from: the units whose admins review
    accounts (the national OUC's provincial centres); where that is a single unit, it and
    the units under it (Gansu's provincial school and its branch schools). None when the
    province asks for no region, or lets the learner type it."""
    policy = portal.tenant.hooks.registration_policy
    named = {f.name for f in policy.fields}
    if not policy.region_required or not policy.reviewer_level or {"region", "unit_code"} & named:
        return None
    levels = portal.tenant.hooks.org_levels
    units = await hierarchy.units_at_level(portal.tenant.id, policy.reviewer_level, levels)
    if len(units) == 1:
        below = await hierarchy.list_units(portal.tenant.id, levels, parent_code=units[0].code, limit=200)
        units += below.items if below else []
    return [(u.code, u.name) for u in units]


def _closed(portal: Portal) -> Template | None:
    if portal.tenant.hooks.registration_policy.self_registration:
        return None
    return page("accounts/register_closed.html", portal)


async def _form_page(portal: Portal, form: dict | None = None, errors: dict | None = None, status: int = 200,
                     sent_to: str | None = None) -> Template:
    policy = portal.tenant.hooks.registration_policy
    regions = await _regions(portal)
    region_free = policy.region_required and regions is None and not any(
        f.name in ("region", "unit_code") for f in policy.fields)
    return page("accounts/register_form.html", portal, status=status, form=form or {}, errors=errors or {},
                fields=_fields(portal), regions=regions, region_free=region_free, policy=policy,
                password_policy=portal.tenant.hooks.password_policy, sent_to=sent_to,
                verify_before=bool(policy.verify) and policy.verify_when == "before",
                verify_channel=policy.verify[0] if policy.verify else "")


def _typed(data: dict[str, Any]) -> dict[str, str]:
    """What the learner typed (never the passwords, never the file), to show the form again."""
    return {k: v.strip() for k, v in data.items()
            if isinstance(v, str) and not k.startswith("_") and k not in ("password", "password_confirm")}


async def _keep_scan(request: Request, portal: Portal, data: dict[str, Any], form: dict[str, str]) -> tuple[dict[str, str], int]:
    """Store a newly chosen ID-card scan as the API's upload does (same limits, same service)
    and keep its id in the form; returns the error beside the file input and its status
    (none and 200 when all went well or no file was chosen)."""
    upload = data.get("id_scan_file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return {}, 200
    limiter = request.app.state.upload_limiter
    client = client_address(request)
    if await limiter.blocked(client):
        return {"id_scan": "上传过于频繁，请稍后再试"}, 429
    await limiter.hit(client)  # every anonymous upload counts against the address
    content = await upload.read()
    if not content:
        return {}, 200
    try:
        form["id_scan"] = await service.store_id_scan(portal.tenant, request.app.state.storage, content,
                                                      request.app.state.settings.max_upload_mb * 1024 * 1024)
    except DomainError as exc:
        form.pop("id_scan", None)
        form.pop("id_scan_name", None)
        return {"id_scan": str(exc)}, exc.status
    form["id_scan_name"] = clean_filename(upload.filename, "扫描件")
    return {}, 200


class RegistrationPages(Controller):
    path = "/register"
    include_in_schema = False

    @get("/")
    async def terms(self, portal: NamedDependency[Portal]) -> Template:
        if closed := _closed(portal):
            return closed
        if not portal.tenant.hooks.registration_policy.terms_required:
            return await _form_page(portal)
        return page("accounts/register_terms.html", portal, terms=portal.tenant.hooks.tenant_defaults.terms)

    @get(["/terms", "/code"])
    async def restart(self, portal: NamedDependency[Portal]) -> Redirect:
        """A step reloaded: what it carried was in the form, so start again."""
        return redirect(portal, "register")

    @get("/verify/code")
    async def verify_again(self, portal: NamedDependency[Portal]) -> Redirect:
        return redirect(portal, "register/verify")

    @post("/terms", status_code=200)
    async def accept_terms(self, portal: NamedDependency[Portal], data: FormData) -> Template:
        if closed := _closed(portal):
            return closed
        if portal.tenant.hooks.registration_policy.terms_required and text(data, "agree_terms") not in _AGREED:
            return page("accounts/register_terms.html", portal, status=400, terms=portal.tenant.hooks.tenant_defaults.terms,
                        errors={"agree_terms": "请阅读并同意服务条款后再继续"})
        return await _form_page(portal, {"agree_terms": "1"})

    @post("/code", status_code=200)
    async def send_code(self, request: Request, portal: NamedDependency[Portal], data: MultipartForm) -> Template:
        """The code sent ahead of registering (Guangdong's SMS); the form comes back as typed."""
        if closed := _closed(portal):
            return closed
        form = _typed(data)
        errors, _ = await _keep_scan(request, portal, data, form)  # kept beside the file input
        policy = portal.tenant.hooks.registration_policy
        if not (policy.verify and policy.verify_when == "before"):
            return await _form_page(portal, form, {"_form": "本学分银行注册时无需获取验证码"}, 400)
        channel = policy.verify[0]
        target = "phone" if channel == "sms" else "email"
        try:
            sent_to = await service.request_code(portal.tenant, pii_of(portal), CodeRequest(
                purpose="register", channel=channel, **{target: form.get(target) or None}), client_address(request))
        except DomainError as exc:
            return await _form_page(portal, form, {**errors, **beside(exc, target, code="send")}, exc.status)
        return await _form_page(portal, form, errors, sent_to=sent_to)

    @post("/", status_code=200)
    async def register(self, request: Request, portal: NamedDependency[Portal], data: MultipartForm) -> Template | Redirect:
        if closed := _closed(portal):
            return closed
        form = _typed(data)
        errors, status = await _keep_scan(request, portal, data, form)
        if errors:
            return await _form_page(portal, form, errors, status)
        values: dict[str, Any] = {**form, "password": data.get("password") or "",
                                  "password_confirm": data.get("password_confirm") or "",
                                  "agree_terms": form.get("agree_terms") in _AGREED}
        regions = await _regions(portal)
        if regions is not None:
            chosen = dict(regions).get(form.get("unit_code", ""))
            if chosen is None:
                return await _form_page(portal, form, {"unit_code": "请选择所在区域"}, 400)
            values["region"] = chosen
        try:
            account = await service.register(portal.tenant, pii_of(portal), values, request.app.state.storage)
        except DomainError as exc:
            return await _form_page(portal, form, beside(exc, "_form", region="unit_code" if regions else "region"),
                                    exc.status)
        if account.status != "registered":
            return redirect(portal, f"register/done?status={account.status}")
        # The check comes after registering: the verify page knows the account by a cookie,
        # so neither the ID number nor the e-mail address travels in the address.
        sent_to = account.email_masked if _verify_channel(portal) == "email" else account.phone_masked
        response = redirect(portal, "register/verify")
        response.set_cookie(VERIFY_COOKIE, seal(portal, "register-verify", id_number=form.get("id_number"), sent_to=sent_to),
                            path=portal.url("register"), httponly=True, samesite="lax",
                            secure=request.app.state.settings.https, max_age=30 * 60)
        return response

    def _pending(self, portal: Portal) -> dict[str, Any] | None:
        try:
            return unseal(portal, "register-verify", portal.request.cookies.get(VERIFY_COOKIE))
        except TicketError:
            return None

    def _verify_page(self, portal: Portal, form: dict | None = None, errors: dict | None = None, status: int = 200,
                     sent_to: str | None = None) -> Template:
        pending = self._pending(portal)
        return page("accounts/register_verify.html", portal, status=status, form=form or {}, errors=errors or {},
                    known=pending is not None, sent_to=sent_to or (pending or {}).get("sent_to"),
                    channel=_verify_channel(portal), resent=sent_to is not None)

    @get("/verify")
    async def verify_form(self, portal: NamedDependency[Portal]) -> Template:
        return self._verify_page(portal)

    def _account(self, portal: Portal, data: dict[str, Any]) -> dict[str, str | None]:
        pending = self._pending(portal)
        if pending is not None:
            return {"id_number": pending["id_number"], "username": None}
        return {"id_number": None, "username": text(data, "username")}

    @post("/verify", status_code=200)
    async def verify(self, portal: NamedDependency[Portal], data: FormData) -> Template | Redirect:
        form = {"username": text(data, "username"), "code": text(data, "code")}
        account = self._account(portal, data)
        errors = {} if form["code"] else {"code": "请填写验证码"}
        if not (account["id_number"] or account["username"]):
            errors["username"] = "请填写用户名"
        if errors:
            return self._verify_page(portal, form, errors, 400)
        try:
            done = await service.verify_registration(portal.tenant, pii_of(portal), account["username"], form["code"],
                                                     id_number=account["id_number"])
        except DomainError as exc:
            fallback = "_form" if account["id_number"] else "username"
            return self._verify_page(portal, form, beside(exc, fallback, id_number="_form"), exc.status)
        response = redirect(portal, f"register/done?status={done.status}")
        response.delete_cookie(VERIFY_COOKIE, path=portal.url("register"))
        return response

    @post("/verify/code", status_code=200)
    async def resend(self, request: Request, portal: NamedDependency[Portal], data: FormData) -> Template:
        form = {"username": text(data, "username")}
        account = self._account(portal, data)
        if not (account["id_number"] or account["username"]):
            return self._verify_page(portal, form, {"username": "请填写用户名"}, 400)
        try:
            sent_to = await service.resend_registration_code(portal.tenant, pii_of(portal), account["username"],
                                                             client_address(request), id_number=account["id_number"])
        except DomainError as exc:
            fallback = "_form" if account["id_number"] else "username"
            return self._verify_page(portal, form, beside(exc, fallback, id_number="_form", username=fallback,
                                                          code="send"), exc.status)
        return self._verify_page(portal, form, sent_to=sent_to)

    @get("/done")
    async def done(self, portal: NamedDependency[Portal], status: FromQuery[str | None] = None) -> Template:
        return page("accounts/register_done.html", portal, outcome=status, policy=portal.tenant.hooks.registration_policy,
                    login_hint=login_hint(portal))


def _verify_channel(portal: Portal) -> str:
    """The channel of the check after registering (``sms`` or ``email``)."""
    verify = portal.tenant.hooks.registration_policy.verify
    return verify[0] if verify else "email"
