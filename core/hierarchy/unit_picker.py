"""The units a form's unit picker lists (``web/unit_picker.html``): every unit of the tenant,
in tree order, as ``(code, "name（code）")`` — or None when there are more than
``MAX_LISTED``, and the picker is a code field instead."""

from __future__ import annotations

from core.hierarchy.tables import OrgUnit

MAX_LISTED = 500


async def unit_options(tenant_id: int) -> list[tuple[str, str]] | None:
    rows = await OrgUnit.select(OrgUnit.code, OrgUnit.name).where(OrgUnit.tenant_id == tenant_id).order_by(
        OrgUnit.path).limit(MAX_LISTED + 1)
    if len(rows) > MAX_LISTED:
        return None
    return [(r["code"], f"{r['name']}（{r['code']}）") for r in rows]
