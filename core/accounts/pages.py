"""Account pages: the activation wizard (登录账号 → 身份验证 → 设置密码) for imported, invited and
window-opened accounts, changing a password, and resetting a forgotten one with a code.
Self-registration is in ``registration_pages``.

A wizard's state travels in a hidden ``ticket`` field (or, after a redirect, a cookie): sealed
with AES-GCM under a key of its own derived from the secret key, bound to the tenant and the
step it belongs to, and good for ``TICKET_MINUTES`` — so an ID number typed in step 1 is never
in an address, nor in the pages that follow.
"""

from __future__ import annotations

import binascii
import functools
import re
import time
from typing import Any

import msgspec
from cryptography.exceptions import InvalidTag
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from core.accounts import service, throttle
from core.accounts.codes import CodeError
from core.accounts.schemas import ActivateIn, ActivationDetails, CodeRequest, PasswordReset
from core.errors import DomainError
from core.security.password_policy import PasswordPolicyError
from core.security.pii import PiiProtector
from core.security.sealing import Sealer
from core.web.csrf import session_cookie
from core.web.pages import FormData
from core.web.portal import Portal, errors_of, page, redirect
from core.web.security import client_address

TICKET_MINUTES = 30
CHANNEL_LABELS = {"sms": "手机短信", "email": "电子邮箱"}
_ID_SHAPE = re.compile(r"^[0-9]{17}[0-9Xx]$")


class TicketError(DomainError):
    def __init__(self) -> None:
        super().__init__("页面已过期，请从第一步重新开始", 400)


@functools.lru_cache(maxsize=8)
def _sealer(secret: str) -> Sealer:
    return Sealer(secret, b"creditbank portal wizard v1", urlsafe=True)


def _binding(portal: Portal, purpose: str) -> tuple[Sealer, bytes]:
    return _sealer(portal.request.app.state.settings.secret_key), f"{portal.tenant.id}|{purpose}".encode()


def seal(portal: Portal, purpose: str, **state: Any) -> str:
    """``state`` sealed for this tenant and ``purpose``; ``unseal`` gives it back."""
    sealer, binding = _binding(portal, purpose)
    return sealer.seal(msgspec.json.encode({**state, "exp": int(time.time()) + TICKET_MINUTES * 60}), binding)


def unseal(portal: Portal, purpose: str, ticket: str | None) -> dict[str, Any]:
    """The state sealed by ``seal``; ``TicketError`` when it is missing, forged, another
    tenant's or step's, or expired."""
    sealer, binding = _binding(portal, purpose)
    try:
        state = msgspec.json.decode(sealer.open(ticket or "", binding))
    except (InvalidTag, ValueError, binascii.Error, msgspec.DecodeError):
        raise TicketError() from None
    if not isinstance(state, dict) or state.pop("exp", 0) < time.time():
        raise TicketError()
    return state


def who(identifier: str) -> dict[str, str | None]:
    """An ID number or a username, as the account services take them: eighteen characters
    shaped like an ID number are one (checked by the service), anything else a username."""
    value = identifier.strip()
    if _ID_SHAPE.match(value):
        return {"id_number": value, "username": None}
    return {"id_number": None, "username": value}


def beside(exc: DomainError, default: str, **rename: str) -> dict[str, str]:
    """The error keyed by the form field it belongs to: the field the service names (renamed
    to this form's), else a password-policy error beside the new password, a code error
    beside the code, anything else beside ``default``."""
    (field, message), = errors_of(exc).items()
    if field == "_form":
        if isinstance(exc, PasswordPolicyError):
            field = rename.get("password", "password")
        elif isinstance(exc, CodeError):
            field = rename.get("code", "code")
        else:
            field = default
    return {rename.get(field, field): message}


def text(data: dict[str, Any], name: str) -> str:
    value = data.get(name)
    return value.strip() if isinstance(value, str) else ""


def pii_of(portal: Portal) -> PiiProtector:
    return portal.request.app.state.pii


def limits_of(portal: Portal) -> throttle.Throttles:
    return portal.request.app.state.throttles


def login_hint(portal: Portal) -> str:
    """What this tenant's learners log in with, e.g. ``用户名、证件号码``."""
    names = {"username": "用户名", "id_number": "证件号码", "email": "电子邮箱", "phone": "手机号码"}
    return "、".join(names[n] for n in portal.tenant.hooks.username_scheme.login_by)


# ---------------------------------------------------------------------------------------------
# Activation

_IDENTIFIER = {"id_number": "identifier", "username": "identifier"}
# Later steps have no identifier field: what concerns the account shows above the form.
_LATER = {"id_number": "_form", "username": "_form"}


def _account_step(portal: Portal, form: dict | None = None, errors: dict | None = None, status: int = 200) -> Template:
    return page("accounts/activate_account.html", portal, status=status, form=form or {}, errors=errors or {},
                terms=portal.tenant.hooks.tenant_defaults.terms,
                terms_required=portal.tenant.hooks.registration_policy.terms_required)


def _verify_step(portal: Portal, details: ActivationDetails, ticket: str, form: dict | None = None,
                 errors: dict | None = None, status: int = 200, sent_to: str | None = None) -> Template:
    bound = {"sms": details.phone_masked, "email": details.email_masked}
    options = [(c, f"{CHANNEL_LABELS[c]}（{bound[c]}）" if bound[c] else CHANNEL_LABELS[c]) for c in details.channels]
    form = form or {"channel": details.channels[0] if details.channels else ""}
    return page("accounts/activate_verify.html", portal, status=status, form=form, errors=errors or {},
                details=details, ticket=ticket, channel_options=options, sent_to=sent_to)


def _channel_problem(details: ActivationDetails, form: dict[str, str]) -> dict[str, str]:
    """What the page checks itself: a channel chosen, and the working e-mail typed where the
    province asks for one and none is bound yet."""
    if form["channel"] not in CHANNEL_LABELS:
        return {"channel": "请选择验证方式"}
    if details.email_wanted and form["channel"] == "email" and not form["email"] and not details.email_masked:
        return {"email": "请填写常用电子邮箱"}
    return {}


def _password_step(portal: Portal, ticket: str, errors: dict | None = None, status: int = 200) -> Template:
    return page("accounts/activate_password.html", portal, status=status, errors=errors or {}, ticket=ticket,
                policy=portal.tenant.hooks.password_policy)


def _new_password_problem(data: dict[str, Any], name: str, confirm: str, missing: str = "请设置密码") -> dict[str, str]:
    """What the page checks itself: a password typed, and typed twice the same."""
    if not data.get(name):
        return {name: missing}
    if data.get(name) != data.get(confirm):
        return {confirm: "两次输入的密码不一致"}
    return {}


class ActivationPages(Controller):
    path = "/activate"
    include_in_schema = False

    @get("/")
    async def account_step(self, portal: NamedDependency[Portal]) -> Template:
        return _account_step(portal)

    @post("/", status_code=200)
    async def find(self, portal: NamedDependency[Portal], data: FormData) -> Template:
        form = {"identifier": text(data, "identifier")}
        if not form["identifier"]:
            return _account_step(portal, form, {"identifier": "请填写证件号码或用户名"}, 400)
        account = who(form["identifier"])
        try:
            await throttle.lookup(limits_of(portal), portal.tenant, pii_of(portal), client_address(portal.request), **account)
            details = await service.activation_details(portal.tenant, pii_of(portal), **account)
        except DomainError as exc:
            return _account_step(portal, form, beside(exc, "identifier", **_IDENTIFIER), exc.status)
        return _verify_step(portal, details, seal(portal, "activate", **account))

    async def _resume(self, portal: Portal, ticket: str) -> tuple[dict, ActivationDetails]:
        account = unseal(portal, "activate", ticket)
        return account, await service.activation_details(portal.tenant, pii_of(portal), **account)

    @post("/code", status_code=200)
    async def send_code(self, request: Request, portal: NamedDependency[Portal], data: FormData) -> Template:
        ticket = text(data, "ticket")
        form = {"channel": text(data, "channel"), "email": text(data, "email")}
        try:
            account, details = await self._resume(portal, ticket)
        except DomainError as exc:
            return _account_step(portal, {}, {"_form": str(exc)}, exc.status)
        if problem := _channel_problem(details, form):
            return _verify_step(portal, details, ticket, form, problem, 400)
        try:
            sent_to = await service.request_code(portal.tenant, pii_of(portal), CodeRequest(
                purpose="activation", channel=form["channel"], email=form["email"] or None, **account),
                client_address(request))
        except DomainError as exc:
            return _verify_step(portal, details, ticket, form, beside(exc, "send", code="send", **_LATER), exc.status)
        return _verify_step(portal, details, ticket, form, sent_to=sent_to)

    @post("/verify", status_code=200)
    async def verify(self, portal: NamedDependency[Portal], data: FormData) -> Template:
        ticket = text(data, "ticket")
        form = {"channel": text(data, "channel"), "email": text(data, "email"), "code": text(data, "code")}
        try:
            account, details = await self._resume(portal, ticket)
        except DomainError as exc:
            return _account_step(portal, {}, {"_form": str(exc)}, exc.status)
        if problem := _channel_problem(details, form):
            return _verify_step(portal, details, ticket, form, problem, 400)
        try:
            await throttle.code_try(limits_of(portal), client_address(portal.request))
            await service.check_activation_code(portal.tenant, pii_of(portal), channel=form["channel"],
                                                email=form["email"] or None, code=form["code"], **account)
        except DomainError as exc:
            return _verify_step(portal, details, ticket, form, beside(exc, "code", **_LATER), exc.status)
        return _password_step(portal, seal(portal, "activate-password", **account, channel=form["channel"],
                                           email=form["email"] or None, code=form["code"]))

    @post("/password", status_code=200)
    async def set_password(self, portal: NamedDependency[Portal], data: FormData) -> Template | Redirect:
        ticket = text(data, "ticket")
        try:
            state = unseal(portal, "activate-password", ticket)
        except TicketError as exc:
            return _account_step(portal, {}, {"_form": str(exc)}, exc.status)
        if problem := _new_password_problem(data, "password", "password_confirm"):
            return _password_step(portal, ticket, problem, 400)
        account = {"id_number": state["id_number"], "username": state["username"]}
        try:
            await throttle.code_try(limits_of(portal), client_address(portal.request))
            done = await service.activate(portal.tenant, pii_of(portal), ActivateIn(
                code=state["code"], password=str(data["password"]), channel=state["channel"], email=state["email"],
                **account))
        except CodeError as exc:  # the code expired, or was replaced, since step 2
            details = await service.activation_details(portal.tenant, pii_of(portal), **account)
            return _verify_step(portal, details, seal(portal, "activate", **account),
                                {"channel": state["channel"], "email": state["email"] or ""}, {"code": str(exc)}, exc.status)
        except DomainError as exc:
            return _password_step(portal, ticket, beside(exc, "_form", **_LATER, channel="_form", email="_form"), exc.status)
        return redirect(portal, f"activate/done?status={done.status}")

    @get(["/code", "/verify", "/password"])
    async def restart(self, portal: NamedDependency[Portal]) -> Redirect:
        """A later step reloaded (a phone reopening ``/activate/verify``): its state was in the
        form, so start again."""
        return redirect(portal, "activate")

    @get("/done")
    async def done(self, portal: NamedDependency[Portal], status: FromQuery[str | None] = None) -> Template:
        return page("accounts/activate_done.html", portal, outcome=status,
                    policy=portal.tenant.hooks.registration_policy, login_hint=login_hint(portal))


# ---------------------------------------------------------------------------------------------
# Passwords

_RESET_FIELDS = {"id_number": "identifier", "username": "identifier", "password": "new_password"}
_RESET_LATER = {**_LATER, "channel": "_form", "password": "new_password"}


def _reset_confirm(portal: Portal, ticket: str, errors: dict | None = None, status: int = 200,
                   sent_to: str | None = None) -> Template:
    return page("accounts/password_reset_confirm.html", portal, status=status, errors=errors or {}, ticket=ticket,
                sent_to=sent_to, policy=portal.tenant.hooks.password_policy)


class PasswordPages(Controller):
    path = "/password"
    include_in_schema = False

    @get("/")
    async def change_form(self, portal: NamedDependency[Portal]) -> Template:
        portal.require()
        return page("accounts/password_change.html", portal, policy=portal.tenant.hooks.password_policy)

    @post("/", status_code=200)
    async def change(self, portal: NamedDependency[Portal], data: FormData) -> Template | Redirect:
        viewer = portal.require()
        errors = {} if data.get("old_password") else {"old_password": "请输入原密码"}
        errors.update(_new_password_problem(data, "new_password", "new_password_confirm", "请输入新密码"))
        if not errors:
            try:
                await service.change_password(portal.tenant, viewer.id, str(data["old_password"]), str(data["new_password"]),
                                              keep_token=portal.request.cookies.get(session_cookie(portal.tenant.slug)))
            except DomainError as exc:
                errors = beside(exc, "_form", password="new_password")
        if errors:
            return page("accounts/password_change.html", portal, status=400, errors=errors,
                        policy=portal.tenant.hooks.password_policy)
        return redirect(portal, "staff/reviews" if portal.is_staff else "me", done="密码已修改")

    @get("/reset")
    async def reset_form(self, portal: NamedDependency[Portal]) -> Template:
        return page("accounts/password_reset.html", portal, form={"channel": "sms"})

    @post("/reset", status_code=200)
    async def reset_send(self, request: Request, portal: NamedDependency[Portal], data: FormData) -> Template:
        form = {"identifier": text(data, "identifier"), "channel": text(data, "channel")}
        errors, status = ({} if form["identifier"] else {"identifier": "请填写证件号码或用户名"}), 400
        if form["channel"] not in CHANNEL_LABELS:
            errors["channel"] = "请选择接收验证码的方式"
        if not errors:
            account = who(form["identifier"])
            try:
                sent_to = await service.request_code(portal.tenant, pii_of(portal), CodeRequest(
                    purpose="reset", channel=form["channel"], **account), client_address(request))
            except DomainError as exc:
                errors, status = beside(exc, "identifier", code="_form", **_RESET_FIELDS), exc.status
            else:
                return _reset_confirm(portal, seal(portal, "reset", **account, channel=form["channel"]), sent_to=sent_to)
        return page("accounts/password_reset.html", portal, status=status, form=form, errors=errors)

    @get(["/reset/code", "/reset/confirm"])
    async def restart(self, portal: NamedDependency[Portal]) -> Redirect:
        """A later step reloaded: start the reset again."""
        return redirect(portal, "password/reset")

    @post("/reset/code", status_code=200)
    async def reset_resend(self, request: Request, portal: NamedDependency[Portal], data: FormData) -> Template:
        ticket = text(data, "ticket")
        try:
            state = unseal(portal, "reset", ticket)
            sent_to = await service.request_code(portal.tenant, pii_of(portal), CodeRequest(purpose="reset", **state),
                                                 client_address(request))
        except TicketError as exc:
            return page("accounts/password_reset.html", portal, status=exc.status, form={"channel": "sms"},
                        errors={"_form": str(exc)})
        except DomainError as exc:
            return _reset_confirm(portal, ticket, beside(exc, "send", code="send", **_RESET_LATER), exc.status)
        return _reset_confirm(portal, ticket, sent_to=sent_to)

    @post("/reset/confirm", status_code=200)
    async def reset(self, portal: NamedDependency[Portal], data: FormData) -> Template | Redirect:
        ticket = text(data, "ticket")
        try:
            state = unseal(portal, "reset", ticket)
        except TicketError as exc:
            return page("accounts/password_reset.html", portal, status=exc.status, form={"channel": "sms"},
                        errors={"_form": str(exc)})
        errors, status = ({} if text(data, "code") else {"code": "请填写验证码"}), 400
        errors.update(_new_password_problem(data, "new_password", "new_password_confirm", "请输入新密码"))
        if not errors:
            try:
                await throttle.code_try(limits_of(portal), client_address(portal.request))
                await service.reset_password(portal.tenant, pii_of(portal), PasswordReset(
                    code=text(data, "code"), new_password=str(data["new_password"]), **state))
            except DomainError as exc:
                errors, status = beside(exc, "_form", **_RESET_LATER), exc.status
            else:
                return redirect(portal, "login", done="密码已重置，请使用新密码登录")
        return _reset_confirm(portal, ticket, errors, status)
