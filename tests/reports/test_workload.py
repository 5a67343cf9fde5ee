"""The workload report: decisions per reviewing unit and per reviewer, their working days from
the step's start (holidays not counted), overdue reviews now, within the viewer's subtree; as
JSON, CSV, XLSX, a chart and a page."""

from __future__ import annotations

import io
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import httpx
import pytest
from openpyxl import load_workbook

from core.hierarchy.service import create_unit
from core.hierarchy.tables import OrgUnit
from core.reviews.engine import resolve_chain
from core.reviews.tables import Application, ReviewRecord
from tests.accounts.helpers import staff_headers
from tests.reports.world import _achievement, _application, _learner
from tests.web.helpers import portal_login, table_rows

T = "/t/zhejiang/api/v1"
WORKLOAD = f"{T}/admin/reports/workload"
BEIJING = ZoneInfo("Asia/Shanghai")


def at(day: str, hour: int = 10) -> datetime:
    return datetime.fromisoformat(f"{day}T{hour:02d}:00").replace(tzinfo=BEIJING)


@pytest.fixture
async def decided(client) -> dict:
    """Around National Day 2026 (1–7 October off, Saturday 10 October worked), at an acceptance
    point of 义乌 and its sub-centre: three acceptance decisions taking 2, 5 and 0 working days,
    one re-review taking 2; the last approved application waits at the re-review, and one more
    at the acceptance point, both past their deadline."""
    tenant = await client._transport.app.state.tenants.get("zhejiang")
    await create_unit(tenant.id, tenant.hooks.org_levels, code="ZJ-S57-A01", level="acceptance_point",
                      name="义乌市稠城街道社区学校受理点", parent_code="ZJ-S57")
    point = (await OrgUnit.select(OrgUnit.id, OrgUnit.code, OrgUnit.path).where(
        OrgUnit.tenant_id == tenant.id, OrgUnit.code == "ZJ-S57-A01").first())
    chain = await resolve_chain(tenant.id, tenant.hooks.review_chain("recognition", "social_training", "social_training"),
                                point)
    learner = await _learner(tenant, point, at("2026-09-01"))

    async def application(submitted: datetime, *decisions: tuple[int, str, int, str, datetime]) -> int:
        achievement = await _achievement(tenant, learner, "social_training", "social_training", "applied", submitted)
        last = decisions[-1] if decisions else None
        status = "submitted" if not last else ("rejected" if last[1] == "reject" else
                                               "approved" if last[0] == len(chain.steps) - 1 else "in_review")
        step = last[0] + 1 if last and status == "in_review" else (last[0] if last else 0)
        moved = last[4] if last else submitted
        app = await _application(tenant, learner, achievement, "recognition", chain, status, step, submitted, moved)
        await ReviewRecord.insert(ReviewRecord(tenant_id=tenant.id, application_id=app, step=0, step_name="submit",
                                               decision="submit", actor_id=learner, actor_name="学员", materials="[]",
                                               created_at=submitted))
        for index, decision, actor, name, when in decisions:
            await ReviewRecord.insert(ReviewRecord(
                tenant_id=tenant.id, application_id=app, step=index, step_name=chain.steps[index].name,
                decision=decision, opinion="意见", actor_id=actor, actor_name=name, materials="[]", created_at=when))
        return app

    await application(at("2026-09-28"), (0, "approve", 9001, "王丽", at("2026-09-30")),
                      (1, "approve", 9002, "陈明", at("2026-10-09")))
    await application(at("2026-09-29"), (0, "reject", 9001, "王丽", at("2026-10-12")))
    await application(at("2026-10-12", 9), (0, "approve", 9003, "李强", at("2026-10-12", 15)))
    late = await application(at("2026-10-13"))
    await Application.update({Application.step_due_at: datetime.now(BEIJING) - timedelta(days=1)}).where(
        Application.id == late)
    return {"chain": chain}


def rows_by(report: dict, key: str) -> dict:
    return {(r["unit"]["code"] if r["unit"] else None, r.get("reviewer"), r["step"]): r for r in report[key]}


async def test_decisions_and_working_days_per_unit_and_reviewer(client, decided):
    sub_centre = await staff_headers(client, "zhejiang", "ZJ-S57", "unit_admin", username="yiwu")
    report = (await client.get(WORKLOAD, params={"unit": "ZJ-S57"}, headers=sub_centre)).json()
    units = rows_by(report, "by_unit")
    accept = units[("ZJ-S57-A01", None, "acceptance_review")]
    assert (accept["decided"], accept["approved"], accept["rejected"]) == (3, 2, 1)
    assert (accept["median_days"], accept["p90_days"], accept["overdue"]) == (2.0, 5.0, 1)
    assert accept["kind_label"] and accept["step_label"]
    again = units[("ZJ-S57", None, "re_review")]
    # The third application waits at the re-review since 12 October: ten working days are long past.
    assert (again["decided"], again["median_days"], again["p90_days"], again["overdue"]) == (1, 2.0, 2.0, 1)
    reviewers = rows_by(report, "by_reviewer")
    assert (reviewers[("ZJ-S57-A01", "王丽", "acceptance_review")]["decided"],
            reviewers[("ZJ-S57-A01", "王丽", "acceptance_review")]["median_days"]) == (2, 3.5)
    assert reviewers[("ZJ-S57-A01", "李强", "acceptance_review")]["median_days"] == 0.0
    assert (report["decided"], report["overdue"]) == (4, 2)

    # Decisions between dates (by when they were made, days in China).
    later = (await client.get(WORKLOAD, params={"unit": "ZJ-S57", "from": "2026-10-10"}, headers=sub_centre)).json()
    assert rows_by(later, "by_unit")[("ZJ-S57-A01", None, "acceptance_review")]["decided"] == 2
    # The re-review of 9 October falls before; what waits there now is overdue whatever the dates.
    assert [rows_by(later, "by_unit")[("ZJ-S57", None, "re_review")][k] for k in ("decided", "overdue")] == [0, 1]


async def test_each_viewer_sees_their_subtree_only(client, decided):
    point = await staff_headers(client, "zhejiang", "ZJ-S57-A01", "unit_admin", username="chengzhou")
    mine = (await client.get(WORKLOAD, headers=point)).json()
    assert {r["unit"]["code"] for r in mine["by_unit"]} == {"ZJ-S57-A01"}
    hangzhou = await staff_headers(client, "zhejiang", "ZJ-S01", "unit_admin", username="shangcheng")
    theirs = (await client.get(WORKLOAD, headers=hangzhou)).json()
    assert theirs["by_unit"] == [] and theirs["by_reviewer"] == [] and theirs["decided"] == 0
    assert (await client.get(WORKLOAD, params={"unit": "ZJ-S57"}, headers=hangzhou)).status_code == 404
    bad = await client.get(WORKLOAD, params={"unit": "ZJ-S57", "from": "10/10/2026"}, headers=point)
    assert bad.status_code == 400 and bad.json()["extra"] == {"field": "from"}


async def test_exports_chart_and_page(client, decided):
    centre = await staff_headers(client, "zhejiang", "ZJ", "tenant_admin", username="zj-centre")
    csv = await client.get(WORKLOAD, params={"unit": "ZJ", "format": "csv"}, headers=centre)
    assert csv.status_code == 200 and csv.content.startswith(b"\xef\xbb\xbf")
    assert "工作量统计-ZJ.csv" in csv.headers["content-disposition"].replace("%E5%B7%A5%E4%BD%9C%E9%87%8F%E7%BB%9F%E8%AE%A1", "工作量统计")
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("单位编码,单位名称,审核人") and any("王丽" in line for line in lines)
    xlsx = await client.get(WORKLOAD, params={"unit": "ZJ", "format": "xlsx"}, headers=centre)
    workbook = load_workbook(io.BytesIO(xlsx.content), read_only=True)
    assert workbook.sheetnames == ["按单位", "按审核人"]
    svg = await client.get(f"{WORKLOAD}.svg", params={"unit": "ZJ"}, headers=centre)
    assert svg.status_code == 200 and 'data-code="ZJ-S57-A01" data-value="3"' in svg.text
    assert (await client.get(f"{WORKLOAD}.svg", params={"measure": "x"}, headers=centre)).status_code == 400

    await staff_headers(client, "zhejiang", "ZJ-S57", "unit_admin", username="yiwu")
    async with httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url)) as portal:
        await portal_login(portal, "zhejiang", "yiwu", "Staff-pass-2026")
        page = await portal.get("/t/zhejiang/staff/reports/workload")
        assert page.status_code == 200, page.text
        units = table_rows(page.text, "workload-units")
        assert any(r[0] == "义乌市稠城街道社区学校受理点" and r[3:9] == ["3", "2", "1", "2.0", "5.0", "1"] for r in units)
        assert any("王丽" in r for r in table_rows(page.text, "workload-reviewers"))
        assert 'id="workload-chart"' in page.text
