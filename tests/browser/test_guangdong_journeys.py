"""Guangdong in a browser (seed 003): an imported learner activates by SMS, adds CET-4 through
the catalog dialog, uploads the certificate and applies to convert it to 学位外语; the teaching
point decides 转换初审 and the committee 转换终审, each in the opinion format of the manual; the
learner follows it in 进度查询 and 查看详情."""

from __future__ import annotations

import re

from playwright.async_api import expect

from tests.browser.conftest import screenshot
from tests.browser.helpers import PDF, STAFF_PASSWORD, Api, flash, import_learners, login, make_id, png, staff

T = "guangdong"
CET4 = "大学英语等级考试 (CET) 四级及以上证书"
RULE = "CET 4 及以上证书转2018秋法学专业学位外语"
POINT_OPINION = "教学点：广东理工职业学院人工智能学院 审核人：林碧莹 意见：同意"
COMMITTEE_OPINION = "审核人：广东终身教育学分银行管理中心 何委员"
PASSWORD = "gd-pass-2026"


async def test_cet4_to_degree_english_from_activation_to_the_final_review(live_server, desktop, open_page, tmp_path):
    staff(live_server, T, "GD", "tenant_admin", "gdadmin", "管理中心")
    staff(live_server, T, "GD-GOU-TP02", "unit_admin", "lin-biying", "林碧莹")
    staff(live_server, T, "GD", "committee", "committee-he", "何委员")
    id_number = make_id("440103", "19900101")
    import_learners(live_server, T, tmp_path, [("曾炫云", id_number, "13712345678", "zeng@example.com", "GD-GOU-TP02")])
    base = f"{live_server.url}/t/{T}"
    page = desktop

    async with Api(live_server, T, "gdadmin") as admin:
        # 激活账户: 证件号码 → 身份验证 (SMS) → 设置密码.
        await page.goto(f"{base}/")
        await page.get_by_role("link", name="激活账户").first.click()
        await expect(page.get_by_role("heading", level=1)).to_have_text("激活账户")
        await page.get_by_label("证件号码 / 用户名").fill(id_number)
        await page.get_by_role("button", name="下一步").click()
        details = page.locator("#account-details")
        await expect(details).to_contain_text("曾*")
        await expect(details).to_contain_text(id_number[:4] + "**********" + id_number[-4:])
        await expect(details).to_contain_text("广东理工职业学院人工智能学院")
        assert id_number not in await page.content()  # masked, and the ticket is sealed
        await page.get_by_label("手机短信（137****5678）").check()
        await page.get_by_role("button", name="获取验证码").click()
        await expect(page.get_by_text("验证码已发送至 137****5678，10 分钟内有效。")).to_be_visible()
        await expect(page.get_by_role("button", name=re.compile("获取验证码"))).to_be_disabled()  # one a minute
        await page.get_by_label("验证码").fill(await admin.last_code("13712345678"))
        await page.get_by_role("button", name="下一步").click()
        await expect(page.get_by_role("listitem").filter(has_text="3. 设置密码")).to_have_attribute("aria-current", "step")
        await page.get_by_label("设置密码").fill(PASSWORD)
        await expect(page.locator(".meter-level")).not_to_have_text("—")  # the strength meter answers while typing
        await page.get_by_label("确认密码").fill(PASSWORD)
        await page.get_by_role("button", name="完成").click()
        await expect(flash(page)).to_have_text("账户已激活。")
        await page.get_by_role("link", name="去登录").click()

    # Log in with the ID number: 我的信息.
    await page.get_by_label("用户名 / 证件号码 / 邮箱").fill(id_number)
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await page.wait_for_url(f"**/t/{T}/me")
    await expect(page.get_by_role("heading", level=1)).to_have_text("我的信息")
    await expect(page.locator("header .who")).to_have_text("曾炫云")
    await expect(page.get_by_text("您还没有添加学习成果。")).to_be_visible()

    # 成果添加: 职业资格证书, CET-4 picked in the catalog dialog, the typed fields.
    await page.get_by_role("navigation", name="主菜单").get_by_role("link", name="成果添加").click()
    await page.get_by_label("成果分类").select_option(label="职业资格证书")
    await page.get_by_label("成果小类").select_option(label="职业资格证书")
    await page.get_by_role("button", name="下一步").click()
    await expect(page.get_by_text("尚未选择：请先在上方查询名录并选择成果。")).to_be_visible()
    await page.get_by_role("searchbox", name="名录关键字").fill("大学英语")
    await page.get_by_role("button", name="查询").click()
    dialog = page.get_by_role("dialog", name="成果选择")
    await expect(dialog).to_be_visible()
    await expect(dialog.get_by_role("status")).to_contain_text("找到 1 条")
    await expect(dialog.get_by_role("row").filter(has_text=CET4)).to_contain_text("教育部考试中心")
    await dialog.get_by_label(CET4).check()
    await dialog.get_by_role("button", name="确认").click()
    await expect(dialog).to_be_hidden()
    chosen = page.locator("[data-catalog-chosen]")
    await expect(chosen).to_contain_text(CET4)
    await expect(chosen).to_contain_text("全国外语等级考试")
    await expect(page.locator('[data-catalog-field="appraisal_body"]')).to_have_text("教育部考试中心")
    await page.get_by_label("证书编号").fill("1900483622")
    await page.get_by_label("发证日期").fill("2020-05-22")
    await page.get_by_role("button", name="提交", exact=True).click()
    await expect(flash(page)).to_have_text("成果已添加，请上传证明材料")
    await expect(page.get_by_role("heading", level=1)).to_have_text(CET4)
    await expect(page.locator(".badge").first).to_have_text("名录成果")
    await expect(page.locator("dl.details")).to_contain_text("1900483622")

    # The certificate scan, a real PNG.
    await page.get_by_label("材料类别").select_option(label="职业资格证书（证书原件扫描件或照片）（必传）")
    await page.get_by_label("证明材料文件").set_input_files(
        files=[{"name": "CET4证书.png", "mimeType": "image/png", "buffer": png()}])
    await page.get_by_role("button", name="上传").click()
    await expect(flash(page)).to_have_text("证明材料已上传")
    evidence = page.get_by_role("table").filter(has_text="CET4证书.png")
    await expect(evidence.get_by_role("row").nth(1)).to_contain_text("职业资格证书（证书原件扫描件或照片）")

    # 转换成果申请: choose the rule to 学位外语.
    await page.get_by_role("link", name="申请转换").click()
    await expect(page.get_by_role("heading", name=f"成果转换：{CET4}")).to_be_visible()
    await page.get_by_label(RULE).check()
    await expect(page.get_by_role("listitem").filter(has=page.get_by_label(RULE))).to_contain_text(
        "目标成果：学位外语（广东开放大学）")
    await page.get_by_role("button", name="提交", exact=True).click()
    await expect(flash(page)).to_have_text("转换申请已提交")
    application_id = re.search(r"/me/applications/(\d+)", page.url).group(1)
    progress = page.get_by_role("list", name="审核环节")
    await expect(progress).to_contain_text("转换初审：待审核")
    await expect(progress).to_contain_text("转换终审：待审核")
    await expect(page.get_by_text("本环节需现场审查")).to_be_visible()

    # 转换初审 at the teaching point: the materials, a wrong opinion, then the manual's format.
    point = await open_page()
    await login(point, live_server, T, "lin-biying", STAFF_PASSWORD, "staff/reviews")
    await point.get_by_role("navigation", name="审核类别").get_by_role("link", name="转换初审").click()
    row = point.get_by_role("row").filter(has_text="曾炫云")
    await expect(row).to_contain_text(CET4)
    await expect(row).to_contain_text(RULE)
    await row.get_by_role("link", name=re.compile("^审核")).click()
    await expect(point.get_by_role("heading", level=1)).to_have_text(f"转换初审：{CET4}")
    await expect(point.get_by_role("link", name="CET4证书.png")).to_be_visible()
    await expect(point.get_by_label("审核意见")).to_have_value(POINT_OPINION)  # prefilled in the plugin's format
    await point.get_by_label("转换初审材料上传").set_input_files(
        files=[{"name": "曾炫云原件核对.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    await point.get_by_role("button", name="上传材料").click()
    await expect(flash(point)).to_have_text("审核材料已上传")
    await expect(point.get_by_text("已上传：曾炫云原件核对.pdf")).to_be_visible()

    await point.get_by_role("radio", name="同意", exact=True).check()
    await point.get_by_label("审核意见").fill("同意")
    await point.get_by_role("button", name="提交审核").click()
    error = point.locator("#e-opinion")
    await expect(error).to_contain_text("教学点：")
    await expect(point.get_by_label("审核意见")).to_have_value("同意")  # what was typed is kept
    await expect(point.get_by_label("审核意见")).to_have_attribute("aria-invalid", "true")
    await expect(point.get_by_role("radio", name="同意", exact=True)).to_be_checked()
    await screenshot(point, "guangdong-initial-review-decision")
    await point.get_by_label("审核意见").fill(POINT_OPINION)
    await point.get_by_role("button", name="提交审核").click()
    await expect(flash(point)).to_have_text(f"审核成功（申请 {application_id}：已进入下一环节）")
    await expect(point.get_by_text("暂无待审核的申请。")).to_be_visible()

    # 转换终审 by the committee.
    committee = await open_page()
    await login(committee, live_server, T, "committee-he", STAFF_PASSWORD, "staff/reviews")
    await committee.get_by_role("navigation", name="审核类别").get_by_role("link", name="转换终审").click()
    await committee.get_by_role("row").filter(has_text="曾炫云").get_by_role("link", name=re.compile("^审核")).click()
    records = committee.get_by_role("region", name="审核记录")
    await expect(records.get_by_role("row").filter(has_text="转换初审")).to_contain_text(POINT_OPINION)
    await expect(records.get_by_role("link", name="曾炫云原件核对.pdf")).to_be_visible()
    await expect(committee.get_by_label("审核意见")).to_have_value(COMMITTEE_OPINION)
    await committee.get_by_role("radio", name="同意", exact=True).check()
    await screenshot(committee, "guangdong-final-review-decision")
    await committee.get_by_role("button", name="提交审核").click()
    await expect(flash(committee)).to_have_text(f"审核成功（申请 {application_id}：审核通过）")

    # 进度查询 and 查看详情: approved, with both opinions; 学位外语 added to 我的信息.
    await page.get_by_role("navigation", name="主菜单").get_by_role("link", name="进度查询").click()
    row = page.get_by_role("row").filter(has_text=RULE)
    await expect(row.locator('[data-label="状态"]')).to_have_text("已通过")
    await row.get_by_role("link", name=re.compile("查看详情")).click()
    await expect(page.locator(".badge").first).to_have_text("已通过")
    progress = page.get_by_role("list", name="审核环节")
    await expect(progress).to_contain_text("转换初审：已通过")
    await expect(progress).to_contain_text("转换终审：已通过")
    initial = page.get_by_role("region", name="转换初审")
    await expect(initial).to_contain_text(POINT_OPINION)
    await expect(initial).to_contain_text("曾炫云原件核对.pdf")
    await expect(page.get_by_role("region", name="转换终审")).to_contain_text(COMMITTEE_OPINION)
    await expect(page.get_by_role("link", name="已添加到我的成果")).to_be_visible()

    await page.get_by_role("navigation", name="主菜单").get_by_role("link", name="我的信息").click()
    await expect(page.locator(".counts li").filter(has_text="成果总数")).to_contain_text("2")
    await expect(page.get_by_role("row").filter(has_text=CET4).locator('[data-label="已用规则数"]')).to_have_text("1")
    target = page.get_by_role("row").filter(has_text="学位外语")
    await expect(target.locator('[data-label="成果来源"]')).to_have_text("转换所得")
    await page.get_by_text("我的基本信息（点击显示）").click()
    await expect(page.locator("details.profile")).to_contain_text(id_number[:4] + "**********" + id_number[-4:])
    await screenshot(page, "guangdong-learner-my-information")
