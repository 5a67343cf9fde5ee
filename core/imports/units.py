"""Importing organisation units from CSV or XLSX, through the same job and row report as the
catalog and the rules (``core.imports.catalog_rules``).

A row is checked and written on its own by ``hierarchy.seed_units`` (the check a tenant file's
units pass): a unit whose parent is missing or whose level does not fit is reported with its
row number, the others land. Parents come before their children, as in a tenant file."""

from __future__ import annotations

import re
from pathlib import Path

from core.hierarchy import service as hierarchy
from core.imports.catalog_rules import _run
from core.imports.learners import ImportSummary
from core.imports.reader import Column, XlsxLimits
from core.tenancy.context import TenantContext

UNIT_COLUMNS = (
    Column("code", "单位编码", ("编码", "单位代码"), required=True),
    Column("name", "单位名称", ("名称",), required=True),
    Column("level", "层级", ("单位层级",), required=True),
    Column("parent_code", "上级单位编码", ("上级编码", "上级单位代码")),
    Column("host_institution", "依托机构", ("依托单位",)),
)


async def import_units(*, tenant: TenantContext, path: Path, filename: str, job_id: int,
                       xlsx_limits: XlsxLimits | None = None) -> ImportSummary:
    """Units added, or renamed where the code exists (a unit is never moved by an import).
    ``level`` is a level code of the tenant's plugin (``org_levels``) or its label."""
    levels = tenant.hooks.org_levels
    by_label = {lvl.label: lvl.code for lvl in levels}

    async def write(number: int, row: dict[str, str]) -> bool:
        row = {**row, "level": by_label.get(row.get("level", ""), row.get("level", ""))}
        try:
            return await hierarchy.seed_units(tenant.id, [row], levels) == 1
        except hierarchy.HierarchyError as exc:  # its "第 2 行（X）" counts this one row; the report numbers rows
            raise hierarchy.HierarchyError(re.sub(r"^第 2 行（(.*?)）：", r"单位 \1：", str(exc)), exc.status) from None

    return await _run(tenant, job_id, path, filename, list(UNIT_COLUMNS), write, xlsx_limits)
