"""A credit bank from nothing to a learner's recognised outcome, through the national console
and the portal alone (issue 16 item 1): a national admin creates 四川终身学习学分银行 on
/platform/, gives it contacts, imports its units and catalog from files (with the row report),
invites its first tenant admin; the admin activates with the code sent by SMS and logs in,
imports a learner; the learner activates, adds a catalog outcome and finds it recognised
(名录成果, 已认定). Then the console suspends it with a message the learner sees, and resumes it.

Codes are read from the outbox as a phone would receive them; every step is taken in the browser."""

from __future__ import annotations

import asyncio
import re

from playwright.async_api import expect

from tests.browser.conftest import screenshot
from tests.browser.helpers import flash, make_id

SLUG = "sichuan"
NAME = "四川终身学习学分银行"
PLATFORM_PASSWORD = "平台管理员的长密码-2026"
ADMIN_PASSWORD = "Sc-admin-2026"
LEARNER_PASSWORD = "sc-pass-2026"
CET4 = "大学英语等级考试 (CET) 四级及以上证书"
UNITS = ("单位编码,单位名称,层级,上级单位编码\n"
         "SC,四川终身学习学分银行管理中心,center,\n"
         "SC-OU,四川开放大学,institution,SC\n"
         "SC-OU-TP01,四川开放大学成都教学点,teaching_point,SC-OU\n"
         "SC-BAD,没有上级的教学点,teaching_point,SC-NONE\n")
CATALOG = ("category,subtype,project_name,name,institution,appraisal_body,certificate_grade,certificate_name,education_level,occupation\n"
           f"vocational_qualification,vocational_qualification,全国外语等级考试,{CET4},教育部考试中心,教育部考试中心,3级,{CET4},本科,教育\n")


async def sent_code(to: str) -> str:
    """The six-digit code in the newest message to ``to``, as the phone shows it."""
    from core.notifications.tables import Notification

    for _ in range(100):
        row = await Notification.select(Notification.body).where(Notification.recipient == to).order_by(
            Notification.id, ascending=False).first()
        if row and (found := re.search(r"(?<!\d)(\d{6})(?!\d)", row["body"])):
            return found.group(1)
        await asyncio.sleep(0.1)
    raise AssertionError(f"no code sent to {to}")


async def upload(page, kind_label: str, path) -> None:
    form = page.locator("#tenant-import")
    await form.get_by_label("数据类型").select_option(label=kind_label)
    await form.get_by_label("文件").set_input_files(str(path))
    await form.get_by_role("button", name="上传并导入").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("导入任务")
    await expect(page.locator("#job-status")).to_have_text("已完成", timeout=20_000)


async def test_a_new_credit_bank_from_the_console_to_a_recognised_outcome(live_server, open_page, tmp_path):
    live_server.cli("platform-admin", "create", "--username", "national", "--password", PLATFORM_PASSWORD)
    console = await open_page()
    base, t = live_server.url, f"{live_server.url}/t/{SLUG}"

    # The national admin: log in, create the tenant.
    await console.goto(f"{base}/platform/")
    await console.get_by_label("用户名").fill("national")
    await console.get_by_label("密码").fill(PLATFORM_PASSWORD)
    await console.get_by_role("button", name="登录").click()
    await console.get_by_role("navigation", name="主菜单").get_by_role("link", name="租户").click()
    create = console.locator("form#tenant-create")
    await create.locator("#f-slug").fill(SLUG)
    await create.locator("#f-name").fill(NAME)
    await create.get_by_label("省份插件").select_option("guangdong")
    await create.get_by_label("简称").fill("四川学银")
    await create.get_by_role("button", name="创建租户").click()
    await expect(flash(console)).to_contain_text(f"已创建租户“{NAME}”")

    # Branding with its live preview, then the contacts the footer will show.
    await console.locator("#tenant-edit").get_by_label("页脚文字").fill("四川终身学习学分银行管理中心")
    await expect(console.locator('#brand-preview [data-preview="footer"]')).to_have_text("四川终身学习学分银行管理中心")
    await console.locator("#tenant-edit").get_by_label("对外地址").fill("https://cb.sc.example")
    await expect(console.locator('#brand-preview [data-preview="base_url"]')).to_have_text(f"https://cb.sc.example/t/{SLUG}")
    await console.locator("#tenant-edit").get_by_label("对外地址").fill("")
    await console.locator("#tenant-edit").get_by_role("button", name="保存").click()
    await expect(flash(console)).to_have_text("已保存")
    contact = console.locator("#tenant-contact")
    await contact.get_by_label("咨询电话").fill("028-86000000")
    await contact.get_by_label("电子邮箱").fill("cb@sc.example")
    await contact.get_by_role("button", name="保存联系方式").click()
    await expect(flash(console)).to_have_text("联系方式已保存")

    # Units and catalog from files, each with its row report.
    (tmp_path / "units.csv").write_text(UNITS, encoding="utf-8-sig")
    (tmp_path / "catalog.csv").write_text(CATALOG, encoding="utf-8-sig")
    await upload(console, "组织机构", tmp_path / "units.csv")
    await expect(console.locator("#rejected-rows")).to_contain_text("单位 SC-BAD：上级单位 SC-NONE 不存在")
    await expect(console.locator('[data-count="created"]')).to_have_text("3")
    await console.get_by_role("link", name=f"← {NAME}").click()
    await upload(console, "名录条目", tmp_path / "catalog.csv")
    await expect(console.locator("#no-rejected")).to_be_visible()
    await console.get_by_role("link", name=f"← {NAME}").click()
    await expect(console.locator("#unit-count")).to_contain_text("现有单位 3 个")

    # The first tenant admin: invited with a code by SMS, no password sent.
    invite = console.locator("#tenant-invite")
    await invite.get_by_label("姓名").fill("蒲晓")
    await invite.get_by_label("手机号码").fill("13800001111")
    await invite.get_by_label("用户名").fill("scadmin")
    await invite.get_by_role("button", name="发送邀请").click()
    await expect(flash(console)).to_have_text("已邀请 scadmin，激活码已发送至 138****1111")
    await expect(console.locator("#platform-log")).to_contain_text("邀请租户管理员")
    await screenshot(console, "console-onboarding-tenant")

    # The admin activates at /t/sichuan/activate with the SMS code and logs in.
    admin = await open_page()
    await admin.goto(f"{t}/activate")
    await admin.get_by_label("证件号码 / 用户名").fill("scadmin")
    await admin.get_by_role("button", name="下一步").click()
    await expect(admin.locator("#account-details")).to_contain_text("scadmin")
    await admin.get_by_label("验证码").fill(await sent_code("13800001111"))
    await admin.get_by_role("button", name="下一步").click()
    await admin.get_by_label("设置密码").fill(ADMIN_PASSWORD)
    await admin.get_by_label("确认密码").fill(ADMIN_PASSWORD)
    await admin.get_by_role("button", name="完成").click()
    await expect(flash(admin)).to_have_text("账户已激活。")
    await admin.goto(f"{t}/login")
    await admin.get_by_label("用户名 / 证件号码 / 邮箱").fill("scadmin")
    await admin.get_by_label("密码").fill(ADMIN_PASSWORD)
    await admin.get_by_role("button", name="登录").click()
    await admin.wait_for_url(f"**/t/{SLUG}/staff/**")
    footer = admin.locator("footer.site")
    await expect(footer).to_contain_text("电话 028-86000000 · 邮箱 cb@sc.example")
    await expect(footer).not_to_contain_text("020-83772086")  # never the plugin's province's numbers

    # The admin imports a learner at the teaching point.
    id_number = make_id("510104", "19950303")
    (tmp_path / "learners.csv").write_text(f"姓名,证件号码,手机号码,所属单位\n何川,{id_number},13900003333,SC-OU-TP01\n",
                                           encoding="utf-8-sig")
    await admin.goto(f"{t}/staff/imports")
    await admin.get_by_label("数据类型").select_option(label="学习者")
    await admin.get_by_label("数据文件").set_input_files(str(tmp_path / "learners.csv"))
    await admin.get_by_role("button", name="上传并导入").click()
    await expect(admin.locator("#job-status")).to_have_text("已完成", timeout=20_000)
    await expect(admin.locator('[data-count="created"]')).to_have_text("1")

    # The learner activates by SMS, adds CET-4 from the catalog: recognised on entry.
    learner = await open_page()
    await learner.goto(f"{t}/activate")
    await learner.get_by_label("证件号码 / 用户名").fill(id_number)
    await learner.get_by_role("button", name="下一步").click()
    await learner.get_by_role("button", name="获取验证码").click()
    await expect(learner.get_by_text("验证码已发送至 139****3333")).to_be_visible()
    await learner.get_by_label("验证码").fill(await sent_code("13900003333"))
    await learner.get_by_role("button", name="下一步").click()
    await learner.get_by_label("设置密码").fill(LEARNER_PASSWORD)
    await learner.get_by_label("确认密码").fill(LEARNER_PASSWORD)
    await learner.get_by_role("button", name="完成").click()
    await expect(flash(learner)).to_have_text("账户已激活。")
    await learner.goto(f"{t}/login")
    await learner.get_by_label("用户名 / 证件号码 / 邮箱").fill(id_number)
    await learner.get_by_label("密码").fill(LEARNER_PASSWORD)
    await learner.get_by_role("button", name="登录").click()
    await learner.wait_for_url(f"**/t/{SLUG}/me")
    await learner.get_by_role("navigation", name="主菜单").get_by_role("link", name="成果添加").click()
    await learner.get_by_label("成果分类").select_option(label="职业资格证书")
    await learner.get_by_label("成果小类").select_option(label="职业资格证书")
    await learner.get_by_role("button", name="下一步").click()
    await learner.get_by_role("searchbox", name="名录关键字").fill("大学英语")
    await learner.get_by_role("button", name="查询").click()
    dialog = learner.get_by_role("dialog", name="成果选择")
    await dialog.get_by_label(CET4).check()
    await dialog.get_by_role("button", name="确认").click()
    await learner.get_by_label("证书编号").fill("1900483622")
    await learner.get_by_label("发证日期").fill("2020-05-22")
    await learner.get_by_role("button", name="提交", exact=True).click()
    await expect(flash(learner)).to_have_text("成果已添加，请上传证明材料")
    await expect(learner.locator(".badge").first).to_have_text("名录成果")
    await learner.goto(f"{t}/me")
    await expect(learner.locator("main")).to_contain_text("已认定")
    await screenshot(learner, "console-onboarding-learner")

    # An address that does not exist: the tenant's own page, still with the learner's header.
    await learner.goto(f"{t}/no-such-page")
    await expect(learner.locator("main")).to_contain_text("页面不存在")
    await expect(learner.locator("header .who")).to_have_text("何川")

    # The console's figures for today: the new bank's learner and outcome, a chart, a CSV.
    await console.get_by_role("navigation", name="主菜单").get_by_role("link", name="数据统计").click()
    row = console.locator('#figures tr[data-slug="sichuan"]')
    await expect(row.locator('[data-figure="learners"]')).to_have_text("1")
    await expect(row.locator('[data-figure="achievements"]')).to_have_text("1")
    await expect(console.locator('#figures-chart svg [data-code="sichuan"] rect')).to_have_attribute("data-value", "1")
    await console.get_by_role("link", name="新增成果").click()
    await expect(console.locator("#figures-chart")).to_have_attribute("data-measure", "achievements")
    async with console.expect_download() as download:
        await console.get_by_role("link", name="下载 CSV").click()
    assert (await download.value).suggested_filename.startswith("figures-")
    await screenshot(console, "console-figures")

    # Suspended from the console with a message the learner is shown; resumed.
    await console.goto(f"{base}/platform/tenants/{SLUG}")
    status = console.locator("#tenant-status-form")
    await status.get_by_label("告知用户的说明").fill("系统升级，预计 12 月 6 日恢复")
    console.on("dialog", lambda d: asyncio.ensure_future(d.accept()))
    await status.get_by_role("button", name="暂停服务").click()
    await expect(flash(console)).to_have_text("已暂停服务")
    await learner.goto(f"{t}/me")
    await expect(learner.locator("main")).to_contain_text("四川终身学习学分银行已暂停服务：系统升级，预计 12 月 6 日恢复")
    await console.locator("#tenant-status-form").get_by_role("button", name="恢复服务").click()
    await expect(flash(console)).to_have_text("已恢复服务")
    await learner.goto(f"{t}/me")
    await expect(learner.get_by_role("heading", level=1)).to_have_text("我的信息")
