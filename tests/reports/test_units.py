"""The figures per child unit: equal to counts taken straight from the tables, scoped to the
caller's subtree, filtered by creation date; exported as CSV and XLSX and drawn as SVG."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from core.security.tokens import issue_token
from core.workdays import local_midnight
from tests.accounts.helpers import staff_headers
from tests.reports.world import OUTCOMES, World, build, direct_counts, figures

T = "/t/zhejiang/api/v1"
UNITS = f"{T}/admin/reports/units"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
async def world(client) -> World:
    return await build(await client._transport.app.state.tenants.get("zhejiang"))


@pytest.fixture
async def centre(client, world) -> dict:
    return await staff_headers(client, "zhejiang", "ZJ", "tenant_admin", username="zj-centre")


async def overdue_paths(world: World) -> list[str]:
    """The path of the unit responsible for each overdue application ("" for tenant-wide)."""
    from core.reviews.tables import Application

    ids = ", ".join(str(i) for i in world.overdue)
    rows = await Application.raw(f"SELECT ap.id, COALESCE(u.path, '') AS path FROM application ap "
                                 f"LEFT JOIN org_unit u ON u.id = ap.step_unit_id WHERE ap.id IN ({ids})")
    return [r["path"] for r in rows]


async def test_centre_report_equals_plain_counts(client, world, centre):
    response = await client.get(UNITS, params={"unit": "ZJ"}, headers=centre)
    assert response.status_code == 200, response.text
    report = response.json()
    tenant_id = world.tenant.id
    children = [r["code"] for r in report["rows"]]
    assert children == sorted(children) and len(children) == 14  # 11 branches, 3 sub-centres under the centre
    assert {"ZJ-B01", "ZJ-B07", "ZJ-S90"} <= set(children)
    paths = await overdue_paths(world)
    for row in report["rows"]:
        path = world.units[row["code"]]["path"]
        assert figures(row) == await direct_counts(tenant_id, path), row["code"]
        assert row["overdue"] == sum(p.startswith(path) for p in paths), row["code"]
    assert figures(report["own"]) == await direct_counts(tenant_id, "/ZJ/", exact=True)
    assert report["own"]["overdue"] == sum(p in ("", "/ZJ/") for p in paths)  # the centre's and tenant-wide steps
    assert figures(report["unassigned"]) == await direct_counts(tenant_id, None)
    everything = await direct_counts(tenant_id, "/ZJ/")
    nowhere = await direct_counts(tenant_id, None)
    assert report["total"]["learners"] == everything["learners"] + nowhere["learners"] == len(world.learners)
    assert report["total"]["achievements"] == everything["achievements"] + nowhere["achievements"]
    assert report["total"]["overdue"] == len(world.overdue)

    # The same figures, counted by hand from the world's recipe.
    b01 = next(r for r in report["rows"] if r["code"] == "ZJ-B01")
    assert b01["learners"] == 2 + 1 + 3 + 1  # the branch itself, ZJ-S01, its acceptance point, ZJ-S02
    assert b01["achievements"] == 7 * (len(OUTCOMES))
    assert b01["categories"]["social_training"] == 7 * 2
    assert b01["subtypes"]["academic/course"] == 7
    assert b01["applications"] == 7 + 2  # one each, and a second for the 2nd and 5th learner of the branch
    b07 = next(r for r in report["rows"] if r["code"] == "ZJ-B07")
    assert b07["learners"] == 3 and b07["achievements"] == 3 * len(OUTCOMES) + 2  # + two stored for review
    quiet = next(r for r in report["rows"] if r["code"] == "ZJ-B11")
    assert (quiet["learners"], quiet["achievements"], quiet["applications"], quiet["overdue"]) == (0, 0, 0, 0)


async def test_columns_follow_the_taxonomy(client, world, centre):
    report = (await client.get(UNITS, params={"unit": "ZJ"}, headers=centre)).json()
    columns = {c["code"]: c for c in report["categories"]}
    assert list(columns) == ["academic", "vocational", "social_training", "informal"]
    assert columns["social_training"]["label"] == "社会培训成果"
    assert columns["social_training"]["subtypes"] == []  # one sub-type: the category is its column
    assert [s["code"] for s in columns["academic"]["subtypes"]] == ["diploma", "degree", "course"]
    assert [s["code"] for s in report["statuses"]] == ["submitted", "in_review", "approved", "rejected", "withdrawn"]
    total = report["total"]
    assert sum(total["categories"].values()) == sum(total["subtypes"].values()) == total["achievements"]
    assert sum(total["statuses"].values()) == total["applications"]


async def test_branch_report_and_default_unit(client, world, centre):
    admin = await staff_headers(client, "zhejiang", "ZJ-B01", "unit_admin", username="hangzhou")
    default = await client.get(UNITS, headers=admin)
    assert default.status_code == 200, default.text
    report = default.json()
    assert report["unit"]["code"] == "ZJ-B01" and report["unit"]["level_label"] == "市级分部"
    assert [r["code"] for r in report["rows"]] == [f"ZJ-S{n:02d}" for n in range(1, 14)]
    assert report["unassigned"] is None
    for row in report["rows"]:
        assert figures(row) == await direct_counts(world.tenant.id, world.units[row["code"]]["path"])
    s01 = next(r for r in report["rows"] if r["code"] == "ZJ-S01")
    assert s01["learners"] == 4  # the sub-centre's learner and its acceptance point's three
    assert figures(report["own"]) == await direct_counts(world.tenant.id, "/ZJ/ZJ-B01/", exact=True)
    assert report["total"]["learners"] == 7
    by_centre = (await client.get(UNITS, params={"unit": "ZJ-B01"}, headers=centre)).json()
    assert [figures(r) for r in by_centre["rows"]] == [figures(r) for r in report["rows"]]


async def test_unit_admin_sees_only_their_subtree(client, world):
    admin = await staff_headers(client, "zhejiang", "ZJ-B01", "unit_admin", username="hangzhou")
    details = set()
    for code in ("ZJ-B07", "ZJ-S57", "ZJ"):
        response = await client.get(UNITS, params={"unit": code}, headers=admin)
        assert response.status_code == 404, code
        assert "learners" not in response.text
        details.add(response.json()["detail"].replace(code, "…"))
    assert len(details) == 1  # one answer for every unit outside the subtree: nothing about it shows
    for path in ("/admin/reports/units.svg", "/admin/reports/overdue"):
        assert (await client.get(T + path, params={"unit": "ZJ-B07"}, headers=admin)).status_code == 404
    assert (await client.get(UNITS, params={"unit": "ZJ-S01-A01"}, headers=admin)).status_code == 200
    committee = await staff_headers(client, "zhejiang", "ZJ-B07", "committee", username="jinhua-committee")
    assert (await client.get(UNITS, params={"unit": "ZJ-S57"}, headers=committee)).status_code == 200
    assert (await client.get(UNITS, params={"unit": "ZJ-B01"}, headers=committee)).status_code == 404


async def test_learners_are_refused(client, world):
    learner = next(iter(world.learners))
    token = await issue_token("account", learner, world.tenant.id, 1)
    headers = {"Authorization": f"Bearer {token}"}
    for path in ("/admin/reports/units", "/admin/reports/units.svg", "/admin/reports/overdue"):
        assert (await client.get(T + path, params={"unit": "ZJ"}, headers=headers)).status_code == 403
    assert (await client.get(UNITS, params={"unit": "ZJ"})).status_code == 401


async def test_bad_dates_and_units_are_400_naming_the_field(client, world, centre):
    for params, field in (({"from": "2026-13-01"}, "from"), ({"to": "yesterday"}, "to"), ({"from": "20260101"}, "from"),
                          ({"from": "2026-03-01", "to": "2026-02-28"}, "to"), ({"unit": "ZJ-NOPE"}, "unit")):
        response = await client.get(UNITS, params={"unit": "ZJ", **params}, headers=centre)
        assert response.status_code == 400, params
        assert response.json()["extra"] == {"field": field}
        assert any("\u4e00" <= ch <= "\u9fff" for ch in response.json()["detail"])
    assert (await client.get(UNITS, params={"unit": "ZJ", "format": "pdf"}, headers=centre)).status_code == 400


async def test_date_range_counts_what_was_created_in_it(client, world, centre):
    today = world.now.date()
    since = (world.now - timedelta(days=30)).date()
    response = await client.get(UNITS, params={"unit": "ZJ", "from": since.isoformat(), "to": today.isoformat()},
                                headers=centre)
    report = response.json()
    assert report["from"] == since.isoformat() and report["to"] == today.isoformat()
    window = {"since": local_midnight(since), "until": local_midnight(today + timedelta(days=1))}
    for row in report["rows"]:
        assert figures(row) == await direct_counts(world.tenant.id, world.units[row["code"]]["path"], **window)
    b01 = next(r for r in report["rows"] if r["code"] == "ZJ-B01")
    assert b01["achievements"] == 7 * 4  # the last two outcomes of each learner are a year old
    assert b01["applications"] == 4  # every other learner's; those made 40 days ago fall outside
    last_year = (world.old.date() - timedelta(days=1)).isoformat(), (world.old.date() + timedelta(days=1)).isoformat()
    old = (await client.get(UNITS, params={"unit": "ZJ", "from": last_year[0], "to": last_year[1]},
                            headers=centre)).json()
    assert old["total"]["achievements"] == 2 * len(world.learners)
    assert old["total"]["applications"] == 0 and old["total"]["overdue"] == 0


async def test_csv_and_xlsx_carry_the_same_figures(client, world, centre):
    report = (await client.get(UNITS, params={"unit": "ZJ"}, headers=centre)).json()
    as_csv = await client.get(UNITS, params={"unit": "ZJ", "format": "csv"}, headers=centre)
    assert as_csv.status_code == 200 and as_csv.headers["content-type"].startswith("text/csv")
    assert as_csv.content.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    assert "attachment" in as_csv.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig"))))
    header, body = rows[0], rows[1:]
    assert header[:5] == ["单位编码", "单位名称", "层级", "学习者", "成果合计"]
    assert "社会培训成果" in header and "逾期未审" in header

    as_xlsx = await client.get(UNITS, params={"unit": "ZJ", "format": "xlsx"}, headers=centre)
    assert as_xlsx.status_code == 200 and as_xlsx.content[:2] == b"PK"
    sheet = load_workbook(io.BytesIO(as_xlsx.content), read_only=True)["单位统计"]
    cells = [["" if v is None else v for v in row] for row in sheet.iter_rows(values_only=True)]
    start = next(i for i, row in enumerate(cells) if row and row[0] == "单位编码")
    assert cells[start][:len(header)] == header
    xlsx_body = [row[:len(header)] for row in cells[start + 1:] if any(v != "" for v in row)]
    assert [[str(v) for v in row] for row in xlsx_body] == body

    lines = [*report["rows"], report["own"], report["unassigned"], report["total"]]
    assert [r[0] for r in body] == [line["code"] or "" for line in lines]
    social = header.index("社会培训成果")
    overdue = header.index("逾期未审")
    approved = header.index("申请已通过")
    for line, csv_row, xlsx_row in zip(lines, body, xlsx_body):
        assert int(csv_row[3]) == xlsx_row[3] == line["learners"]
        assert int(csv_row[4]) == xlsx_row[4] == line["achievements"]
        assert int(csv_row[social]) == xlsx_row[social] == line["categories"]["social_training"]
        assert int(csv_row[approved]) == xlsx_row[approved] == line["statuses"]["approved"]
        assert int(csv_row[overdue]) == xlsx_row[overdue] == line["overdue"]
    assert body[-1][1] == "合计" and body[-3][1] == "浙江省终身教育学分银行（本级）"


async def test_svg_chart_has_one_bar_per_child_unit(client, world, centre):
    report = (await client.get(UNITS, params={"unit": "ZJ"}, headers=centre)).json()
    response = await client.get(f"{UNITS}.svg", params={"unit": "ZJ"}, headers=centre)
    assert response.status_code == 200 and response.headers["content-type"].startswith("image/svg+xml")
    root = ET.fromstring(response.content)  # well-formed XML, or this raises
    assert root.tag == f"{SVG}svg" and root.get("role") == "img"
    assert "下级单位" in root.find(f"{SVG}title").text and root.find(f"{SVG}desc").text
    bars = [e for e in root.iter(f"{SVG}rect") if e.get("class") == "bar"]
    assert [b.get("data-code") for b in bars] == [r["code"] for r in report["rows"]]
    assert [int(b.get("data-value")) for b in bars] == [r["achievements"] for r in report["rows"]]
    widths = {b.get("data-code"): float(b.get("width")) for b in bars}
    assert widths["ZJ-B01"] > widths["ZJ-B07"] > widths["ZJ-B11"] == 0
    axis_titles = [e.text for e in root.iter(f"{SVG}text") if e.get("class") == "axis-title"]
    assert axis_titles == ["成果数（项）", "下级单位"]
    assert "<script" not in response.text

    social = ET.fromstring((await client.get(f"{UNITS}.svg", params={
        "unit": "ZJ", "measure": "achievements", "category": "social_training"}, headers=centre)).content)
    values = [int(b.get("data-value")) for b in social.iter(f"{SVG}rect") if b.get("class") == "bar"]
    assert values == [r["categories"]["social_training"] for r in report["rows"]]
    assert "社会培训成果数（项）" in [e.text for e in social.iter(f"{SVG}text")]
    bad = await client.get(f"{UNITS}.svg", params={"unit": "ZJ", "measure": "money"}, headers=centre)
    assert bad.status_code == 400 and bad.json()["extra"] == {"field": "measure"}


async def test_a_unit_without_children_has_an_empty_chart(client, world, centre):
    response = await client.get(f"{UNITS}.svg", params={"unit": "ZJ-S01-A01"}, headers=centre)
    root = ET.fromstring(response.content)
    assert [e for e in root.iter(f"{SVG}rect") if e.get("class") == "bar"] == []
    report = (await client.get(UNITS, params={"unit": "ZJ-S01-A01"}, headers=centre)).json()
    assert report["rows"] == [] and report["own"]["learners"] == report["total"]["learners"] == 3
