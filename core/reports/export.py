"""The unit report as a table, and that table as CSV (UTF-8 with a BOM, so that Excel reads
the Chinese) and as an XLSX workbook. Both carry exactly the same header and figures."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill

from core.workdays import LOCAL_TIME
from core.reports.schemas import UnitReport, UnitRow
from core.tabular import csv_bytes, xlsx_cell, xlsx_row


def row_label(row: UnitRow) -> str:
    if row.kind == "own":
        return f"{row.name}（本级）"
    return row.name


def period(report: UnitReport) -> str:
    if report.date_from and report.date_to:
        return f"{report.date_from:%Y-%m-%d} 至 {report.date_to:%Y-%m-%d}"
    if report.date_from:
        return f"{report.date_from:%Y-%m-%d} 起"
    if report.date_to:
        return f"截至 {report.date_to:%Y-%m-%d}"
    return "全部"


def table(report: UnitReport) -> tuple[list[str], list[list[str | int]]]:
    """The header and one line per row: children, the unit itself, unassigned, total."""
    header = ["单位编码", "单位名称", "层级", "学习者", "成果合计"]
    for category in report.categories:
        header.append(category.label)
        header += [f"{category.label}·{s.label}" for s in category.subtypes]
    header += ["申请合计", *(f"申请{s.label}" for s in report.statuses), "逾期未审"]
    lines = []
    for row in report.lines():
        line: list[str | int] = [row.code or "", row_label(row), row.level_label or "", row.learners, row.achievements]
        for category in report.categories:
            line.append(row.categories.get(category.code, 0))
            line += [row.subtypes.get(s.key, 0) for s in category.subtypes]
        line += [row.applications, *(row.statuses.get(s.code, 0) for s in report.statuses), row.overdue]
        lines.append(line)
    return header, lines


def filename(report: UnitReport, extension: str) -> str:
    dates = "-".join(f"{d:%Y%m%d}" for d in (report.date_from, report.date_to) if d)
    return f"单位统计-{report.unit.code}{'-' + dates if dates else ''}.{extension}"


def to_csv(report: UnitReport) -> bytes:
    return csv_bytes(*table(report))


def to_xlsx(report: UnitReport, tenant_name: str) -> bytes:
    """One sheet: a title, the period and time of the figures, then the table (header row
    frozen, the total in bold)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("单位统计")
    header, lines = table(report)
    sheet.column_dimensions["A"].width = 14
    sheet.column_dimensions["B"].width = 30
    sheet.column_dimensions["C"].width = 14
    sheet.freeze_panes = "D5"

    def cell(value, *, bold: bool = False, fill: bool = False, wrap: bool = False) -> Cell:
        c = xlsx_cell(sheet, value)
        if bold:
            c.font = Font(bold=True)
        if fill:
            c.fill = PatternFill("solid", fgColor="DDE7F3")
        if wrap:
            c.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        return c

    # Names come from tenant admins (units) and plugins (categories): every row goes through
    # core.tabular, so none of them is ever stored as a formula.
    sheet.append([cell(f"{tenant_name} · {report.unit.name}（{report.unit.code}）各下级单位统计", bold=True)])
    generated = report.generated_at.astimezone(LOCAL_TIME)
    sheet.append(xlsx_row(sheet, [f"统计期间（按创建时间）：{period(report)}", None, None,
                                  f"生成时间：{generated:%Y-%m-%d %H:%M}"]))
    sheet.append([])
    sheet.append([cell(h, bold=True, fill=True, wrap=True) for h in header])
    for line, row in zip(lines, report.lines()):
        sheet.append([cell(v, bold=True) for v in line] if row.kind == "total" else xlsx_row(sheet, line))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
