"""Organisation pages for admins: the tree below their unit (children, breadcrumbs), adding a
unit below one they administer, and allocating an admin account to a unit below their own
(the invitee sets a password with the code sent to them, on the activation page). In accounts,
the highest package they need (the units' staff)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter

from core.accounts import staff
from core.accounts.schemas import StaffInvite
from core.errors import DomainError
from core.hierarchy import service
from core.hierarchy.schemas import OrgUnitDetail, OrgUnitIn
from core.security.permissions import ACTIONS
from core.security.principal import Principal
from core.web.pages import FormData
from core.web.portal import Portal, errors_of, page, read_form, redirect
from core.web.security import site_link

ADMIN_ROLES = ACTIONS["accounts.manage"]
STAFF_STATUS = {"invited": "待激活", "active": "正常", "disabled": "已停用"}


def _covers(viewer: Principal):
    return lambda path: viewer.covers(path, *ADMIN_ROLES)


def _paths(unit: OrgUnitDetail) -> list[str]:
    """The materialized paths of the unit's ancestors, root first, then of the unit itself."""
    codes = [a.code for a in unit.ancestors] + [unit.code]
    return ["/" + "".join(f"{c}/" for c in codes[:i + 1]) for i in range(len(codes))]


async def _unit_page(portal: Portal, viewer: Principal, code: str, cursor: str | None = None, *, http_status: int = 200,
                     form: dict | None = None, errors: dict | None = None, which: str = "") -> Response:
    """The unit page; ``which`` names the form (``unit`` or ``staff``) the values and errors
    belong to, so a re-shown form does not fill the other one."""
    hooks = portal.tenant.hooks
    unit = await service.unit_in_scope(portal.tenant.id, code, hooks.org_levels, _covers(viewer))
    children = await service.list_units(portal.tenant.id, hooks.org_levels, parent_code=code, cursor=cursor, limit=50)
    own = next((u for u in hooks.org_levels if u.code == unit.level), None)
    below = [(lvl.code, lvl.label) for lvl in sorted(hooks.org_levels, key=lambda lvl: lvl.rank)
             if own is None or lvl.rank > own.rank]
    is_tenant_admin = viewer.has_role("tenant_admin")
    # A unit admin allocates accounts to units below their own, not to their own unit.
    paths = _paths(unit)
    may_invite = is_tenant_admin or not any(g.unit_path == paths[-1] for g in viewer.grants if g.role in ADMIN_ROLES)
    labels = hooks.wording.role_labels
    roles = [(r, labels[r]) for r in (("unit_admin", "tenant_admin", "committee") if is_tenant_admin else ("unit_admin",))]
    crumbs = [(a, viewer.covers(path, *ADMIN_ROLES)) for a, path in zip(unit.ancestors, paths)]
    forms = {"unit": {"level": below[0][0] if below else ""}, "staff": {"role": "unit_admin"}}
    if which:
        forms[which] = form or {}
    return page("hierarchy/staff_unit.html", portal, status=http_status, title=unit.name, unit=unit, crumbs=crumbs,
                children=children.items if children else [], next_cursor=children.next_cursor if children else None,
                staff=await staff.unit_staff(portal.tenant, viewer, code), levels=below, may_invite=may_invite,
                roles=roles, forms=forms, errors=errors or {}, which=which, role_labels=labels,
                staff_status=STAFF_STATUS)


class StaffUnitPages(Controller):
    path = "/staff/units"
    include_in_schema = False

    @get("/")
    async def units(self, portal: NamedDependency[Portal]) -> Response:
        """The units the viewer administers; with one, straight to it."""
        viewer = portal.require_staff("accounts.manage")
        codes = list(dict.fromkeys(g.unit_code for g in viewer.grants if g.role in ADMIN_ROLES))
        if len(codes) == 1:
            return redirect(portal, f"staff/units/{codes[0]}")
        units = [u for u in [await service.get_unit(portal.tenant.id, c, portal.tenant.hooks.org_levels) for c in codes] if u]
        return page("hierarchy/staff_units.html", portal, title="组织机构", units=units)

    @get("/{code:str}")
    async def unit(self, portal: NamedDependency[Portal], code: FromPath[str],
                   cursor: Annotated[str | None, QueryParameter(max_length=64)] = None) -> Response:
        viewer = portal.require_staff("accounts.manage")
        return await _unit_page(portal, viewer, code, cursor)

    @post("/{code:str}/children", status_code=200)
    async def add_unit(self, portal: NamedDependency[Portal], code: FromPath[str], data: FormData) -> Response:
        """A unit below ``code``, by an admin of ``code`` (or above)."""
        viewer = portal.require_staff("accounts.manage")
        form = {k: str(v).strip() for k, v in data.items() if not k.startswith("_")}
        try:
            # The invitation form on the same page has a phone too: this one is unit_phone.
            fields = {k: form.get(k, "") for k in ("code", "level", "name", "host_institution", "address")}
            values = read_form({**fields, "phone": form.get("unit_phone", "")}, OrgUnitIn, parent_code=code)
            created = await service.create_unit_below(
                portal.tenant.id, portal.tenant.hooks.org_levels, _covers(viewer), code=values.code, level=values.level,
                name=values.name, parent_code=code, host_institution=values.host_institution, address=values.address,
                phone=values.phone)
        except DomainError as exc:
            if exc.status == 404:
                raise
            errors = {("unit_phone" if k == "phone" else k): v for k, v in errors_of(exc).items()}
            return await _unit_page(portal, viewer, code, http_status=exc.status, form=form, errors=errors, which="unit")
        return redirect(portal, f"staff/units/{created.code}", done=f"已新增{created.level_label}：{created.name}")

    @post("/{code:str}/staff", status_code=200)
    async def invite(self, request: Request, portal: NamedDependency[Portal], code: FromPath[str],
                     data: FormData) -> Response:
        """An admin account for ``code``; the invitee gets an activation code, never a password."""
        viewer = portal.require_staff("accounts.manage")
        form = {k: str(v).strip() for k, v in data.items() if not k.startswith("_")}
        try:
            invite = read_form(form, StaffInvite)
            login_url = site_link(request, portal.tenant, "/login")
            invited = await staff.invite_staff(portal.tenant, request.app.state.pii, viewer, code, invite, login_url)
        except DomainError as exc:
            if exc.status == 404:
                raise
            return await _unit_page(portal, viewer, code, http_status=exc.status, form=form, errors=errors_of(exc),
                                    which="staff")
        return redirect(portal, f"staff/units/{code}",
                        done=f"已分配账号 {invited.username}，激活码已发送至 {invited.sent_to}；对方在“激活账户”页面用激活码设置密码")
