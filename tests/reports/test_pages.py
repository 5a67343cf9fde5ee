"""The report pages of the staff portal: the table, the chart drawn inline, the export links
(which work with the portal session), drilling down, errors shown beside the field."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import httpx
import pytest

from tests.accounts.helpers import staff_headers
from tests.reports.world import World, build
from tests.web.helpers import field_error, portal_login, table_rows

Z = "/t/zhejiang"


@pytest.fixture
async def world(client) -> World:
    return await build(await client._transport.app.state.tenants.get("zhejiang"))


@pytest.fixture
async def browser(client):
    opened: list[httpx.AsyncClient] = []

    async def open_as(unit: str, role: str, username: str) -> httpx.AsyncClient:
        await staff_headers(client, "zhejiang", unit, role, username=username)
        other = httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url))
        opened.append(other)
        await portal_login(other, "zhejiang", username, "Staff-pass-2026")
        return other

    yield open_as
    for other in opened:
        await other.aclose()


async def test_report_page_shows_the_figures_chart_and_exports(client, world, browser):
    centre = await browser("ZJ", "tenant_admin", "zj-centre")
    page = await centre.get(f"{Z}/staff/reports")
    assert page.status_code == 200, page.text
    html = page.text
    rows = table_rows(html, "report-table")
    assert len(rows) == 14 + 3  # children, the centre itself, learners without a unit, the total
    # The API takes a bearer token, never the portal's session cookie.
    login = await centre.post(f"{Z}/api/v1/auth/login", json={"username": "zj-centre", "password": "Staff-pass-2026"})
    bearer = {"Authorization": f"Bearer {login.json()['access_token']}"}
    api = (await centre.get(f"{Z}/api/v1/admin/reports/units", params={"unit": "ZJ"}, headers=bearer)).json()
    for cells, line in zip(rows, [*api["rows"], api["own"], api["unassigned"], api["total"]]):
        assert cells[0].startswith(line["name"])
        assert int(cells[1]) == line["learners"] and int(cells[2]) == line["achievements"]
        assert int(cells[-3]) == line["overdue"]
        assert int(cells[-2]) == line["collected"] and int(cells[-1]) == line["collected_recognized"]
    assert rows[-1][0] == "合计" and "（本级）" in rows[-3][0]

    svg = re.search(r"<svg.*?</svg>", html, re.S).group(0)
    bars = [e for e in ET.fromstring(svg).iter("{http://www.w3.org/2000/svg}rect") if e.get("class") == "bar"]
    assert len(bars) == 14
    links = dict(re.findall(r'<a href="([^"]+)" download>([^<]+)</a>', html))
    csv_link = next(href for href, label in links.items() if label == "CSV").replace("&amp;", "&")
    assert "/api/" not in csv_link  # the portal's own export route, behind the session
    exported = await centre.get(csv_link)
    assert exported.status_code == 200 and exported.content.startswith(b"\xef\xbb\xbf")
    xlsx_link = next(href for href, label in links.items() if label.startswith("Excel")).replace("&amp;", "&")
    workbook = await centre.get(xlsx_link)
    assert workbook.status_code == 200 and workbook.content[:2] == b"PK"  # a zip: the XLSX container

    social = await centre.get(f"{Z}/staff/reports", params={"measure": "achievements", "category": "social_training"})
    assert "社会培训成果数（项）" in social.text


async def test_drilling_down_and_the_scope_of_a_branch(client, world, browser):
    hangzhou = await browser("ZJ-B01", "unit_admin", "hangzhou")
    page = await hangzhou.get(f"{Z}/staff/reports")
    assert page.status_code == 200 and "浙江学分银行杭州分部" in page.text
    assert [r[0].split()[0] for r in table_rows(page.text, "report-table")][:2] == [
        "浙江学分银行杭州市上城区分中心", "浙江学分银行杭州市下城区分中心"]
    assert f'href="{Z}/staff/reports?unit=ZJ-S01"' in page.text
    down = await hangzhou.get(f"{Z}/staff/reports", params={"unit": "ZJ-S01"})
    assert down.status_code == 200
    assert f'<a href="{Z}/staff/reports?unit=ZJ-B01">浙江学分银行杭州分部</a>' in down.text  # and back up
    assert 'href="/t/zhejiang/staff/reports?unit=ZJ"' not in down.text  # not above their own unit
    assert (await hangzhou.get(f"{Z}/staff/reports", params={"unit": "ZJ-B07"})).status_code == 404


async def test_a_bad_date_is_shown_beside_its_field(client, world, browser):
    centre = await browser("ZJ", "tenant_admin", "zj-centre")
    page = await centre.get(f"{Z}/staff/reports", params={"from": "2026-05-01", "to": "2026-04-01"})
    assert page.status_code == 400
    assert field_error(page.text, "to") == "结束日期不能早于开始日期"


async def test_overdue_page_lists_them(client, world, browser):
    centre = await browser("ZJ", "tenant_admin", "zj-centre")
    page = await centre.get(f"{Z}/staff/reports/overdue", params={"unit": "ZJ"})
    assert page.status_code == 200
    ids = {int(i) for i in re.findall(r'<tr data-id="(\d+)">', page.text)}
    assert ids == world.overdue
    assert re.search(r'<strong id="overdue-total">(\d+)</strong>', page.text).group(1) == str(len(world.overdue))
