"""The national OUC credit bank in a browser (seed 001, 附件2): a learner registers herself (the
agreement, the form, the ID-card scan, the e-mail check), the provincial certification centre
reviews the account, she stores a vocational certificate and the centre reviews it on store."""

from __future__ import annotations

import re

from playwright.async_api import expect

from tests.browser.conftest import screenshot
from tests.browser.helpers import STAFF_PASSWORD, Api, flash, login, make_id, png, staff

T = "national_ouc"
CENTRE = "国家开放大学学分银行甘肃学习成果认证中心"
CERTIFICATE = "电工国家职业资格证书（四级）"
STORE_OPINION = "审核意见：同意。证书信息与扫描件一致，予以存储。"
EMAIL = "linxiaomei@example.com"
PASSWORD = "Ouc-2026-pass"


async def test_self_registration_account_review_and_a_stored_outcome_reviewed(live_server, desktop, open_page):
    staff(live_server, T, "OUC", "tenant_admin", "ouc-admin", "国开学分银行管理员")
    staff(live_server, T, "OUC-GS", "unit_admin", "gs-centre", "赵审核")
    id_number = make_id("620102", "19950101")
    scan = png(120, 76, (200, 200, 190))
    base = f"{live_server.url}/t/{T}"
    page = desktop

    # 注册: the agreement first.
    await page.goto(f"{base}/")
    await page.get_by_role("navigation", name="账户").get_by_role("link", name="注册").click()
    await expect(page.get_by_role("region", name="服务条款")).to_contain_text("学分银行用户注册协议")
    await page.get_by_role("button", name="下一步").click()
    await expect(page.locator("#e-agree_terms")).to_have_text("请阅读并同意服务条款后再继续")
    await page.get_by_label("我已阅读并同意服务条款").check()
    await page.get_by_role("button", name="下一步").click()

    # The form: region, details, password, the ID-card scan.
    await expect(page.get_by_role("listitem").filter(has_text="2. 填写注册信息")).to_have_attribute("aria-current", "step")
    await page.get_by_label("所在区域").select_option(label=CENTRE)
    await page.get_by_label("真实姓名").fill("林晓梅")
    await page.get_by_label("性别").select_option("女")
    await page.get_by_label("民族").select_option("回族")
    await page.get_by_label("证件类型").select_option("居民身份证")
    await page.get_by_label("证件号码").fill(id_number)
    await page.get_by_label("出生日期").fill("1995-01-01")
    await page.get_by_label("手机号码").fill("13919191919")
    await page.get_by_label("电子邮箱").fill(EMAIL)
    await page.get_by_label("最高学历").select_option("专科（高职）")
    await page.get_by_label("工作单位").fill("兰州市城关区社区服务中心")
    await page.get_by_label(re.compile("^密码")).fill(PASSWORD)
    await page.get_by_label("确认密码").fill(PASSWORD)
    await page.get_by_label("身份证扫描件").set_input_files(files=[{"name": "身份证.png", "mimeType": "image/png", "buffer": scan}])
    await expect(page.get_by_label("我已阅读并同意服务条款")).to_be_checked()
    await page.get_by_role("button", name="提交注册").click()

    # 邮箱验证 with the code e-mailed.
    await page.wait_for_url("**/register/verify")
    await expect(page.get_by_role("heading", level=1)).to_have_text("邮箱验证")
    await expect(page.get_by_text("我们已向 l***i@example.com 发送了验证码")).to_be_visible()
    async with Api(live_server, T, "ouc-admin") as admin:
        code = await admin.last_code(EMAIL)
    await page.get_by_label("验证码").fill(code)
    await page.get_by_role("button", name="完成验证").click()
    await expect(flash(page)).to_have_text("验证成功，您的注册信息已提交审核。")
    await expect(page.get_by_role("main")).to_contain_text("2 个工作日内审核您的账户")

    # Not before the account review.
    await page.goto(f"{base}/login")
    await page.get_by_label("用户名 / 证件号码 / 邮箱").fill(EMAIL)
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await expect(page.get_by_role("alert")).to_contain_text("审核")

    # The certification centre reviews the account: the details, the scan, 通过.
    centre = await open_page()
    await login(centre, live_server, T, "gs-centre", STAFF_PASSWORD, "staff/reviews")
    await centre.get_by_role("navigation", name="主菜单").get_by_role("link", name="学习者").click()
    await centre.get_by_label("账户状态").select_option(label="待审核")
    await centre.get_by_role("button", name="查询").click()
    row = centre.get_by_role("row").filter(has_text="林晓梅")
    await expect(row.locator('[data-label="状态"]')).to_have_text("待审核")
    await expect(row.locator('[data-label="来源"]')).to_have_text("自助注册")
    await row.get_by_role("link", name=re.compile("^审核")).click()
    await expect(centre.get_by_role("heading", level=1)).to_have_text("林晓梅")
    facts = centre.locator("dl.details")
    for shown in ("专科（高职）", "回族", "兰州市城关区社区服务中心", id_number[:4] + "**********" + id_number[-4:]):
        await expect(facts).to_contain_text(shown)
    href = await centre.get_by_role("link", name="查看扫描件").get_attribute("href")
    picture = await centre.request.get(f"{live_server.url}{href}")
    assert picture.status == 200 and picture.headers["content-type"] == "image/png" and await picture.body() == scan
    review = centre.get_by_role("region", name="账户审核")
    await review.get_by_label("不通过").check()
    await review.get_by_role("button", name="提交审核").click()
    await expect(centre.locator("#e-opinion")).to_have_text("不通过时请填写原因")
    await expect(centre.get_by_label("不通过")).to_be_checked()
    await centre.get_by_label("通过", exact=True).check()
    await centre.get_by_label("审核意见").fill("信息与身份证扫描件一致")
    await centre.get_by_role("button", name="提交审核").click()
    await expect(flash(centre)).to_have_text("审核完成：账户已通过审核")
    await expect(centre.locator("dl.details .badge")).to_have_text("正常")
    await expect(centre.get_by_role("row").filter(has_text="信息与身份证扫描件一致")).to_contain_text("通过")

    # She logs in with her e-mail and stores a certificate (选择证书 → 完善 → 提交审批).
    await page.get_by_label("密码").fill(PASSWORD)
    await page.get_by_role("button", name="登录").click()
    await page.wait_for_url(f"**/t/{T}/me")
    await expect(page.locator("header .who")).to_have_text("林晓梅")
    await page.get_by_role("link", name="成果添加").first.click()
    await page.get_by_label("成果分类").select_option(label="非学历教育学习成果")
    await page.get_by_label("成果小类").select_option(label="国家职业资格证书")
    await page.get_by_role("button", name="下一步").click()
    await page.get_by_role("searchbox", name="名录关键字").fill("电工")
    await page.get_by_role("button", name="查询").click()
    dialog = page.get_by_role("dialog", name="成果选择")
    await expect(dialog.get_by_role("status")).to_contain_text("请选择后点击“确认”")
    await expect(dialog.get_by_role("row").filter(has_text=CERTIFICATE)).to_contain_text("人力资源和社会保障部职业技能鉴定中心")
    await dialog.get_by_label(CERTIFICATE).check()
    await dialog.get_by_role("button", name="确认").click()
    await expect(page.locator("[data-catalog-chosen]")).to_contain_text(CERTIFICATE)
    await page.get_by_label("证书编号").fill("0905001234567")
    await page.get_by_label("发证日期").fill("2019-11-27")
    await page.get_by_label("理论知识考试成绩").fill("82")
    await page.get_by_role("button", name="提交审批").click()
    await expect(flash(page)).to_have_text("成果已添加并提交审核，请上传证明材料")
    await expect(page.locator(".badge").first).to_have_text("已申请")
    await expect(page.get_by_text(re.compile(r"已提交审核，预计 \d{4}-\d{2}-\d{2} 前完成。"))).to_be_visible()
    await page.get_by_label("材料类别").select_option(label="职业资格证书扫描件或照片（必传）")
    await page.get_by_label("证明材料文件").set_input_files(
        files=[{"name": "电工证.png", "mimeType": "image/png", "buffer": png(90, 60, (180, 40, 40))}])
    await page.get_by_role("button", name="上传").click()
    await expect(flash(page)).to_have_text("证明材料已上传")
    await expect(page.get_by_role("link", name="电工证.png")).to_be_visible()
    await page.get_by_role("link", name="进度查询").click()
    row = page.get_by_role("row").filter(has_text=CERTIFICATE)
    await expect(row.locator('[data-label="状态"]')).to_have_text("已提交")
    await expect(row.locator('[data-label="当前环节"]')).to_have_text("学习成果认证中心存储审核")

    # The certification centre's store review: a refusal needs a reason, then 同意.
    await centre.get_by_role("navigation", name="主菜单").get_by_role("link", name="审核").click()
    await expect(centre.get_by_role("navigation", name="审核类别").get_by_role("link", name="学习成果认证中心存储审核")
                 ).to_have_attribute("aria-current", "page")
    await centre.get_by_role("row").filter(has_text="林晓梅").get_by_role("link", name=re.compile("^审核")).click()
    await expect(centre.get_by_role("heading", level=1)).to_have_text(f"学习成果认证中心存储审核：{CERTIFICATE}")
    await expect(centre.get_by_role("link", name="电工证.png")).to_be_visible()
    await expect(centre.get_by_label("审核意见")).to_have_value(STORE_OPINION)
    await centre.get_by_role("radio", name="不同意").check()
    await centre.get_by_label("审核意见").fill("审核意见：不同意")
    await centre.get_by_role("button", name="提交审核").click()
    await expect(centre.locator("#e-opinion")).to_contain_text("审核意见格式不正确")
    await expect(centre.locator("#h-opinion")).to_contain_text("不同意时必须写明理由")
    await expect(centre.get_by_label("审核意见")).to_have_value("审核意见：不同意")
    await screenshot(centre, "national_ouc-store-review-decision")
    await centre.get_by_role("radio", name="同意", exact=True).check()
    await centre.get_by_label("审核意见").fill(STORE_OPINION)
    await centre.get_by_role("button", name="提交审核").click()
    await expect(flash(centre)).to_contain_text("审核成功")
    await expect(flash(centre)).to_contain_text("审核通过")

    # She sees it recognised.
    await page.reload()
    await expect(row.locator('[data-label="状态"]')).to_have_text("已通过")
    await row.get_by_role("link", name=re.compile("查看详情")).click()
    await expect(page.get_by_role("list", name="审核环节")).to_have_text("学习成果认证中心存储审核：已通过")
    await expect(page.get_by_role("region", name="学习成果认证中心存储审核")).to_contain_text(STORE_OPINION)
    await page.get_by_role("navigation", name="主菜单").get_by_role("link", name="我的信息").click()
    recognised = page.get_by_role("row").filter(has_text=CERTIFICATE)
    await expect(recognised.locator('[data-label="成果状态"]')).to_have_text("已认定")
    await expect(page.locator(".counts li").filter(has_text="已认定")).to_contain_text("1")
    await screenshot(page, "national_ouc-learner-my-information")
