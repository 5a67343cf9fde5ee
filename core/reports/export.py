"""The unit report as a table, and that table as CSV (UTF-8 with a BOM, so that Excel reads
the Chinese) and as an XLSX workbook. Both carry exactly the same header and figures."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill

from core.reports.schemas import UnitReport, UnitRow, WorkloadReport, WorkloadRow
from core.tabular import csv_bytes, xlsx_cell, xlsx_row
from core.workdays import LOCAL_TIME


def row_label(row: UnitRow) -> str:
    if row.kind == "own":
        return f"{row.name}（本级）"
    return row.name


def period(report: UnitReport | WorkloadReport) -> str:
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
    header += ["本单位采集成果", "采集成果·已认定", *(f"采集·{c.label}" for c in report.categories)]
    lines = []
    for row in report.lines():
        line: list[str | int] = [row.code or "", row_label(row), row.level_label or "", row.learners, row.achievements]
        for category in report.categories:
            line.append(row.categories.get(category.code, 0))
            line += [row.subtypes.get(s.key, 0) for s in category.subtypes]
        line += [row.applications, *(row.statuses.get(s.code, 0) for s in report.statuses), row.overdue]
        line += [row.collected, row.collected_recognized,
                 *(row.collected_categories.get(c.code, 0) for c in report.categories)]
        lines.append(line)
    return header, lines


def filename(report: UnitReport, extension: str) -> str:
    dates = "-".join(f"{d:%Y%m%d}" for d in (report.date_from, report.date_to) if d)
    return f"单位统计-{report.unit.code}{'-' + dates if dates else ''}.{extension}"


def to_csv(report: UnitReport) -> bytes:
    return csv_bytes(*table(report))


def _sheet(workbook: Workbook, name: str, title: str, subtitle: list, header: list[str], lines: list[list],
           bold_lines: frozenset[int] = frozenset()) -> None:
    """A sheet: a title, a line saying what and when, then the table (header row frozen;
    the lines numbered in ``bold_lines`` in bold)."""
    sheet = workbook.create_sheet(name)
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

    # Names come from tenant admins (units, staff) and plugins (categories, steps): every row
    # goes through core.tabular, so none of them is ever stored as a formula.
    sheet.append([cell(title, bold=True)])
    sheet.append(xlsx_row(sheet, subtitle))
    sheet.append([])
    sheet.append([cell(h, bold=True, fill=True, wrap=True) for h in header])
    for i, line in enumerate(lines):
        sheet.append([cell(v, bold=True) for v in line] if i in bold_lines else xlsx_row(sheet, line))


def _workbook_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _generated(moment) -> str:
    return f"生成时间：{moment.astimezone(LOCAL_TIME):%Y-%m-%d %H:%M}"


def to_xlsx(report: UnitReport, tenant_name: str) -> bytes:
    """One sheet: a title, the period and time of the figures, then the table (the total in bold)."""
    workbook = Workbook(write_only=True)
    header, lines = table(report)
    total = [i for i, row in enumerate(report.lines()) if row.kind == "total"]
    _sheet(workbook, "单位统计", f"{tenant_name} · {report.unit.name}（{report.unit.code}）各下级单位统计",
           [f"统计期间（按创建时间）：{period(report)}", None, None, _generated(report.generated_at)],
           header, lines, frozenset(total))
    return _workbook_bytes(workbook)


# ---------------------------------------------------------------------------------------------
# The workload report

WORKLOAD_HEADER = ["单位编码", "单位名称", "审核人", "申请类型", "审核环节", "已审核", "同意", "不同意",
                   "用时中位数（工作日）", "用时90%分位（工作日）", "当前逾期", "被申诉", "申诉改判", "不同意原因"]


def workload_lines(rows: list[WorkloadRow]) -> list[list]:
    return [[r.unit.code if r.unit else "", r.unit.name if r.unit else "本学分银行（不限单位）", r.reviewer or "",
             r.kind_label, r.step_label, r.decided, r.approved, r.rejected,
             "" if r.median_days is None else r.median_days, "" if r.p90_days is None else r.p90_days,
             r.overdue if r.reviewer is None else "", r.appealed, r.overturned,
             "；".join(f"{label} {n}" for label, n in sorted(r.reasons.items(), key=lambda kv: -kv[1]))] for r in rows]


def workload_filename(report: WorkloadReport, extension: str) -> str:
    dates = "-".join(f"{d:%Y%m%d}" for d in (report.date_from, report.date_to) if d)
    return f"工作量统计-{report.unit.code}{'-' + dates if dates else ''}.{extension}"


def workload_csv(report: WorkloadReport) -> bytes:
    """Both tables in one file, the units' rows (no reviewer) before the reviewers'."""
    return csv_bytes(WORKLOAD_HEADER, workload_lines(report.by_unit) + workload_lines(report.by_reviewer))


def workload_xlsx(report: WorkloadReport, tenant_name: str) -> bytes:
    workbook = Workbook(write_only=True)
    subtitle = [f"统计期间（按审核时间）：{period(report)}", None, None, _generated(report.generated_at)]
    for name, rows in (("按单位", report.by_unit), ("按审核人", report.by_reviewer)):
        _sheet(workbook, name, f"{tenant_name} · {report.unit.name}（{report.unit.code}）工作量统计 · {name}",
               subtitle, WORKLOAD_HEADER, workload_lines(rows))
    return _workbook_bytes(workbook)
