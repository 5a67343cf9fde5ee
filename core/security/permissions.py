"""One place that answers "may this principal do X (to this row / in this unit)".

``may(principal, action, unit_path=None)`` is the one rule; ``require(...)`` raises
``Forbidden`` (403, one Chinese message) when it says no; ``guard(action)`` is the same check as
a Litestar guard for the API's controllers and handlers. Services and pages call ``may`` or
``require`` themselves where the answer depends on a row (its unit), or where they are reached
without a guard (the portal's pages, the command line).

An action names the roles that may do it (``ACTIONS``). A role grant covers its own unit and
every unit below it; a tenant admin covers the whole tenant (``Principal.covers``). Without a
``unit_path`` the question is whether the principal holds one of the roles anywhere.
"""

from __future__ import annotations

from typing import Literal

from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from core.errors import DomainError
from core.security.auth import PRINCIPAL_KEY, bearer_token
from core.security.principal import Principal, principal_for_token

MESSAGE = "您没有执行此操作的权限"

ADMINS = ("tenant_admin", "unit_admin")

# The actions, by name: a typo or a role name where an action belongs fails the type check.
Action = Literal[
    "staff",
    "accounts.manage",
    "catalog.manage",
    "rules.manage",
    "imports.run",
    "imports.collect",
    "notifications.templates",
    "notifications.log",
    "proofs.manage",
    "reports.read",
    "audit.read",
]

# action → the staff roles that may take it; () = any staff account
ACTIONS: dict[Action, tuple[str, ...]] = {
    "staff": (),  # use the staff workbench at all
    "accounts.manage": ADMINS,  # learners' and staff accounts, units, within one's units
    "catalog.manage": ("tenant_admin",),  # add, change and retire catalog entries (名录)
    "rules.manage": ("tenant_admin",),  # publish, change and retire conversion rules
    "imports.run": ("tenant_admin",),  # import learners, units, the catalog and rules; read every import job
    "imports.collect": ADMINS,  # import the outcomes one's unit collected; read one's own import jobs
    "notifications.templates": ("tenant_admin",),  # edit the message templates
    "notifications.log": ADMINS,  # read (and requeue) the delivery log, within one's units
    "proofs.manage": ("tenant_admin",),  # revoke a proof, rotate the signing key
    "reports.read": ("tenant_admin", "unit_admin", "committee"),  # the statistics, within one's units
    "audit.read": ADMINS,  # the audit log, within one's units
}


class Forbidden(DomainError):
    """The principal may not do this (403)."""

    status = 403


def may(principal: Principal | None, action: Action, unit_path: str | None = None) -> bool:
    """Whether ``principal`` may take ``action`` — in the unit at ``unit_path`` when given (its
    own unit or one below a grant of a role the action names), else anywhere."""
    roles = ACTIONS[action]
    if principal is None or principal.kind != "staff":
        return False
    if unit_path is not None:
        return principal.covers(unit_path, *roles)
    return not roles or principal.has_role(*roles)


def require(principal: Principal | None, action: Action, unit_path: str | None = None) -> Principal:
    """``principal`` when it ``may`` take ``action``; else ``Forbidden`` (403)."""
    if principal is None or not may(principal, action, unit_path):
        raise Forbidden(MESSAGE, 403)
    return principal


def guard(action: Action):
    """A Litestar guard: the request's bearer token must belong to a staff account of the
    request's tenant that ``may`` take ``action`` (anywhere: rows and units are the service's to
    check). 401 without a valid token, 403 otherwise. The principal found is kept for the
    handler's ``provide_principal``; an unknown or suspended tenant is left to ``resolve_tenant``
    (404 / 503)."""

    async def check(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        principal = await principal_of(connection)
        if principal is None:
            return  # the tenant itself answers (404 / 503)
        if not may(principal, action):
            raise PermissionDeniedException(MESSAGE)

    check.__name__ = f"guard_{action.replace('.', '_')}"
    return check


async def principal_of(connection: ASGIConnection) -> Principal | None:
    """The principal of a tenant API request (cached on the connection), 401 when its bearer
    token does not name an active account of the tenant; None when the tenant cannot serve."""
    state = connection.scope.setdefault("state", {})
    if (cached := state.get(PRINCIPAL_KEY)) is not None:
        return cached
    tenant = await connection.app.state.tenants.get(connection.path_params.get("tenant_slug", ""))
    if tenant is None or not tenant.active:
        return None
    token = bearer_token(connection)
    principal = await principal_for_token(tenant, token) if token else None
    if principal is None:
        raise NotAuthorizedException("请先登录")
    state[PRINCIPAL_KEY] = principal
    return principal
