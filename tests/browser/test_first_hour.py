"""The first hour of a newcomer, a learner and staff (issue 16 items 3–15), in a real browser:
what a person sees where the issue found them stuck. Data are set up through the API and the
command line; the step under test is taken in the browser."""

from __future__ import annotations

import re

import httpx
from playwright.async_api import expect

from tests.browser.helpers import STAFF_PASSWORD, Api, import_learners, login, make_id, staff

GD = "guangdong"
LEARNER_PASSWORD = "gd-pass-2026"


async def gd_learner(server, folder, name: str = "曾炫云", phone: str = "13712345678") -> tuple[str, dict]:
    """An imported Guangdong learner, activated by SMS through the API: (ID number, bearer headers)."""
    staff(server, GD, "GD", "tenant_admin", "gdadmin", "管理中心")
    id_number = make_id("440103", "19900101")
    import_learners(server, GD, folder, [(name, id_number, phone, "zeng@example.com", "GD-GOU-TP02")])
    async with Api(server, GD, "gdadmin") as admin:
        await admin.post("/auth/codes", {"purpose": "activation", "channel": "sms", "id_number": id_number})
        await admin.post("/auth/activate", {"id_number": id_number, "code": await admin.last_code(phone),
                                            "password": LEARNER_PASSWORD})
    async with httpx.AsyncClient(base_url=f"{server.url}/t/{GD}/api/v1") as client:
        token = (await client.post("/auth/login", json={"username": id_number, "password": LEARNER_PASSWORD})).json()
    return id_number, {"Authorization": f"Bearer {token['access_token']}"}


async def test_item6_an_outcome_a_proof_rests_on_offers_no_delete(live_server, desktop, tmp_path):
    id_number, learner = await gd_learner(live_server, tmp_path)
    async with httpx.AsyncClient(base_url=f"{live_server.url}/t/{GD}/api/v1", headers=learner) as api:
        entry = (await api.get("/catalog", params={"q": "公司概况"})).json()["items"][0]
        course = (await api.post("/me/achievements", json={
            "category": entry["category"], "subtype": entry["subtype"], "catalog_entry_id": entry["id"],
            "fields": {"obtained_on": "2020-07-06", "score": "85"}})).json()
        application = (await api.post("/me/applications", json={"kind": "certificate", "achievement_ids": [course["id"]]})).json()
    page = desktop
    await login(page, live_server, GD, id_number, LEARNER_PASSWORD, "me")
    await page.goto(f"{live_server.url}/t/{GD}/me/achievements/{course['id']}")
    kept = page.locator("#kept")
    await expect(kept).to_contain_text("该成果正在审核中，不能删除")
    await kept.get_by_role("link", name="查看并撤回申请").click()
    await expect(page.get_by_role("button", name="撤回申请")).to_be_visible()

    async with Api(live_server, GD, "gdadmin") as centre:
        await centre.post(f"/reviews/{application['id']}/decision", {
            "step": "certificate_issue", "decision": "approve", "opinion": "审核人：学分银行管理中心 明耀星"})
    await page.goto(f"{live_server.url}/t/{GD}/me/achievements/{course['id']}")
    await expect(page.locator("#kept")).to_have_text("该成果已列入出具的学习成果证明，不能删除")
    await expect(page.get_by_role("button", name="删除该成果")).to_have_count(0)


async def test_item7_the_national_activation_done_page_says_what_the_username_is(live_server, desktop):
    await desktop.goto(f"{live_server.url}/t/national_ouc/activate/done?status=pending_review")
    await expect(desktop.locator("#username-hint")).to_contain_text("“大写字母S”+身份证号码")
    await desktop.goto(f"{live_server.url}/t/guangdong/activate/done?status=active")
    await expect(desktop.locator("#username-hint")).to_have_count(0)  # Guangdong learners log in by ID number


async def test_item8_getting_the_registration_code_keeps_the_passwords(live_server, desktop):
    page = desktop
    await page.goto(f"{live_server.url}/t/{GD}/register")
    await page.get_by_label("我已阅读并同意服务条款").check()
    await page.get_by_role("button", name="下一步").click()
    await page.get_by_label("真实姓名").fill("明耀星")
    await page.get_by_label(re.compile("^密码")).fill("gd2020pass")
    await page.get_by_label("确认密码").fill("gd2020pass")
    await page.get_by_role("button", name="获取验证码").click()
    await expect(page.locator("#e-phone")).to_contain_text("请填写手机号码")
    await expect(page.get_by_label(re.compile("^密码"))).to_have_value("gd2020pass")
    await page.get_by_label("手机号码").fill("13812345678")
    await page.get_by_role("button", name="获取验证码").click()
    await expect(page.locator("#e-phone")).to_have_count(0)
    await expect(page.get_by_text("验证码已发送至 138****5678")).to_be_visible()
    await expect(page.get_by_label(re.compile("^密码"))).to_have_value("gd2020pass")
    await expect(page.get_by_label("确认密码")).to_have_value("gd2020pass")
    await expect(page.get_by_label("真实姓名")).to_have_value("明耀星")
    await expect(page.get_by_role("button", name=re.compile("重新获取验证码"))).to_be_disabled()  # one a minute


async def test_item13_the_reviewer_is_shown_their_own_unit_and_every_error(live_server, desktop, tmp_path):
    _, learner = await gd_learner(live_server, tmp_path)
    staff(live_server, GD, "GD-GOU-TP01", "unit_admin", "tp01", "陈老师")
    async with httpx.AsyncClient(base_url=f"{live_server.url}/t/{GD}/api/v1", headers=learner) as api:
        outcome = (await api.post("/me/achievements", json={"category": "other", "subtype": "perf_work_experience",
                                                           "fields": {"achievement_name": "工作9年", "completed_on": "2020-07-07"}})).json()
        application = (await api.post("/me/applications", json={"kind": "recognition", "achievement_id": outcome["id"],
                                                                 "unit_code": "GD-GOU-TP01"})).json()
    page = desktop
    await login(page, live_server, GD, "tp01", STAFF_PASSWORD, "staff/reviews")
    await page.goto(f"{live_server.url}/t/{GD}/staff/reviews/{application['id']}")
    await expect(page.get_by_label("审核意见")).to_have_value("教学点：广东开放大学本部教学点 审核人：陈老师 意见：同意")
    await page.get_by_label("审核意见").fill("好")
    await page.get_by_role("button", name="提交审核").click()
    await expect(page.locator("#e-decision")).to_be_visible()
    await expect(page.locator("#e-opinion")).to_contain_text("教学点：广东开放大学本部教学点 审核人：陈老师")
    await expect(page.locator("#e-opinion")).not_to_contain_text("广东理工职业学院")


async def test_item3_a_newcomer_at_the_root_finds_the_credit_banks(live_server, desktop):
    page = desktop
    await page.goto(f"{live_server.url}/")
    await expect(page.get_by_role("heading", level=1)).to_have_text("选择您的学分银行")
    await page.get_by_role("list", name="学分银行").get_by_role("link", name="广东终身教育学分银行").click()
    await page.wait_for_url(f"**/t/{GD}/")
    await page.goto(f"{live_server.url}/t/{GD}/no-such-page")
    await expect(page.get_by_role("heading", level=1)).to_have_text("页面不存在")
    await page.goto(f"{live_server.url}/t/{GD}/activate/verify")  # a phone reloading a step
    await page.wait_for_url(f"**/t/{GD}/activate")
    await expect(page.get_by_role("heading", level=1)).to_have_text("激活账户")


async def test_item12_a_gansu_tenant_admin_sees_whose_steps_they_are(live_server, desktop):
    staff(live_server, "gansu", "GS", "tenant_admin", "gs-school", "省校管理员")
    await login(desktop, live_server, "gansu", "gs-school", STAFF_PASSWORD, "staff/reviews")
    who = desktop.locator("#who-decides")
    await expect(who).to_be_visible()
    await expect(who).to_contain_text("省校教务处存储审核")
