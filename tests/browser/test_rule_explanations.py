"""The learner's conversion page explains every rule in a browser (issue 18): a two-source rule
with a score threshold shows what is missing, in plain Chinese, its choice disabled; once the
learner holds both with the score, it says why it applies and can be chosen and submitted."""

from __future__ import annotations

import httpx
from playwright.async_api import expect

from tests.browser.conftest import screenshot
from tests.browser.helpers import Api, flash, import_learners, login, make_id, staff

T = "guangdong"
PASSWORD = "gd-rule-2026"
RULE = "公司概况与公司概论合转学位外语（浏览器）"


async def test_the_conversion_page_explains_what_is_missing_then_why_it_applies(live_server, desktop, tmp_path):
    staff(live_server, T, "GD", "tenant_admin", "gdadmin", "管理中心")
    id_number = make_id("440103", "19910101")
    import_learners(live_server, T, tmp_path, [("林解释", id_number, "13712340001", "lin@example.com", "GD-GOU-TP02")])
    api = f"{live_server.url}/t/{T}/api/v1"
    async with Api(live_server, T, "gdadmin") as admin, httpx.AsyncClient(base_url=api, timeout=30) as client:
        catalog = (await client.get("/catalog", params={"q": "公司概", "limit": 50})).json()["items"]
        a = next(e for e in catalog if e["name"] == "公司概况")
        b = next(e for e in catalog if e["name"] == "公司概论")
        target = next(e for e in (await client.get("/catalog", params={"q": "学位外语", "limit": 50})).json()["items"]
                      if e["project_name"] == "标准化工程(2017秋)(本)")
        rule = await admin.post("/rules", {"name": RULE, "sources": [a["id"], b["id"]], "target": target["id"],
                                           "credits": 4, "conditions": {"thresholds": [
                                               {"entry": a["id"], "field": "成绩", "value": 70}]}})
        await admin.post("/auth/codes", {"purpose": "activation", "channel": "sms", "id_number": id_number})
        code = await admin.last_code("13712340001")
        done = await client.post("/auth/activate", json={"id_number": id_number, "code": code, "password": PASSWORD,
                                                         "channel": "sms"})
        assert done.status_code == 200, done.text
        token = (await client.post("/auth/login", json={"username": id_number, "password": PASSWORD})).json()["access_token"]
        me = {"Authorization": f"Bearer {token}"}
        held = (await client.post("/me/achievements", headers=me, json={
            "category": "academic", "subtype": "course", "catalog_entry_id": a["id"],
            "fields": {"obtained_on": "2020-07-06", "score": "65"}})).json()

        page = desktop
        await login(page, live_server, T, id_number, PASSWORD, "me")
        await page.goto(f"{live_server.url}/t/{T}/me/conversion?achievement={held['id']}")
        choice = page.locator(f'li[data-rule="{rule["id"]}"]')
        await expect(choice.locator("ul.missing")).to_contain_text("还需：公司概论")
        await expect(choice.locator("ul.missing")).to_contain_text("成绩须 ≥ 70，您的成绩为 65")
        await expect(choice.get_by_role("radio")).to_be_disabled()
        await expect(choice).to_contain_text("条件未满足")
        await screenshot(page, "rule-explanation-missing")

        await client.post("/me/achievements", headers=me, json={
            "category": "academic", "subtype": "course", "catalog_entry_id": b["id"],
            "fields": {"obtained_on": "2020-07-06", "score": "90"}})
        better = (await client.post("/me/achievements", headers=me, json={
            "category": "academic", "subtype": "course", "catalog_entry_id": a["id"],
            "fields": {"obtained_on": "2021-01-10", "score": "82"}})).json()
        await page.goto(f"{live_server.url}/t/{T}/me/conversion?achievement={better['id']}")
        choice = page.locator(f'li[data-rule="{rule["id"]}"]')
        await expect(choice.locator("ul.because")).to_contain_text("持有：公司概论")
        await expect(choice.locator("ul.because")).to_contain_text("成绩 82，满足 ≥ 70")
        await expect(choice).to_contain_text("可申请")
        await choice.get_by_role("radio").check()
        await screenshot(page, "rule-explanation-applies")
        await page.get_by_role("button", name="提交").click()
        await expect(flash(page)).to_contain_text("已提交")
