"""The console's onboarding pages (issue 16 items 1 and 2): contacts, plugin defaults, an
import with its row report, the first admin's invitation, suspension with a message, the
platform's log, and the figures per tenant over a period (table, chart, CSV)."""

from __future__ import annotations

import asyncio
import re

from tests.web.helpers import field_error, submit
from tests.web.test_platform_pages import NEW_TENANT, P, platform_login

T = f"{P}/tenants/hainan"


async def hainan(client) -> None:
    await platform_login(client)
    created = await submit(client, f"{P}/tenants", f"{P}/tenants", NEW_TENANT)
    assert created.status_code == 303, created.text


async def test_contacts_defaults_import_and_invitation_from_the_tenant_page(client):
    await hainan(client)
    page = await client.get(T)
    assert 'id="brand-preview"' in page.text and 'id="unit-count">现有单位 <strong>0</strong>' in page.text
    bad = await submit(client, T, f"{T}/contact", {"phones": "0898-66000000", "email": "不是邮箱"})
    assert bad.status_code == 400 and field_error(bad.text, "email") == "电子邮箱格式不正确"
    assert "0898-66000000" in bad.text  # what was typed is kept
    saved = await submit(client, T, f"{T}/contact", {"phones": "0898-66000000\n0898-66000001", "email": "cb@hainan.example"})
    assert saved.status_code == 303
    portal = await client.get("/t/hainan/faq")
    assert "电话 0898-66000000、0898-66000001 · 邮箱 cb@hainan.example" in portal.text

    missing = await submit(client, T, f"{T}/defaults", {"root_code": ""})
    assert missing.status_code == 400 and field_error(missing.text, "root_code") == "请填写管理中心的单位编码"
    made = await submit(client, T, f"{T}/defaults", {"root_code": "HN"})
    assert made.status_code == 303 and "HN" in made.headers["location"]

    csv = "单位编码,单位名称,层级,上级单位编码\nHN-TP01,海口教学点,teaching_point,HN\nHN-X,坏单位,no_level,HN\n"
    upload = await submit(client, T, f"{T}/imports", {"kind": "units"}, files={"file": ("units.csv", csv.encode(), "text/csv")})
    assert upload.status_code == 303, upload.text
    job_url = upload.headers["location"]
    for _ in range(200):
        job = await client.get(job_url)
        if 'id="job-running"' not in job.text:
            break
        await asyncio.sleep(0.05)
    assert "<td>3</td><td>单位 HN-X：层级 &#39;no_level&#39; 不在本省的层级中" in job.text
    progress = await client.get(job_url + "/progress")
    assert progress.json()["created"] == 1 and progress.json()["failed"] == 1

    no_channel = await submit(client, T, f"{T}/invitations", {"invite_real_name": "符海"})
    assert no_channel.status_code == 400 and field_error(no_channel.text, "invite_phone") == "请填写手机号码或电子邮箱，用于发送激活码"
    assert 'value="符海"' in no_channel.text
    invited = await submit(client, T, f"{T}/invitations", {"invite_real_name": "符海", "invite_phone": "13900002222"})
    assert invited.status_code == 303 and "138" not in invited.headers["location"]
    page = await client.get(invited.headers["location"])
    assert "激活码已发送至 139****2222" in page.text
    log = page.text[page.text.index('id="platform-log"'):]
    for label in ("邀请租户管理员", "导入数据", "按插件默认设置建立单位", "修改联系方式", "新建租户"):
        assert label in log, label


async def test_suspension_with_a_message_on_the_console(client):
    await hainan(client)
    suspended = await submit(client, T, f"{T}/status", {"status": "suspended", "status_message": "数据迁移中，12 月 6 日恢复"})
    assert suspended.status_code == 303
    portal = await client.get("/t/hainan/")
    assert portal.status_code == 503 and "数据迁移中，12 月 6 日恢复" in portal.text
    page = await client.get(T)
    assert "用户看到的说明：“数据迁移中，12 月 6 日恢复”" in page.text
    assert (await submit(client, T, f"{T}/status", {"status": "active"})).status_code == 303
    assert (await client.get("/t/hainan/")).status_code == 200


async def test_figures_per_tenant_over_a_period_with_a_chart_and_a_csv(client, admin_headers):
    from tests.accounts.helpers import run_import, staff_headers

    centre = await staff_headers(client, "guangdong", "GD", "tenant_admin")
    learners = "姓名,证件号码,手机号码,所属单位\n曾炫云,440103199001010014,13712345678,GD-GOU-TP02\n"
    assert (await run_import(client, "guangdong", "learners", learners.encode(), centre))["created"] == 1
    await platform_login(client, "console")
    page = await client.get(f"{P}/figures")
    assert page.status_code == 200
    row = re.search(r'<tr data-slug="guangdong">(.*?)</tr>', page.text, re.S).group(1)
    assert '<td data-figure="learners">1</td>' in row
    assert '<svg' in page.text and "各学分银行新增学习者" in page.text
    old = await client.get(f"{P}/figures", params={"from": "2020-01-01", "to": "2020-01-31"})
    assert '<tr data-slug="guangdong">\n      <th scope="row"><a href="/platform/tenants/guangdong">' in old.text
    assert re.search(r'<tr data-slug="guangdong">.*?<td data-figure="learners">0</td>', old.text, re.S)
    wrong = await client.get(f"{P}/figures", params={"from": "2020-13-01"})
    assert wrong.status_code == 400 and "日期格式应为 YYYY-MM-DD" in wrong.text
    download = await client.get(f"{P}/figures.csv")
    assert download.headers["content-type"].startswith("text/csv") and download.content.startswith(b"\xef\xbb\xbf")
    assert "广东终身教育学分银行,guangdong,1," in download.content.decode("utf-8-sig")
    api = (await client.get("/api/v1/platform/figures", headers=admin_headers)).json()
    assert {t["slug"]: t["learners"] for t in api["tenants"]}["guangdong"] == 1


async def test_figures_take_one_query_per_figure_not_one_per_tenant(client, admin_headers, app):
    """Five figures, one statement each (applications by status is one), plus the tenant list:
    the count does not grow with the number of tenants."""
    from core.platform import figures
    from core.tenancy.tables import Tenant

    calls: list[str] = []
    raw = Tenant.raw

    def counting(sql, *args):
        calls.append(sql)
        return raw(sql, *args)

    Tenant.raw = counting  # type: ignore[method-assign]
    try:
        await figures.tenant_figures(figures.period(None, None))
    finally:
        Tenant.raw = raw  # type: ignore[method-assign]
    assert len(calls) == 5 and all("GROUP BY tenant_id" in sql for sql in calls)


async def test_reloading_a_console_form_step_returns_to_the_tenant_page(client):
    await hainan(client)
    for step in ("contact", "suspension", "defaults", "imports", "invitations", "status"):
        again = await client.get(f"{T}/{step}")
        assert again.status_code == 303 and again.headers["location"] == T, step
