"""Importing catalog entries and conversion rules from CSV or XLSX.

Both files are small next to learner lists (thousands of rows, not millions), so each row is
checked and written on its own: a bad row is reported with its number and reason, good rows
land, and a row is written whole or not at all.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path

import msgspec

from core.accounts.tables import ImportJob
from core.catalog import service as catalog
from core.clock import utcnow
from core.errors import DomainError
from core.imports.learners import MAX_STORED_ERRORS, ImportSummary, RowError
from core.imports.reader import Column, ImportFileError, XlsxLimits, read_rows
from core.rules import service as rules
from core.tenancy.context import TenantContext

CATALOG_BASE = (
    Column("category", "成果大类", required=True),
    Column("subtype", "成果小类", required=True),
    Column("project_name", "项目名称"),
    Column("name", "成果名称", required=True),
    Column("institution", "资历机构名称", ("资历机构", "机构名称")),
    Column("framework_level", "资历框架等级"),
)
RULE_COLUMNS = (
    Column("agreement", "协议名称", ("协议",)),
    Column("name", "规则名称", required=True),
    Column("description", "规则描述"),
    Column("sources", "源成果", required=True),
    Column("target", "目标成果", required=True),
    Column("credits", "学分"),
    Column("ratio", "转换比例"),
    Column("valid_from", "生效日期"),
    Column("valid_to", "失效日期"),
    Column("any_of", "任选成果", ("任选",)),
    Column("thresholds", "成绩条件", ("成绩或等级条件",)),
    Column("obtained_from", "取得不早于"),
    Column("within_years", "取得年限"),
    Column("program_cap", "专业学分上限"),
    Column("year_cap", "年度学分上限"),
    Column("once_per_program", "每专业限用一次"),
)


def catalog_columns(tenant: TenantContext) -> list[Column]:
    """The base columns and one per catalog field of the tenant's taxonomy (its name, or its
    label as a Chinese header)."""
    fields: dict[str, str] = {}
    for cat in tenant.hooks.taxonomy.categories:
        for sub in cat.subtypes:
            for field in sub.fields:
                if field.from_catalog and field.name not in {c.field for c in CATALOG_BASE}:
                    fields.setdefault(field.name, field.label)
    labels = list(fields.values())
    taken = {h for c in CATALOG_BASE for h in c.headers()}
    # A label shared by two fields (or with a base column) cannot name either: those columns
    # go by their field name only.
    return [*CATALOG_BASE, *(Column(name, label if labels.count(label) == 1 and label not in taken else name)
                             for name, label in fields.items())]


def _text(row: dict) -> dict[str, str]:
    return {k: v.isoformat() if isinstance(v, date) else str(v or "").strip() for k, v in row.items()}


async def _run(tenant: TenantContext, job_id: int, path: Path, filename: str, columns: list[Column],
               write: Callable[[int, dict[str, str]], Awaitable[bool]], limits: XlsxLimits | None = None) -> ImportSummary:
    summary = ImportSummary()
    await ImportJob.update({ImportJob.status: "running", ImportJob.heartbeat_at: utcnow()}).where(ImportJob.id == job_id)
    try:
        for number, row in read_rows(path, filename, columns, limits):
            summary.total += 1
            try:
                async with ImportJob._meta.db.transaction():
                    created = await write(number, _text(row))
            except (DomainError, ValueError, msgspec.ValidationError) as exc:
                summary.failed += 1
                if len(summary.errors) < MAX_STORED_ERRORS:
                    summary.errors.append(RowError(row=number, message=str(exc)))
                continue
            if created:
                summary.created += 1
            else:
                summary.skipped += 1
            if summary.total % 500 == 0:
                await _save(job_id, summary, "running")
    except ImportFileError as exc:
        await _save(job_id, summary, "failed", str(exc))
        raise
    await _save(job_id, summary, "done",
                f"新增 {summary.created} 条，更新或跳过 {summary.skipped} 条，失败 {summary.failed} 行")
    return summary


async def _save(job_id: int, summary: ImportSummary, status: str, message: str = "") -> None:
    await ImportJob.update({
        ImportJob.status: status, ImportJob.total: summary.total, ImportJob.done: summary.total,
        ImportJob.failed: summary.failed, ImportJob.created: summary.created, ImportJob.message: message[:500],
        ImportJob.errors: msgspec.json.encode(summary.errors).decode(), ImportJob.heartbeat_at: utcnow(),
        **({ImportJob.finished_at: utcnow()} if status != "running" else {}),
    }).where(ImportJob.id == job_id)


async def import_catalog(*, tenant: TenantContext, path: Path, filename: str, job_id: int,
                         xlsx_limits: XlsxLimits | None = None) -> ImportSummary:
    """Catalog entries: added, or updated where the same category, sub-type, project, name and
    institution exist."""

    async def write(number: int, row: dict[str, str]) -> bool:
        fields = {k: v for k, v in row.items() if k not in catalog.BASE_COLUMNS and v}
        entry = catalog.entry_from_row({**{k: row.get(k, "") for k in catalog.BASE_COLUMNS}, **fields}, number)
        added, _ = await catalog.upsert_entries(tenant.id, tenant.hooks, [entry])
        return added == 1

    return await _run(tenant, job_id, path, filename, catalog_columns(tenant), write, xlsx_limits)


async def import_rules(*, tenant: TenantContext, path: Path, filename: str, job_id: int,
                       xlsx_limits: XlsxLimits | None = None) -> ImportSummary:
    """Conversion rules; sources (separated by ``;``) and target by catalog entry id,
    ``project_name|name|institution``, or a name only one entry has. A rule whose name exists
    is skipped."""

    async def write(number: int, row: dict[str, str]) -> bool:
        return await rules.add_rule_unless_named(tenant.id, row, tenant.hooks)

    return await _run(tenant, job_id, path, filename, list(RULE_COLUMNS), write, xlsx_limits)
