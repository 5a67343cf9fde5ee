"""Authentication for the HTTP API: the bearer token, and the Litestar dependencies that turn
it into the request's ``Principal`` (``provide_principal``), then narrow it to staff or to a
learner. What a principal may do once known is ``core.security.permissions``.

The API is bearer-only: it never takes the portal's session cookie, so no other site can make
a browser call it (the portal's forms carry their CSRF token).
"""

from __future__ import annotations

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException

from core.security.pii import PiiProtector
from core.security.principal import Principal, principal_for_token
from core.tenancy.context import TenantContext

PRINCIPAL_KEY = "creditbank.principal"  # where a guard (core.security.permissions) keeps the principal it found


def bearer_token(request: ASGIConnection) -> str | None:
    """The ``Authorization: Bearer …`` token of a request, else None."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def provide_pii(request: Request) -> PiiProtector:
    return request.app.state.pii


async def provide_principal(request: Request, tenant: NamedDependency[TenantContext]) -> Principal:
    """The logged-in account of this tenant (bearer token), else 401; the one a guard already
    found, when one ran."""
    if (found := request.scope.get("state", {}).get(PRINCIPAL_KEY)) is not None:
        return found
    token = bearer_token(request)
    principal = await principal_for_token(tenant, token) if token else None
    if principal is None:
        raise NotAuthorizedException("请先登录")
    return principal


async def provide_staff(principal: NamedDependency[Principal]) -> Principal:
    if principal.kind != "staff":
        raise PermissionDeniedException("仅限工作人员")
    return principal


async def provide_learner(principal: NamedDependency[Principal]) -> Principal:
    if principal.kind != "learner":
        raise PermissionDeniedException("仅限学习者本人")
    return principal
