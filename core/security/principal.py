"""Who a request acts as: ``Principal`` (an account of a tenant with its role grants) and the
one statement that finds it from a bearer or session token.

A leaf of the security layer: every domain takes a ``Principal`` without importing accounts.
The statement reads the accounts' and the hierarchy's tables by name (one indexed join that
runs before every authenticated request); it imports neither package.
"""

from __future__ import annotations

from dataclasses import dataclass

from core import db
from core.clock import aware, utcnow
from core.events import Actor
from core.security.tables import AuthToken
from core.security.tokens import _digest as token_digest
from core.tenancy.context import TenantContext


@dataclass(frozen=True)
class Grant:
    role: str
    unit_id: int
    unit_code: str
    unit_path: str


@dataclass(frozen=True)
class Principal:
    """The account behind a request, with the roles it holds and where."""

    id: int
    tenant_id: int
    kind: str
    username: str
    real_name: str
    unit_id: int | None
    grants: tuple[Grant, ...]

    def as_actor(self) -> Actor:
        """Who this principal is in a domain event (``core.events``)."""
        return Actor(id=self.id, kind=self.kind, unit_id=self.unit_id)

    def has_role(self, *roles: str) -> bool:
        return any(g.role in roles for g in self.grants)

    def holds(self, role: str, *, unit_id: int | None = None, unit_code: str | None = None) -> bool:
        """Whether the principal holds ``role`` at the unit named by id or code — or anywhere,
        when neither is given (a step of the whole tenant). What a review step asks."""
        return any(g.role == role and (unit_id is None or g.unit_id == unit_id)
                   and (unit_code is None or g.unit_code == unit_code) for g in self.grants)

    def covers(self, unit_path: str | None, *roles: str) -> bool:
        """Whether a grant of one of ``roles`` covers the unit at ``unit_path`` (its own unit
        or any below it). A tenant admin covers every unit, and accounts with no unit."""
        for grant in self.grants:
            if roles and grant.role not in roles:
                continue
            if grant.role == "tenant_admin" or (unit_path and unit_path.startswith(grant.unit_path)):
                return True
        return False


# Token → account → roles in one statement: it runs before every authenticated request.
# No row: unknown or revoked token, another tenant's, not an account's, or the account is not
# active. One row per role held (one with null role columns when it holds none).
_PRINCIPAL_SQL = (
    "SELECT a.id, a.kind, a.username, a.real_name, a.unit_id, t.expires_at, "
    "r.role, r.unit_id AS grant_unit_id, u.code AS grant_unit_code, u.path AS grant_unit_path "
    "FROM auth_token t "
    "JOIN account a ON a.id = t.subject_id AND a.tenant_id = t.tenant_id "
    "LEFT JOIN staff_role r ON r.account_id = a.id AND r.tenant_id = a.tenant_id "
    "LEFT JOIN org_unit u ON u.tenant_id = r.tenant_id AND u.id = r.unit_id "
    "WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.subject = 'account' AND t.tenant_id = $2 "
    "AND a.status = 'active' "
    "ORDER BY r.id"
)


async def principal_for_token(tenant: TenantContext, token: str) -> Principal | None:
    """The active account of ``tenant`` that ``token`` (unexpired, unrevoked) belongs to."""
    rows = await db.fetch(AuthToken, _PRINCIPAL_SQL, token_digest(token), tenant.id)
    if not rows or aware(rows[0]["expires_at"]) <= utcnow():
        return None
    row = rows[0]
    return Principal(
        id=row["id"], tenant_id=tenant.id, kind=row["kind"], username=row["username"], real_name=row["real_name"],
        unit_id=row["unit_id"],
        grants=tuple(Grant(g["role"], g["grant_unit_id"], g["grant_unit_code"], g["grant_unit_path"])
                     for g in rows if g["role"] is not None),
    )
