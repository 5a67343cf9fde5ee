"""The units a form's unit picker lists (``web/unit_picker.html``): every unit of the tenant,
in tree order, as ``(code, "name（code）")`` — or None when there are more than
``MAX_LISTED``, and the picker is a code field instead."""

from __future__ import annotations

from typing import Any

from core.hierarchy.tables import OrgUnit

MAX_LISTED = 500


async def unit_options(tenant_id: int, within: list[str] | None = None) -> list[tuple[str, str]] | None:
    """``within``: materialized paths (a staff member's grants); only their subtrees are listed."""
    query = OrgUnit.select(OrgUnit.code, OrgUnit.name).where(OrgUnit.tenant_id == tenant_id)
    if within is not None:
        if not within:
            return []
        condition: Any = OrgUnit.path.like(f"{within[0]}%")
        for path in within[1:]:
            condition |= OrgUnit.path.like(f"{path}%")
        query = query.where(condition)
    rows = await query.order_by(OrgUnit.path).limit(MAX_LISTED + 1)
    if len(rows) > MAX_LISTED:
        return None
    return [(r["code"], f"{r['name']}（{r['code']}）") for r in rows]


def staff_scope(viewer, roles: tuple[str, ...]) -> list[str] | None:
    """The paths a staff member's picker lists: None (every unit) for a tenant admin, else the
    subtrees of their grants of ``roles``."""
    if viewer.has_role("tenant_admin"):
        return None
    return sorted({g.unit_path for g in viewer.grants if g.role in roles})
