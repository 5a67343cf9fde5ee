"""Every table leaving the platform as a file (the unit report as CSV and XLSX, the rejected
rows of an import as CSV, from the portal and from the CLI) writes a name that a spreadsheet
would run as a formula (CSV injection) as plain text."""

from __future__ import annotations

import csv
import io
import zipfile

from openpyxl import load_workbook

from core.accounts.tables import ImportJob
from core.clock import utcnow
from core.hierarchy.service import create_unit
from core.import_cli import _Report
from core.imports.learners import RowError
from tests.accounts.helpers import staff_headers
from tests.web.test_admin_pages import log_in_as

# What a spreadsheet reads as a formula: = + - @, and a leading tab or carriage return.
FORMULAS = ['=HYPERLINK("http://x","y")', "+1", "-2", "@SUM(A1)", "\tx", "\rx"]


def neutral(text: str) -> bool:
    """A CSV cell that no spreadsheet evaluates: it does not begin like a formula."""
    return not text.startswith(("=", "+", "-", "@", "\t", "\r"))


async def test_unit_names_in_the_report_csv_and_xlsx_are_text_not_formulas(client):
    tenant = await client._transport.app.state.tenants.get("zhejiang")
    for i, name in enumerate(FORMULAS):
        await create_unit(tenant.id, tenant.hooks.org_levels, code=f"ZJ-F{i}", level="branch", name=name,
                          parent_code="ZJ")
    centre = await staff_headers(client, "zhejiang", "ZJ", "tenant_admin", username="zj-centre")
    url = "/t/zhejiang/api/v1/admin/reports/units"

    as_csv = await client.get(url, params={"unit": "ZJ", "format": "csv"}, headers=centre)
    assert as_csv.status_code == 200
    rows = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"), newline="")))
    names = {row[0]: row[1] for row in rows[1:]}
    for i, name in enumerate(FORMULAS):
        cell = names[f"ZJ-F{i}"]
        assert neutral(cell) and cell.endswith(name), (name, cell)
    assert all(v.isdigit() for v in rows[-1][3:])  # the figures stay plain numbers

    as_xlsx = await client.get(url, params={"unit": "ZJ", "format": "xlsx"}, headers=centre)
    assert as_xlsx.status_code == 200
    with zipfile.ZipFile(io.BytesIO(as_xlsx.content)) as package:
        sheet_xml = package.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml  # no formula anywhere in the sheet
    sheet = load_workbook(io.BytesIO(as_xlsx.content))["单位统计"]
    cells = {row[0].value: row for row in sheet.iter_rows() if row and row[0].value}
    for i, name in enumerate(FORMULAS):
        cell = cells[f"ZJ-F{i}"][1]
        # (XML reads a bare carriage return back as a line feed: the text is still the name.)
        assert cell.data_type == "s" and cell.value.replace("\n", "\r") == name, (name, cell.data_type, cell.value)
        assert cell.quotePrefix  # as Excel marks a typed '=…: it stays text when edited
        assert cells[f"ZJ-F{i}"][3].data_type == "n"  # numbers stay numbers
    total = next(row for row in sheet.iter_rows() if len(row) > 3 and row[1].value == "合计")
    assert isinstance(total[3].value, int) and total[3].data_type == "n"


async def test_reasons_in_the_rejected_rows_csv_are_text_not_formulas(client, app):
    await log_in_as(client, app)
    tenant = await app.state.tenants.get("guangdong")
    # A job as an import leaves it, with reasons that begin with what the file held.
    job = ImportJob(tenant_id=tenant.id, kind="catalog", filename="名录.csv", status="done", total=len(FORMULAS),
                    done=len(FORMULAS), failed=len(FORMULAS), created_at=utcnow(), finished_at=utcnow(),
                    errors=[{"row": i + 2, "message": text} for i, text in enumerate(FORMULAS)])
    await job.save()

    report = await client.get(f"/t/guangdong/staff/imports/{job.id}/rejected.csv")
    assert report.status_code == 200
    rows = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["行号", "原因"]
    for (number, reason), text in zip(rows[1:], FORMULAS, strict=True):
        assert number.isdigit() and neutral(reason) and reason.endswith(text), (text, reason)


def test_the_cli_rejected_rows_file_writes_text_not_formulas(tmp_path):
    # What ``creditbank import learners --report FILE`` writes, row by row as they are rejected.
    path = tmp_path / "rejected.csv"
    report = _Report(path)
    for i, text in enumerate(FORMULAS):
        report.write(RowError(i + 2, text))
    report.close()
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == ["行号", "原因"]
    assert [r[0] for r in rows[1:]] == [str(i + 2) for i in range(len(FORMULAS))]
    assert all(neutral(r[1]) and r[1].endswith(t) for r, t in zip(rows[1:], FORMULAS, strict=True))
