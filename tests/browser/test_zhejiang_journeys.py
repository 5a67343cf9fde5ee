"""Zhejiang in a browser (seed 004): an acceptance point opens a learner's account at its window;
the learner, on a phone, activates it with the code sent there, adds a 社会培训成果 and applies
for its recognition; the acceptance point reviews it and its sub-centre re-reviews it. Every
page the learner sees fits a 375 px screen without scrolling sideways."""

from __future__ import annotations

import re

from playwright.async_api import expect

from tests.browser.conftest import PHONE, screenshot
from tests.browser.helpers import (
    PDF,
    STAFF_PASSWORD,
    Api,
    accept_confirms,
    assert_fits_phone,
    flash,
    login,
    make_id,
    png,
    staff,
)

T = "zhejiang"
POINT = "义乌市稠城街道社区学校受理点"
SUB_CENTRE = "浙江学分银行金华市义乌分中心"
TRAINING = "家政服务技能培训"
POINT_OPINION = f"受理点：{POINT} 经办人：王丽 意见：同意"
RE_REVIEW_OPINION = f"复审单位：{SUB_CENTRE} 复审人：陈明 意见：同意"
PHONE_NUMBER = "13588880057"
PASSWORD = "Zj-pass-2026"


async def test_window_opening_then_recognition_on_a_phone_reviewed_twice(live_server, desktop, open_page):
    staff(live_server, T, "ZJ", "tenant_admin", "zj-centre", "浙江学分银行管理中心")
    async with Api(live_server, T, "zj-centre") as centre:
        await centre.post("/org/units", {"code": "ZJ-S57-A01", "level": "acceptance_point", "name": POINT,
                                         "parent_code": "ZJ-S57", "host_institution": "稠城街道社区学校"})
        staff(live_server, T, "ZJ-S57-A01", "unit_admin", "wangli", "王丽")
        staff(live_server, T, "ZJ-S57", "unit_admin", "yiwu", "陈明")
        id_number = make_id("330782", "19750101")
        window = desktop

        # 窗口开户 at the acceptance point, after checking the ID card.
        await login(window, live_server, T, "wangli", STAFF_PASSWORD, "staff/reviews")
        await window.get_by_role("navigation", name="主菜单").get_by_role("link", name="学习者").click()
        await window.get_by_role("link", name="窗口开户").click()
        await expect(window.get_by_text(f"开户单位：{POINT}（ZJ-S57-A01）")).to_be_visible()
        await window.get_by_label("姓名").fill("陈美华")
        await window.get_by_label("证件号码").fill(id_number)
        await window.get_by_label("手机号码").fill(PHONE_NUMBER)
        await window.get_by_label("性别").select_option("女")
        await window.get_by_label("联系地址").fill("义乌市稠城街道县前街 8 号")
        await window.get_by_role("button", name="开户").click()
        await expect(window.locator("#e-identity_checked")).to_have_text("请先核验身份证件原件")
        await expect(window.get_by_label("姓名")).to_have_value("陈美华")  # kept
        await window.get_by_label("已核验身份证原件，信息一致").check()
        await window.get_by_role("button", name="开户").click()
        await expect(flash(window)).to_contain_text("开户成功：激活验证码已发送给学习者")
        facts = window.locator("dl.details")
        await expect(facts.locator(".badge")).to_have_text("待激活（窗口开户）")
        await expect(facts).to_contain_text("窗口开户（开户人：王丽）")
        await expect(facts).to_contain_text("135****0057")
        code = await centre.last_code(PHONE_NUMBER)

    # The learner, on a phone: 激活账户 with the code the window sent.
    learner = await open_page(PHONE)

    async def fits() -> None:
        await assert_fits_phone(learner)

    await learner.goto(f"{live_server.url}/t/{T}/")
    await fits()
    await learner.get_by_role("link", name="激活账户").first.click()
    await expect(learner.get_by_role("heading", level=1)).to_have_text("激活账户")
    await fits()
    await learner.get_by_label("证件号码 / 用户名").fill(id_number)
    await learner.get_by_role("button", name="下一步").click()
    details = learner.locator("#account-details")
    await expect(details).to_contain_text("陈*")
    await expect(details).to_contain_text(POINT)
    await expect(details).to_contain_text("135****0057")
    await fits()
    await learner.get_by_label("验证码").fill(code)
    await learner.get_by_role("button", name="下一步").click()
    await expect(learner.get_by_label("设置密码")).to_be_visible()
    await fits()
    await learner.get_by_label("设置密码").fill(PASSWORD)
    await learner.get_by_label("确认密码").fill(PASSWORD)
    await learner.get_by_role("button", name="完成").click()
    await expect(flash(learner)).to_have_text("账户已激活。")
    await fits()
    await learner.get_by_role("link", name="去登录").click()
    await learner.get_by_label("用户名 / 证件号码 / 邮箱").fill(PHONE_NUMBER)  # Zhejiang logs in by phone number too
    await learner.get_by_label("密码").fill(PASSWORD)
    await learner.get_by_role("button", name="登录").click()
    await learner.wait_for_url(f"**/t/{T}/me")
    await expect(learner.locator("header .who")).to_have_text("陈美华")
    await fits()

    # 成果添加: 社会培训成果, typed in; then the training certificate.
    menu = learner.get_by_role("navigation", name="主菜单")
    await menu.get_by_role("link", name="成果添加").click()
    await expect(learner.get_by_label("成果分类")).to_be_visible()
    await fits()
    await learner.get_by_label("成果分类").select_option(label="社会培训成果")
    await expect(learner.get_by_label("成果小类")).to_have_value("social_training")  # the only one: chosen for her
    await learner.get_by_role("button", name="下一步").click()
    await expect(learner.get_by_label("培训名称")).to_be_visible()
    await fits()
    await learner.get_by_label("培训名称").fill(TRAINING)
    await learner.get_by_label("培训单位").fill("稠城街道社区学校")
    await learner.get_by_label("培训类别").select_option("职工培训")
    await learner.get_by_label("培训学时").fill("二十四")
    await learner.get_by_label("培训开始日期").fill("2020-04-01")
    await learner.get_by_label("培训结束日期").fill("2020-04-20")
    await learner.get_by_label("采集受理点").select_option(label=f"{POINT}（ZJ-S57-A01）")
    await learner.get_by_role("button", name="提交", exact=True).click()
    await expect(learner.locator("#e-training_hours")).to_be_visible()
    await expect(learner.get_by_label("培训名称")).to_have_value(TRAINING)  # kept
    await fits()
    await learner.get_by_label("培训学时").fill("24")
    await learner.get_by_role("button", name="提交", exact=True).click()
    await expect(flash(learner)).to_have_text("成果已添加，请上传证明材料")
    await expect(learner.locator(".badge").first).to_have_text("未申请")
    await fits()
    await learner.get_by_label("材料类别").select_option(label="结业证书或培训单位出具的培训证明（必传）")
    await learner.get_by_label("证明材料文件").set_input_files(
        files=[{"name": "结业证书.png", "mimeType": "image/png", "buffer": png(60, 90, (240, 230, 200))}])
    await learner.get_by_role("button", name="上传").click()
    await expect(flash(learner)).to_have_text("证明材料已上传")
    await expect(learner.get_by_role("link", name="结业证书.png")).to_be_visible()
    await fits()

    # 认定成果申请.
    await learner.get_by_role("link", name="申请认定").click()
    await expect(learner.get_by_role("heading", level=1)).to_have_text("认定成果申请")
    await fits()
    asked = accept_confirms(learner)
    await expect(learner.get_by_role("radio", name=TRAINING)).to_be_checked()  # chosen on the outcome's page
    await learner.get_by_role("button", name="提交认定").click()
    await expect(flash(learner)).to_have_text("认定申请已提交")
    assert asked == ["确定申请认定吗？"]
    steps = learner.get_by_role("list", name="审核环节")
    await expect(steps).to_contain_text("受理点认定审核：待审核")
    await expect(steps).to_contain_text("上级机构认定复审：待审核")
    await expect(learner.get_by_text(f"请携带成果证明材料纸质原件到{POINT}进行审查")).to_be_visible()
    await fits()

    # The acceptance point reviews (with the attendance sheet checked on site) ...
    await window.get_by_role("navigation", name="主菜单").get_by_role("link", name="审核").click()
    tabs = window.get_by_role("navigation", name="审核类别")
    await expect(tabs.get_by_role("link", name="受理点认定审核")).to_have_attribute("aria-current", "page")
    await expect(tabs).not_to_contain_text("上级机构认定复审")  # an acceptance point has nothing below it
    await window.get_by_role("row").filter(has_text="陈美华").get_by_role("link", name=re.compile("^审核")).click()
    await expect(window.get_by_role("heading", level=1)).to_have_text(f"受理点认定审核：{TRAINING}")
    await expect(window.get_by_role("region", name="成果详情")).to_contain_text("职工培训")
    await window.get_by_label("认定审核材料上传").set_input_files(
        files=[{"name": "培训签到表.pdf", "mimeType": "application/pdf", "buffer": PDF}])
    await window.get_by_role("button", name="上传材料").click()
    await expect(flash(window)).to_have_text("审核材料已上传")
    await expect(window.get_by_label("审核意见")).to_have_value(POINT_OPINION)
    await window.get_by_role("radio", name="同意", exact=True).check()
    await screenshot(window, "zhejiang-acceptance-point-review-decision")
    await window.get_by_role("button", name="提交审核").click()
    await expect(flash(window)).to_contain_text("已进入下一环节")

    # ... and the sub-centre above it re-reviews.
    sub_centre = await open_page()
    await login(sub_centre, live_server, T, "yiwu", STAFF_PASSWORD, "staff/reviews")
    await sub_centre.get_by_role("navigation", name="审核类别").get_by_role("link", name="上级机构认定复审").click()
    await sub_centre.get_by_role("row").filter(has_text="陈美华").get_by_role("link", name=re.compile("^审核")).click()
    records = sub_centre.get_by_role("region", name="审核记录")
    first = records.get_by_role("row").filter(has_text="受理点认定审核")
    await expect(first).to_contain_text(POINT_OPINION)
    await expect(first.get_by_role("link", name="培训签到表.pdf")).to_be_visible()
    await expect(sub_centre.get_by_label("审核意见")).to_have_value(RE_REVIEW_OPINION)
    await sub_centre.get_by_role("radio", name="同意", exact=True).check()
    await sub_centre.get_by_role("button", name="提交审核").click()
    await expect(flash(sub_centre)).to_contain_text("审核通过")

    # The learner sees the decision.
    await learner.get_by_role("navigation", name="主菜单").get_by_role("link", name="进度查询").click()
    row = learner.get_by_role("row").filter(has_text=TRAINING)
    await expect(row.locator('[data-label="状态"]')).to_have_text("已通过")
    await fits()
    await row.get_by_role("link", name=re.compile("查看详情")).click()
    steps = learner.get_by_role("list", name="审核环节")
    await expect(steps).to_contain_text("受理点认定审核：已通过")
    await expect(steps).to_contain_text("上级机构认定复审：已通过")
    await expect(learner.get_by_role("region", name="上级机构认定复审")).to_contain_text(RE_REVIEW_OPINION)
    await expect(learner.get_by_role("region", name="受理点认定审核")).to_contain_text("培训签到表.pdf")
    await fits()
    await screenshot(learner, "zhejiang-learner-application-phone")
    await learner.get_by_role("navigation", name="主菜单").get_by_role("link", name="我的信息").click()
    outcome = learner.get_by_role("row").filter(has_text=TRAINING)
    await expect(outcome.locator('[data-label="成果状态"]')).to_have_text("已认定")
    await fits()
    await screenshot(learner, "zhejiang-learner-my-information-phone")
