"""Staff pages over HTTP, as reviewers and admins use them in a browser: the review queues and
decisions of each province (Guangdong 转换初审 → 转换终审 and 业绩类转换审核, Zhejiang acceptance
point → parent re-review, national OUC store review), learner management (search, account
review, ID-number reveal, window opening) and the organisation tree (units, invitations)."""

from __future__ import annotations

import re
from html import unescape

import httpx
import pytest

from core.accounts.staff import create_staff
from core.accounts.tables import Account, AuditEntry
from core.achievements.tables import Achievement
from tests.accounts.helpers import STAFF_PASSWORD, bearer, last_code, login, make_id, staff_headers
from tests.achievements.test_achievements import JPG, PDF, PNG, catalog_entry, guangdong_learner
from tests.reviews.test_provinces_reviews import TYPED, fields_for, ouc_learner
from tests.web.helpers import csrf_token, field_error, form_error, input_value, portal_login, submit

G = "/t/guangdong"
GA = "/t/guangdong/api/v1"


def textarea_value(html: str, name: str) -> str | None:
    match = re.search(rf'<textarea[^>]*name="{re.escape(name)}"[^>]*>(.*?)</textarea>', html, re.S)
    return unescape(match.group(1)) if match else None


def flash(html: str) -> str | None:
    match = re.search(r'<p class="flash" role="status">(.*?)</p>', html, re.S)
    return unescape(match.group(1)).strip() if match else None


def tab_labels(html: str) -> list[str]:
    nav = re.search(r'<nav class="tabs"[^>]*>(.*?)</nav>', html, re.S).group(1)
    # Without the count of waiting items each tab carries.
    return [unescape(re.sub(r'<span class="count".*?</span>', "", t)) for t in re.findall(r"<a [^>]*>(.*?)</a>", nav, re.S)]


@pytest.fixture
async def browser(client):
    """Open another browser on the same app, logged in to the portal as someone."""
    opened: list[httpx.AsyncClient] = []

    async def open_as(tenant: str, username: str, password: str = STAFF_PASSWORD) -> httpx.AsyncClient:
        other = httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url))
        opened.append(other)
        await portal_login(other, tenant, username, password)
        return other

    yield open_as
    for other in opened:
        await other.aclose()


async def staff(app, tenant: str, unit: str, role: str, username: str, real_name: str) -> None:
    await create_staff(await app.state.tenants.get(tenant), unit, role, username, STAFF_PASSWORD, real_name=real_name)


async def decide(page_client: httpx.AsyncClient, base: str, application_id: int, data: dict) -> httpx.Response:
    url = f"{base}/staff/reviews/{application_id}"
    return await submit(page_client, url, f"{url}/decision", data)


async def cet4_conversion(client, learner: dict, certificate_no: str = "1900483622") -> dict:
    cet = await catalog_entry(client, "guangdong", "CET", category="vocational_qualification")
    achievement = (await client.post(f"{GA}/me/achievements", headers=learner, json={
        "category": "vocational_qualification", "subtype": "vocational_qualification", "catalog_entry_id": cet["id"],
        "fields": {"certificate_no": certificate_no, "issued_on": "2020-05-22"}})).json()
    evidence = await client.post(f"{GA}/me/achievements/{achievement['id']}/evidence", headers=learner,
                                 files={"file": ("六级证书.jpg", JPG, "image/jpeg")})
    assert evidence.status_code == 201, evidence.text
    rules = (await client.get(f"{GA}/me/achievements/{achievement['id']}/rules", headers=learner)).json()
    rule = next(r for r in rules if r["name"] == "CET 4 及以上证书转2018秋法学专业学位外语")
    submitted = await client.post(f"{GA}/me/applications", headers=learner,
                                  json={"kind": "conversion", "achievement_id": achievement["id"], "rule_id": rule["id"]})
    assert submitted.status_code == 201, submitted.text
    return submitted.json()


@pytest.fixture
async def guangdong(client, app):
    """A learner of teaching point GD-GOU-TP02, two admins there, one at another point, two
    committee members."""
    await staff(app, "guangdong", "GD-GOU-TP02", "unit_admin", "lin-biying", "林碧莹")
    await staff(app, "guangdong", "GD-GOU-TP02", "unit_admin", "tp02-second", "李老师")
    await staff(app, "guangdong", "GD-GOU-TP01", "unit_admin", "tp01", "周老师")
    await staff(app, "guangdong", "GD", "committee", "committee-he", "何委员")
    return {"learner": await guangdong_learner(client)}


async def test_cet4_to_degree_english_through_the_review_pages(client, browser, guangdong):
    learner = guangdong["learner"]
    application = await cet4_conversion(client, learner)
    app_id = application["id"]
    point = await browser("guangdong", "lin-biying")

    queue = await point.get(f"{G}/staff/reviews")
    assert queue.status_code == 200
    assert tab_labels(queue.text) == ["认定审核", "转换初审", "我已审核"]  # the teaching point's steps, as Guangdong names them
    initial = await point.get(f"{G}/staff/reviews", params={"kind": "conversion", "step": "initial"})
    assert f'href="{G}/staff/reviews/{app_id}"' in initial.text and "明耀星" in initial.text
    assert "CET 4 及以上证书转2018秋法学专业学位外语" in initial.text and "外语等级证书转学位外语" in initial.text
    by_name = await point.get(f"{G}/staff/reviews", params={"kind": "conversion", "step": "initial", "name": "张"})
    assert f"/staff/reviews/{app_id}" not in by_name.text and input_value(by_name.text, "name") == "张"

    detail = await point.get(f"{G}/staff/reviews/{app_id}")
    assert detail.status_code == 200
    html = detail.text
    assert "明耀星" in html and re.search(r"4401\*{10}\d{3}[\dX]", html) and not re.search(r"440106\d{11}[\dX]", html)
    assert "学位外语" in html and "广东开放大学" in html and "1900483622" in html  # target, its institution, the certificate no.
    assert "六级证书.jpg" in html and input_value(html, "step") == "initial"
    assert textarea_value(html, "opinion") == "教学点：广东理工职业学院人工智能学院 审核人：林碧莹 意见：同意"
    assert '<label for="f-opinion">审核意见' in html and "转换初审材料上传（PDF）" in html
    evidence_id = re.search(rf'href="{G}/staff/reviews/{app_id}/evidence/(\d+)"', html).group(1)
    image = await point.get(f"{G}/staff/reviews/{app_id}/evidence/{evidence_id}")
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg" and image.content == JPG

    url = f"{G}/staff/reviews/{app_id}"
    refused = await submit(point, url, f"{url}/materials", {}, files={"file": ("成绩单.pdf", JPG, "application/pdf")})
    assert refused.status_code == 415 and "PDF" in field_error(refused.text, "file")
    uploaded = await submit(point, url, f"{url}/materials", {}, files={"file": ("劳梓聪六级成绩单.pdf", PDF, "application/pdf")})
    assert uploaded.status_code == 303 and uploaded.headers["location"].startswith(url)
    assert "已上传" in (await point.get(url)).text and "劳梓聪六级成绩单.pdf" in (await point.get(url)).text

    wrong = await decide(point, G, app_id, {"step": "initial", "decision": "approve", "opinion": "同意"})
    assert wrong.status_code == 400
    assert "教学点：广东理工职业学院人工智能学院 审核人：林碧莹 意见：同意" in field_error(wrong.text, "opinion")
    assert textarea_value(wrong.text, "opinion") == "同意" and re.search(r'id="f-decision-approve"[^>]* checked', wrong.text)
    undecided = await decide(point, G, app_id, {"step": "initial", "opinion": "同意"})
    assert undecided.status_code == 400 and field_error(undecided.text, "decision")

    passed = await decide(point, G, app_id, {"step": "initial", "decision": "approve",
                                             "opinion": "教学点：广东理工职业学院人工智能学院 审核人：林碧莹 意见：同意"})
    assert passed.status_code == 303 and passed.headers["location"].startswith(f"{G}/staff/reviews?kind=conversion&step=initial")
    landed = await point.get(passed.headers["location"])
    assert "审核成功" in flash(landed.text) and f"/staff/reviews/{app_id}\"" not in landed.text

    committee = await browser("guangdong", "committee-he")
    queue = await committee.get(f"{G}/staff/reviews", params={"kind": "conversion", "step": "final"})
    assert tab_labels(queue.text) == ["转换终审", "业绩类转换审核", "我已审核"]
    assert f"/staff/reviews/{app_id}\"" in queue.text
    final = (await committee.get(url)).text
    assert "教学点：广东理工职业学院人工智能学院 审核人：林碧莹 意见：同意" in final  # the earlier record and its opinion
    material_id = re.search(rf'href="{G}/staff/reviews/{app_id}/materials/(\d+)"', final).group(1)
    pdf = await committee.get(f"{url}/materials/{material_id}")
    assert pdf.status_code == 200 and pdf.content == PDF
    assert input_value(final, "step") == "final"
    assert textarea_value(final, "opinion") == "审核人：广东终身教育学分银行管理中心 何委员"
    wrong = await decide(committee, G, app_id, {"step": "final", "decision": "approve", "opinion": "符合规则"})
    assert wrong.status_code == 400 and "审核人：" in field_error(wrong.text, "opinion")
    assert textarea_value(wrong.text, "opinion") == "符合规则"
    approved = await decide(committee, G, app_id, {"step": "final", "decision": "approve",
                                                   "opinion": "审核人：学分银行管理中心 何委员"})
    assert approved.status_code == 303

    done = (await client.get(f"{GA}/me/applications/{app_id}", headers=learner)).json()
    assert done["status"] == "approved" and done["target_achievement_id"]
    assert [(r["step"], r["decision"]) for r in done["records"]] == [("submit", "submit"), ("initial", "approve"), ("final", "approve")]
    assert done["records"][1]["materials"][0]["filename"] == "劳梓聪六级成绩单.pdf"
    target = await Achievement.select().where(Achievement.id == done["target_achievement_id"]).first()
    assert target["name"] == "学位外语" and target["source"] == "converted"
    decided = await committee.get(f"{G}/staff/reviews", params={"status": "decided"})
    assert f"/staff/reviews/{app_id}\"" in decided.text and "审核通过" in decided.text


async def test_performance_conversion_is_decided_by_the_committee_on_its_own_tab(client, browser, guangdong):
    learner = guangdong["learner"]
    added = (await client.post(f"{GA}/me/achievements", headers=learner, json={
        "category": "other", "subtype": "perf_work_experience",
        "fields": {"achievement_name": "电子商务工作满3年", "completed_on": "2020-07-07"}})).json()
    target = await catalog_entry(client, "guangdong", "专业实习")
    application = (await client.post(f"{GA}/me/applications", headers=learner, json={
        "kind": "performance_conversion", "achievement_id": added["id"], "target_catalog_entry_id": target["id"]})).json()

    point = await browser("guangdong", "lin-biying")
    assert "业绩类转换审核" not in tab_labels((await point.get(f"{G}/staff/reviews")).text)
    committee = await browser("guangdong", "committee-he")
    queue = await committee.get(f"{G}/staff/reviews", params={"kind": "performance_conversion", "step": "performance_final"})
    assert f"/staff/reviews/{application['id']}\"" in queue.text and "电子商务工作满3年" in queue.text
    assert 'aria-current="page">业绩类转换审核' in queue.text
    detail = (await committee.get(f"{G}/staff/reviews/{application['id']}")).text
    assert "专业实习" in detail and "业绩类转换审核" in detail and "材料上传" not in detail  # no materials at this step
    decided = await decide(committee, G, application["id"], {
        "step": "performance_final", "decision": "approve", "opinion": textarea_value(detail, "opinion")})
    assert decided.status_code == 303
    after = (await client.get(f"{GA}/me/applications/{application['id']}", headers=learner)).json()
    assert after["status"] == "approved"
    assert after["records"][-1]["opinion"] == "审核人：广东终身教育学分银行管理中心 何委员"


async def test_a_reviewer_who_lost_the_race_sees_the_409_and_the_fresh_state(client, browser, guangdong):
    application = await cet4_conversion(client, guangdong["learner"], "1900483623")
    first, second = await browser("guangdong", "lin-biying"), await browser("guangdong", "tp02-second")
    url = f"{G}/staff/reviews/{application['id']}"
    token = await csrf_token(second, url)  # the second reviewer has the form open, at 转换初审
    assert input_value((await second.get(url)).text, "step") == "initial"
    won = await decide(first, G, application["id"], {"step": "initial", "decision": "approve",
                                                    "opinion": "教学点：广东理工职业学院人工智能学院 审核人：林碧莹 意见：同意"})
    assert won.status_code == 303
    late = await second.post(f"{url}/decision", data={"_csrf_token": token, "step": "initial", "decision": "reject",
                                                      "opinion": "教学点：广东理工职业学院人工智能学院 审核人：李老师 意见：不同意"})
    assert late.status_code == 409
    assert "审核环节已变化" in form_error(late.text) and "转换终审" in form_error(late.text)
    assert 'aria-current="step">转换终审' in late.text and "林碧莹" in late.text  # the fresh state: who decided, what is next
    assert 'name="step"' not in late.text  # 转换终审 is not theirs to decide
    again = await decide(first, G, application["id"], {"step": "initial", "decision": "approve", "opinion": "x"})
    assert again.status_code == 409  # a second click of the same form submits nothing twice


async def test_outsiders_get_404_and_learners_403(client, browser, guangdong):
    application = await cet4_conversion(client, guangdong["learner"], "1900483624")
    url = f"{G}/staff/reviews/{application['id']}"
    point = await browser("guangdong", "lin-biying")
    evidence_id = re.search(rf'href="{url}/evidence/(\d+)"', (await point.get(url)).text).group(1)

    outsider = await browser("guangdong", "tp01")
    assert (await outsider.get(url)).status_code == 404
    assert (await outsider.get(f"{url}/evidence/{evidence_id}")).status_code == 404
    assert (await outsider.get(f"{G}/staff/reviews", params={"kind": "conversion", "step": "initial"})).text.count(url) == 0
    token = await csrf_token(outsider, f"{G}/staff/reviews")
    refused = await outsider.post(f"{url}/decision", data={"_csrf_token": token, "step": "initial", "decision": "approve",
                                                           "opinion": "教学点：x 审核人：y 意见：同意"})
    assert refused.status_code == 404

    learner = await browser("guangdong", "mingyaoxing", "gd2020pass")
    for path in ("staff/reviews", f"staff/reviews/{application['id']}", "staff/learners", "staff/units", "staff/learners/open"):
        response = await learner.get(f"{G}/{path}")
        assert response.status_code == 403, path
        assert "您没有执行此操作的权限" in response.text
    anonymous = await client.get(f"{url}")
    assert anonymous.status_code == 303 and anonymous.headers["location"] == f"{G}/login?next={url}"


async def test_national_certification_centre_reviews_a_stored_outcome(client, browser, app):
    admin = await staff_headers(client, "national_ouc", "OUC", "tenant_admin")
    await staff(app, "national_ouc", "OUC-GS", "unit_admin", "gs-centre", "甘肃认证中心审核员")
    learner = await ouc_learner(client, "national_ouc", admin, "OUC-GS", "lin@example.com")
    entry = await catalog_entry(client, "national_ouc", "计算机", category="non_academic")
    added = (await client.post("/t/national_ouc/api/v1/me/achievements", headers=learner, json={
        "category": entry["category"], "subtype": entry["subtype"], "catalog_entry_id": entry["id"],
        "fields": await fields_for(client, "national_ouc", entry["subtype"], TYPED)})).json()
    application = (await client.get("/t/national_ouc/api/v1/me/applications", headers=learner)).json()["items"][0]

    centre = await browser("national_ouc", "gs-centre")
    queue = await centre.get("/t/national_ouc/staff/reviews")
    assert tab_labels(queue.text)[0] == "学习成果认证中心存储审核"
    assert f"/staff/reviews/{application['id']}\"" in queue.text
    detail = (await centre.get(f"/t/national_ouc/staff/reviews/{application['id']}")).text
    assert textarea_value(detail, "opinion") == "审核意见：同意。证书信息与扫描件一致，予以存储。"
    no_reason = await decide(centre, "/t/national_ouc", application["id"], {
        "step": "store_review", "decision": "reject", "opinion": "审核意见：不同意"})
    assert no_reason.status_code == 400 and "审核意见格式不正确" in field_error(no_reason.text, "opinion")
    assert re.search(r'<p class="hint" id="h-opinion">[^<]*不同意时必须写明理由', no_reason.text)  # the plugin's format, beside
    approved = await decide(centre, "/t/national_ouc", application["id"], {
        "step": "store_review", "decision": "approve", "opinion": textarea_value(detail, "opinion")})
    assert approved.status_code == 303
    mine = (await client.get(f"/t/national_ouc/api/v1/me/achievements/{added['id']}", headers=learner)).json()
    assert mine["status"] == "recognized"


async def test_national_account_review_with_the_id_scan(client, browser, app):
    await staff(app, "national_ouc", "OUC-GS", "unit_admin", "gs-centre", "甘肃认证中心审核员")
    admin = await staff_headers(client, "national_ouc", "OUC", "tenant_admin")
    T = "/t/national_ouc/api/v1"
    scan = (await client.post(f"{T}/auth/register/id-scan", files={"file": ("id.png", PNG, "image/png")})).json()["id_scan"]
    account = (await client.post(f"{T}/auth/register", json={
        "agree_terms": True, "region": "甘肃省", "unit_code": "OUC-GS", "real_name": "林学员", "gender": "女",
        "ethnicity": "汉族", "id_type": "居民身份证", "id_number": make_id("620102", "19950101"), "birth_date": "1995-01-01",
        "phone": "13919191919", "email": "pending@example.com", "education_level": "本科", "password": "Ouc-2026-pass",
        "password_confirm": "Ouc-2026-pass", "id_scan": scan})).json()
    code = await last_code(client, "national_ouc", admin, "pending@example.com")
    await client.post(f"{T}/auth/verify", json={"username": "pending@example.com", "code": code})

    centre = await browser("national_ouc", "gs-centre")
    pending = await centre.get("/t/national_ouc/staff/learners", params={"status": "pending_review"})
    assert "林学员" in pending.text and "待审核" in pending.text
    url = f"/t/national_ouc/staff/learners/{account['id']}"
    detail = (await centre.get(url)).text
    assert "账户审核" in detail and "本科" in detail and "甘肃省" in detail
    picture = await centre.get(f"{url}/id-scan")
    assert picture.status_code == 200 and picture.headers["content-type"] == "image/png" and picture.content == PNG
    assert await AuditEntry.exists().where(AuditEntry.action == "learner.view_id_scan")

    bare = await submit(centre, url, f"{url}/review", {"decision": "reject", "opinion": ""})
    assert bare.status_code == 400 and field_error(bare.text, "opinion") == "不通过时请填写原因"
    assert 'value="reject" checked' in bare.text
    approved = await submit(centre, url, f"{url}/review", {"decision": "approve", "opinion": "资料齐全"})
    assert approved.status_code == 303
    after = (await centre.get(approved.headers["location"])).text
    assert "审核完成" in flash(after) and "正常" in after and "资料齐全" in after and "账户审核</h2>" not in after
    assert (await login(client, "national_ouc", "pending@example.com", "Ouc-2026-pass")).status_code == 200


async def test_learner_search_and_the_audited_reveal_of_an_id_number(client, browser, app):
    await staff(app, "guangdong", "GD-GOU-TP02", "unit_admin", "lin-biying", "林碧莹")
    await staff(app, "guangdong", "GD-GOU-TP01", "unit_admin", "tp01", "周老师")
    await guangdong_learner(client)
    point = await browser("guangdong", "lin-biying")
    found = await point.get(f"{G}/staff/learners", params={"q": "明耀"})
    account_id = re.search(rf'href="{G}/staff/learners/(\d+)"', found.text).group(1)
    assert "明耀星" in found.text and re.search(r"4401\*{10}\d{3}[\dX]", found.text)
    assert "明耀星" not in (await (await browser("guangdong", "tp01")).get(f"{G}/staff/learners")).text  # not their point's

    learner_page = await point.get(f"{G}/staff/learners/{account_id}")
    masked = re.search(r"4401\*{10}\d{3}[\dX]", learner_page.text).group(0)
    row = await Account.select(Account.id_number_enc).where(Account.id == int(account_id)).first()
    full = app.state.pii.decrypt(row["id_number_enc"])
    # An ID number typed into the name search is not searched (it would sit in the address).
    typed = await point.get(f"{G}/staff/learners", params={"q": full})
    assert typed.status_code == 400 and "按证件号码查找" in field_error(typed.text, "q")
    assert input_value(typed.text, "q") == "" and f"/staff/learners/{account_id}\"" not in typed.text

    by_id = await submit(point, f"{G}/staff/learners", f"{G}/staff/learners/search", {"id_number": full})
    assert by_id.status_code == 200 and f"/staff/learners/{account_id}\"" in by_id.text and full not in by_id.text
    wrong_digit = full[:17] + ("1" if full[-1] != "1" else "2")
    bad = await submit(point, f"{G}/staff/learners", f"{G}/staff/learners/search", {"id_number": wrong_digit})
    assert bad.status_code == 400 and field_error(bad.text, "id_number") and input_value(bad.text, "id_number")

    url = f"{G}/staff/learners/{account_id}"
    no_reason = await submit(point, url, f"{url}/id-number", {"reason": ""})
    assert no_reason.status_code == 400 and field_error(no_reason.text, "reason") == "请说明查看完整证件号码的原因"
    assert full not in no_reason.text
    revealed = await submit(point, url, f"{url}/id-number", {"reason": "学习者来电核对身份"})
    assert revealed.status_code == 200 and full in revealed.text and revealed.headers["cache-control"] == "no-store"
    entry = await AuditEntry.select().where(AuditEntry.action == "learner.reveal_id_number").first()
    assert entry["detail"] == "学习者来电核对身份" and entry["target"] == f"account:{account_id}"
    again = await point.get(url)
    assert full not in again.text and masked in again.text  # shown once
    assert "账户审核" not in again.text  # Guangdong does not review accounts


async def test_zhejiang_tree_invitation_window_opening_and_two_step_review(client, browser, app):
    """A sub-centre admin adds an acceptance point below, allocates its admin, who activates
    with the code, opens a learner's account at the window, and takes the first review; the
    sub-centre re-reviews."""
    Z, ZA = "/t/zhejiang", "/t/zhejiang/api/v1"
    centre = await staff_headers(client, "zhejiang", "ZJ", "tenant_admin", username="zj-centre")
    await staff(app, "zhejiang", "ZJ-S57", "unit_admin", "yiwu", "陈明")
    sub_centre = await browser("zhejiang", "yiwu")

    landing = await sub_centre.get(f"{Z}/staff/units")
    assert landing.status_code == 303 and landing.headers["location"] == f"{Z}/staff/units/ZJ-S57"
    own = (await sub_centre.get(f"{Z}/staff/units/ZJ-S57")).text
    assert "浙江学分银行金华分部" in own and f'href="{Z}/staff/units/ZJ-B07"' not in own  # above: shown, not opened
    assert 'id="invite-form"' not in own  # their own unit's admins are allocated from above
    assert (await sub_centre.get(f"{Z}/staff/units/ZJ-S01")).status_code == 404

    url = f"{Z}/staff/units/ZJ-S57"
    unit = {"level": "acceptance_point", "code": "ZJ-S57-A01", "name": "义乌市稠城街道社区学校受理点",
            "host_institution": "稠城街道社区学校", "unit_phone": "0579-85550000"}
    wrong_level = await submit(sub_centre, url, f"{url}/children", {**unit, "level": "subcenter"})
    assert wrong_level.status_code == 400 and "受理点" in field_error(wrong_level.text, "level")
    assert input_value(wrong_level.text, "name") == unit["name"] and input_value(wrong_level.text, "unit_phone") == unit["unit_phone"]
    taken = await submit(sub_centre, url, f"{url}/children", {**unit, "code": "ZJ-S01"})
    assert taken.status_code == 409 and field_error(taken.text, "code") == "单位编码 ZJ-S01 已存在"
    bad_code = await submit(sub_centre, url, f"{url}/children", {**unit, "code": "义乌 01"})
    assert bad_code.status_code == 400 and field_error(bad_code.text, "code")
    # Every field that cannot be read is named at once, not the first one only.
    several = await submit(sub_centre, url, f"{url}/children", {**unit, "code": "义乌 01", "name": "", "level": ""})
    assert several.status_code == 400
    assert field_error(several.text, "code") == "格式不正确"
    assert field_error(several.text, "name") == field_error(several.text, "level") == "此项为必填项"
    created = await submit(sub_centre, url, f"{url}/children", unit)
    assert created.status_code == 303 and created.headers["location"].startswith(f"{Z}/staff/units/ZJ-S57-A01")
    point_page = await sub_centre.get(created.headers["location"])
    assert "已新增受理点" in flash(point_page.text) and f'href="{Z}/staff/units/ZJ-S57"' in point_page.text
    assert "0579-85550000" in point_page.text

    point_url = f"{Z}/staff/units/ZJ-S57-A01"
    unreachable = await submit(sub_centre, point_url, f"{point_url}/staff", {"real_name": "王丽", "role": "unit_admin"})
    assert unreachable.status_code == 400 and "手机号码或电子邮箱" in field_error(unreachable.text, "phone")
    assert input_value(unreachable.text, "real_name") == "王丽"
    invited = await submit(sub_centre, point_url, f"{point_url}/staff",
                           {"real_name": "王丽", "phone": "13600000057", "role": "unit_admin"})
    assert invited.status_code == 303
    shown = await sub_centre.get(invited.headers["location"])
    username = re.search(r"已分配账号 (\S+)，", flash(shown.text)).group(1)
    assert re.fullmatch(r"ZJ-S57-A01-[a-z2-9]{8}", username)  # the unit's code and a part nobody can guess
    assert "136****0057" in flash(shown.text) and "待激活" in shown.text
    own_unit = await submit(sub_centre, url, f"{url}/staff", {"real_name": "x", "phone": "13600000058", "role": "unit_admin"})
    assert own_unit.status_code == 403 and "下级单位" in form_error(own_unit.text)

    code = await last_code(client, "zhejiang", centre, "13600000057")
    activated = await client.post(f"{ZA}/auth/activate", json={"username": username, "code": code, "password": "Point-2026-x"})
    assert activated.status_code == 200, activated.text
    point = await browser("zhejiang", username, "Point-2026-x")

    open_url = f"{Z}/staff/learners/open"
    form = (await point.get(open_url)).text
    assert '<label for="f-identity_checked">' in form and '<label for="f-id_number">证件号码' in form
    id_number = make_id("330782", "19750101")
    person = {"real_name": "陈学员", "id_number": id_number, "phone": "13588880057", "gender": "女", "unit_code": "ZJ-S57-A01"}
    unchecked = await submit(point, open_url, open_url, person)
    assert unchecked.status_code == 400 and field_error(unchecked.text, "identity_checked") == "请先核验身份证件原件"
    assert input_value(unchecked.text, "real_name") == "陈学员" and input_value(unchecked.text, "phone") == "13588880057"
    wrong_id = await submit(point, open_url, open_url, {**person, "id_number": id_number[:17] + ("1" if id_number[-1] != "1" else "2"),
                                                        "identity_checked": "1"})
    assert wrong_id.status_code == 400 and field_error(wrong_id.text, "id_number")
    opened = await submit(point, open_url, open_url, {**person, "identity_checked": "1"})
    assert opened.status_code == 303 and id_number not in opened.headers["location"]
    learner_page = await point.get(opened.headers["location"])
    assert "开户成功" in flash(learner_page.text) and "待激活（窗口开户）" in learner_page.text and "王丽" in learner_page.text
    code = await last_code(client, "zhejiang", centre, "13588880057")
    await client.post(f"{ZA}/auth/activate", json={"id_number": id_number, "code": code, "password": "Learner-2026"})
    learner = bearer(await login(client, "zhejiang", id_number, "Learner-2026"))

    training = (await client.post(f"{ZA}/me/achievements", headers=learner, json={
        "category": "social_training", "subtype": "social_training", "fields": {
            "training_name": "家政服务技能培训", "training_provider": "稠城街道社区学校", "training_category": "职工培训",
            "training_hours": "24", "start_date": "2020-04-01", "end_date": "2020-04-20", "acceptance_point": "ZJ-S57-A01"}})).json()
    application = (await client.post(f"{ZA}/me/applications", headers=learner,
                                      json={"kind": "recognition", "achievement_id": training["id"]})).json()

    queue = await point.get(f"{Z}/staff/reviews")
    assert tab_labels(queue.text)[0] == "受理点认定审核" and "上级机构认定复审" not in tab_labels(queue.text)
    assert f"/staff/reviews/{application['id']}\"" in queue.text
    detail = (await point.get(f"{Z}/staff/reviews/{application['id']}")).text
    assert textarea_value(detail, "opinion") == "受理点：义乌市稠城街道社区学校受理点 经办人：王丽 意见：同意"
    assert "认定审核材料上传（PDF、JPG、PNG）" in detail
    first = await decide(point, Z, application["id"], {"step": "acceptance_review", "decision": "approve",
                                                      "opinion": textarea_value(detail, "opinion")})
    assert first.status_code == 303

    assert "上级机构认定复审" in tab_labels((await sub_centre.get(f"{Z}/staff/reviews")).text)
    re_review = await sub_centre.get(f"{Z}/staff/reviews", params={"kind": "recognition", "step": "re_review"})
    assert f"/staff/reviews/{application['id']}\"" in re_review.text
    detail = (await sub_centre.get(f"{Z}/staff/reviews/{application['id']}")).text
    assert textarea_value(detail, "opinion") == "复审单位：浙江学分银行金华市义乌分中心 复审人：陈明 意见：同意"
    second = await decide(sub_centre, Z, application["id"], {"step": "re_review", "decision": "approve",
                                                            "opinion": textarea_value(detail, "opinion")})
    assert second.status_code == 303
    assert (await client.get(f"{ZA}/me/achievements/{training['id']}", headers=learner)).json()["status"] == "recognized"


async def test_window_opening_only_where_the_province_opens_at_windows(client, browser, app):
    await staff(app, "guangdong", "GD-GOU-TP02", "unit_admin", "lin-biying", "林碧莹")
    point = await browser("guangdong", "lin-biying")
    assert (await point.get(f"{G}/staff/learners/open")).status_code == 404
    assert f'href="{G}/staff/learners/open"' not in (await point.get(f"{G}/staff/learners")).text
    await staff(app, "guangdong", "GD", "committee", "committee-he", "何委员")
    committee = await browser("guangdong", "committee-he")
    assert (await committee.get(f"{G}/staff/learners")).status_code == 403  # committee members review, not manage


async def test_a_queue_tab_pages_through_its_own_step_only(client, browser, guangdong):
    learner = guangdong["learner"]
    recognitions, conversion = [], None
    for name in ("金融行业工作3年", "市场营销工作满2年", "机场辅警工作满4年"):
        added = (await client.post(f"{GA}/me/achievements", headers=learner, json={
            "category": "other", "subtype": "perf_work_experience", "fields": {"achievement_name": name, "completed_on": "2019-11-27"}})).json()
        recognitions.append((await client.post(f"{GA}/me/applications", headers=learner,
                                               json={"kind": "recognition", "achievement_id": added["id"]})).json()["id"])
        if conversion is None:  # between them in id order, on another tab
            conversion = (await cet4_conversion(client, learner, "1900483625"))["id"]

    point = await browser("guangdong", "lin-biying")
    first = await point.get(f"{G}/staff/reviews?limit=2")  # the first tab with work waiting: 认定审核
    assert 'aria-current="page">认定审核' in first.text
    listed = re.findall(rf'href="{G}/staff/reviews/(\d+)"', first.text)
    assert [int(i) for i in listed] == recognitions[:2]
    following = unescape(re.search(r'<nav class="pager"[^>]*><a href="([^"]+)"', first.text).group(1))
    second = await point.get(following)
    assert [int(i) for i in re.findall(rf'href="{G}/staff/reviews/(\d+)"', second.text)] == recognitions[2:]
    assert 'class="pager"' not in second.text
    assert f"/staff/reviews/{conversion}\"" in (await point.get(f"{G}/staff/reviews", params={"kind": "conversion", "step": "initial"})).text


def test_a_refusing_example_opinion_starts_the_form_on_agreement():
    from core.reviews.staff_pages import opinion_prefill
    from plugins.national_ouc.reviews import opinion

    refusing = opinion("store", "审核意见：不同意，证书编号与扫描件不一致，请核对后重新提交。")
    assert opinion_prefill(refusing, "甘肃广播电视大学教务处", "张老师") == "审核意见：同意"
    agreeing = opinion("store", "审核意见：同意。证书信息与扫描件一致，予以存储。")
    assert opinion_prefill(agreeing, "甘肃广播电视大学教务处", "张老师") == "审核意见：同意。证书信息与扫描件一致，予以存储。"
