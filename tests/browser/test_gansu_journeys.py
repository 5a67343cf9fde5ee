"""Gansu in a browser (seed 001, the Gansu notice): an imported OUC student activates with the
S+ID username and a working e-mail, the provincial school's academic office (省校教务处) reviews
the account, the student logs in with S+ID and with the e-mail, stores a certificate that the
academic office reviews on store, then converts it by a published rule, reviewed by the
provincial school's certification centre, which issues the 学习成果认证证明."""

from __future__ import annotations

import re

from playwright.async_api import expect

from tests.browser.conftest import screenshot
from tests.browser.helpers import STAFF_PASSWORD, Api, flash, import_learners, login, logout, make_id, png, staff

T = "gansu"
CERTIFICATE = "农艺工国家职业资格证书（四级）"
RULE = "农艺工国家职业资格证书（四级）转2019秋农业经济管理专业旱作农业技术"
STORE_OPINION = "审核意见：同意。证书编号与扫描件一致，予以存储。"
CONVERSION_OPINION = "审核意见：同意。符合已发布的转换规则，出具学习成果认证证明。"
EMAIL = "linjia@example.com"
PASSWORD = "Gs-pass-2026"


async def test_imported_student_activates_is_reviewed_and_an_outcome_goes_through_the_chain(
        live_server, desktop, open_page, tmp_path):
    staff(live_server, T, "GS", "tenant_admin", "gs-school", "甘肃电大学分银行管理员")
    staff(live_server, T, "GS", "unit_admin", "gs-jiaowu", "袁若琦")
    id_number = make_id("620102", "19850505")
    username = "S" + id_number
    masked = id_number[:4] + "**********" + id_number[-4:]
    import_learners(live_server, T, tmp_path, [("林佳", id_number, "", "", "GS-LZ")])
    base = f"{live_server.url}/t/{T}"
    page = desktop

    # 激活账户 with S + ID number: the details, a working e-mail, its code, a password.
    await page.goto(f"{base}/activate")
    await page.get_by_text("阅读服务条款（用户协议）").click()
    await expect(page.get_by_role("region", name="服务条款")).to_be_visible()
    await page.get_by_label("证件号码 / 用户名").fill(username)
    await page.get_by_role("button", name="下一步").click()
    details = page.locator("#account-details")
    await expect(details).to_contain_text("S" + masked)
    await expect(details).to_contain_text("林*")
    await expect(details).to_contain_text("甘肃广播电视大学兰州分校")
    await page.get_by_role("button", name="获取验证码").click()
    await expect(page.locator("#e-email")).to_have_text("请填写常用电子邮箱")
    await page.get_by_label("常用电子邮箱").fill(EMAIL)
    await page.get_by_role("button", name="获取验证码").click()
    await expect(page.get_by_text("验证码已发送至 l***a@example.com，10 分钟内有效。")).to_be_visible()
    await expect(page.get_by_label("常用电子邮箱")).to_have_value(EMAIL)
    async with Api(live_server, T, "gs-school") as admin:
        await page.get_by_label("验证码").fill(await admin.last_code(EMAIL))
    await page.get_by_role("button", name="下一步").click()
    await page.get_by_label("设置密码").fill(PASSWORD)
    await page.get_by_label("确认密码").fill(PASSWORD)
    await page.get_by_role("button", name="完成").click()
    await expect(flash(page)).to_have_text("激活申请已提交，请等待审核。")
    await expect(page.get_by_role("main")).to_contain_text("审核结果会发送到您填写的邮箱")

    await page.goto(f"{base}/login")
    await page.get_by_label("用户名 / 证件号码 / 邮箱").fill(username)
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await expect(page.get_by_role("alert")).to_contain_text("审核")

    # The provincial school's academic office reviews the activated account.
    office = await open_page()
    await login(office, live_server, T, "gs-jiaowu", STAFF_PASSWORD, "staff/reviews")
    await office.get_by_role("navigation", name="主菜单").get_by_role("link", name="学习者").click()
    await office.get_by_label("账户状态").select_option(label="待审核")
    await office.get_by_role("button", name="查询").click()
    row = office.get_by_role("row").filter(has_text="林佳")
    await expect(row.locator('[data-label="来源"]')).to_have_text("批量导入")
    await expect(row.locator('[data-label="所属单位"]')).to_have_text("GS-LZ")
    await expect(row.locator('[data-label="用户名"]')).to_have_text("S" + masked)
    await row.get_by_role("link", name=re.compile("^审核")).click()
    await office.get_by_label("通过", exact=True).check()
    await office.get_by_role("button", name="提交审核").click()
    await expect(flash(office)).to_have_text("审核完成：账户已通过审核")
    await expect(office.locator("dl.details .badge")).to_have_text("正常")

    # She logs in with S + ID number, and with her e-mail.
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await page.wait_for_url(f"**/t/{T}/me")
    await expect(page.locator("header .who")).to_have_text("林佳")
    await page.get_by_text("我的基本信息（点击显示）").click()
    await expect(page.locator("details.profile")).to_contain_text("S" + masked)
    await expect(page.locator("details.profile")).to_contain_text("l***a@example.com")
    await logout(page, T)
    await login(page, live_server, T, EMAIL, PASSWORD, "me")
    await expect(page.locator("header .who")).to_have_text("林佳")

    # Store a certificate: 选择证书 → 完善 → 提交审批, then the scan.
    await page.get_by_role("link", name="成果添加").first.click()
    await page.get_by_label("成果分类").select_option(label="非学历教育学习成果")
    await page.get_by_label("成果小类").select_option(label="国家职业资格证书")
    await page.get_by_role("button", name="下一步").click()
    await page.get_by_role("searchbox", name="名录关键字").fill("农艺工")
    await page.get_by_role("button", name="查询").click()
    dialog = page.get_by_role("dialog", name="成果选择")
    await expect(dialog.get_by_role("status")).to_contain_text("找到 1 条")
    await dialog.get_by_label(CERTIFICATE).check()
    await dialog.get_by_role("button", name="确认").click()
    await expect(page.locator("[data-catalog-chosen]")).to_contain_text("甘肃省职业技能鉴定指导中心")
    await page.get_by_label("证书编号").fill("1862000301234")
    await page.get_by_label("发证日期").fill("2019-06-18")
    await page.get_by_role("button", name="提交审批").click()
    await expect(flash(page)).to_have_text("成果已添加并提交审核，请上传证明材料")
    await page.get_by_label("材料类别").select_option(label="职业资格证书扫描件或照片（必传）")
    await page.get_by_label("证明材料文件").set_input_files(
        files=[{"name": "农艺工证书.png", "mimeType": "image/png", "buffer": png(80, 56, (30, 120, 60))}])
    await page.get_by_role("button", name="上传").click()
    await expect(flash(page)).to_have_text("证明材料已上传")
    await expect(page.locator(".badge").first).to_have_text("已申请")

    # 省校教务处存储审核.
    await office.get_by_role("navigation", name="主菜单").get_by_role("link", name="审核").click()
    tabs = office.get_by_role("navigation", name="审核类别")
    await expect(tabs.get_by_role("link", name="省校教务处存储审核")).to_have_attribute("aria-current", "page")
    await expect(tabs).to_contain_text("省校学习成果认证中心转换审核")
    await office.get_by_role("row").filter(has_text="林佳").get_by_role("link", name=re.compile("^审核")).click()
    await expect(office.get_by_role("heading", level=1)).to_have_text(f"省校教务处存储审核：{CERTIFICATE}")
    await expect(office.get_by_role("link", name="农艺工证书.png")).to_be_visible()
    await expect(office.locator("#h-opinion")).to_contain_text("审核意见：同意（可附说明）或 审核意见：不同意，理由")
    await office.get_by_role("radio", name="同意", exact=True).check()
    await office.get_by_label("审核意见").fill(STORE_OPINION)
    await office.get_by_role("button", name="提交审核").click()
    await expect(flash(office)).to_contain_text("审核通过")

    # Recognised: she applies to convert it by a published rule.
    await page.get_by_role("navigation", name="主菜单").get_by_role("link", name="转换成果申请").click()
    row = page.get_by_role("row").filter(has_text=CERTIFICATE)
    await expect(row.locator('[data-label="状态"]')).to_have_text("已认定")
    await expect(row.locator('[data-label="可转换规则数"]')).to_have_text("2")
    await row.get_by_role("link", name=re.compile("^申请转换")).click()
    await page.get_by_label(RULE).check()
    await page.get_by_role("button", name="提交", exact=True).click()
    await expect(flash(page)).to_have_text("转换申请已提交")
    await expect(page.get_by_role("list", name="审核环节")).to_have_text("省校学习成果认证中心转换审核：待审核")

    # 省校学习成果认证中心转换审核, which issues the proof.
    await office.get_by_role("navigation", name="审核类别").get_by_role("link", name="省校学习成果认证中心转换审核").click()
    row = office.get_by_role("row").filter(has_text="林佳")
    await expect(row).to_contain_text(RULE)
    await row.get_by_role("link", name=re.compile("^审核")).click()
    await expect(office.get_by_role("region", name="转换规则")).to_contain_text("旱作农业技术")
    await expect(office.get_by_role("region", name="审核记录")).to_contain_text("提交申请")
    await expect(office.get_by_label("审核意见")).to_have_value(CONVERSION_OPINION)
    await office.get_by_role("radio", name="同意", exact=True).check()
    await screenshot(office, "gansu-conversion-review-decision")
    await office.get_by_role("button", name="提交审核").click()
    await expect(flash(office)).to_contain_text("审核通过")

    # 进度查询 → 查看详情: approved, the proof to download.
    await page.get_by_role("navigation", name="主菜单").get_by_role("link", name="进度查询").click()
    for kind, status in (("存储审核", "已通过"), ("转换", "已通过")):
        listed = page.get_by_role("row").filter(has_text=CERTIFICATE).filter(
            has=page.locator('[data-label="申请类型"]', has_text=re.compile(f"^{kind}")))
        await expect(listed.locator('[data-label="状态"]')).to_have_text(status)
    await page.get_by_role("row").filter(has_text=RULE).get_by_role("link", name=re.compile("查看详情")).click()
    await expect(page.get_by_role("list", name="审核环节")).to_have_text("省校学习成果认证中心转换审核：已通过")
    await expect(page.get_by_role("region", name="省校学习成果认证中心转换审核")).to_contain_text(CONVERSION_OPINION)
    await expect(page.get_by_role("heading", name="学习成果认证证明")).to_be_visible()
    proof = page.get_by_role("link", name="下载证明（PDF）")
    response = await page.request.get(live_server.url + await proof.get_attribute("href"))
    assert response.status == 200 and (await response.body()).startswith(b"%PDF-")
    await screenshot(page, "gansu-learner-application-details")
    await page.get_by_role("navigation", name="主菜单").get_by_role("link", name="我的信息").click()
    await expect(page.get_by_role("row").filter(has_text=CERTIFICATE).locator('[data-label="已用规则数"]')).to_have_text("1")
    await screenshot(page, "gansu-learner-my-information")
