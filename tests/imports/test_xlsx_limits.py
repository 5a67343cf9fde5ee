"""An XLSX is a zip: one whose parts would unpack past the limits (a "zip bomb": 1 MB that
inflates to 350 MB of shared strings) is refused with a 400 before it is parsed — over the
API, on the portal's import page and in the reader itself — and nothing of it is imported."""

from __future__ import annotations

import io
import resource
import zipfile
from pathlib import Path

import msgspec
import pytest
from openpyxl import Workbook

from core.accounts.tables import Account, ImportJob
from core.imports.learners import LEARNER_COLUMNS
from core.imports.reader import ImportFileError, open_table
from tests.accounts.helpers import make_id, run_import, staff_headers
from tests.web.helpers import field_error, submit
from tests.web.test_admin_pages import log_in_as

API = "/t/guangdong/api/v1/admin/imports/learners"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook_bytes() -> bytes:
    """A real, small learner workbook (openpyxl writes its texts to xl/sharedStrings.xml)."""
    book = Workbook()
    sheet = book.active
    sheet.append(["证件号码", "姓名", "所属单位", "性别"])
    sheet.append([make_id(), "学员甲", "GD", "男"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def xlsx_bomb(path: Path, unpacked_mb: int) -> Path:
    """That workbook with its shared strings swapped for ``unpacked_mb`` MB of one repeated
    text, written as a stream: the test itself never holds more than a megabyte."""
    chunk = ("<si><t>" + "炸" * 330 + "</t></si>").encode() * 1000  # about 1 MB
    with zipfile.ZipFile(io.BytesIO(workbook_bytes())) as source, \
            zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bomb:
        for item in source.infolist():
            if item.filename != "xl/sharedStrings.xml":
                bomb.writestr(item, source.read(item.filename))
        with bomb.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(b'<?xml version="1.0" encoding="UTF-8"?>'
                       b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">')
            for _ in range(unpacked_mb):
                part.write(chunk)
            part.write(b"</sst>")
    return path


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


async def nothing_imported(tenant_id: int) -> None:
    assert await ImportJob.count().where(ImportJob.tenant_id == tenant_id) == 0
    assert await Account.count().where(Account.tenant_id == tenant_id, Account.kind == "learner") == 0


async def test_the_audits_bomb_is_refused_over_the_api_before_it_is_parsed(client, app, tmp_path):
    admin = await staff_headers(client, "guangdong", "GD", "tenant_admin")
    bomb = xlsx_bomb(tmp_path / "学员.xlsx", 350)
    assert bomb.stat().st_size < 2 * 1024 * 1024  # a small upload…
    before = peak_rss_mb()
    response = await client.post(API, headers=admin, files={"file": ("学员.xlsx", bomb.read_bytes(), XLSX)})
    assert response.status_code == 400, response.text
    detail = response.json()["detail"]
    assert "学员.xlsx" in detail and "xl/sharedStrings.xml" in detail and "上限 50 MB" in detail, detail
    assert peak_rss_mb() - before < 150  # …that never got near the 350 MB it claims
    await nothing_imported((await app.state.tenants.get("guangdong")).id)


async def test_a_bomb_is_refused_on_the_portal_import_page(client, app, tmp_path):
    await log_in_as(client, app)
    bomb = xlsx_bomb(tmp_path / "学员.xlsx", 20)  # within the size caps, past the 100:1 ratio
    url = "/t/guangdong/staff/imports"
    refused = await submit(client, url, url, {"kind": "learners"},
                           files={"file": ("学员.xlsx", bomb.read_bytes(), XLSX)})
    assert refused.status_code == 400
    assert "压缩比超过上限 100:1" in field_error(refused.text, "file")
    await nothing_imported((await app.state.tenants.get("guangdong")).id)


async def test_the_limits_come_from_the_settings(client, app):
    admin = await staff_headers(client, "guangdong", "GD", "tenant_admin")
    ordinary = workbook_bytes()
    defaults = app.state.settings
    app.state.settings = msgspec.structs.replace(defaults, xlsx_max_entries=3)
    try:
        refused = await client.post(API, headers=admin, files={"file": ("学员.xlsx", ordinary, XLSX)})
        assert refused.status_code == 400 and "超过上限 3 个" in refused.json()["detail"], refused.text
        app.state.settings = msgspec.structs.replace(defaults, xlsx_max_unpacked_mb=0)
        refused = await client.post(API, headers=admin, files={"file": ("学员.xlsx", ordinary, XLSX)})
        assert refused.status_code == 400 and "共超过上限 0 MB" in refused.json()["detail"], refused.text
        await nothing_imported((await app.state.tenants.get("guangdong")).id)
    finally:
        app.state.settings = defaults
    job = await run_import(client, "guangdong", "learners", ordinary, admin, filename="学员.xlsx")
    assert job["status"] == "done" and job["created"] == 1, job  # within the default limits it imports


def test_the_reader_refuses_a_bomb_itself(tmp_path):
    # The CLI and the import jobs open files through the reader: it checks too.
    bomb = xlsx_bomb(tmp_path / "学员.xlsx", 60)
    with pytest.raises(ImportFileError) as refused:
        open_table(bomb, "学员.xlsx", LEARNER_COLUMNS)
    assert refused.value.status == 400 and "上限 50 MB" in str(refused.value)
