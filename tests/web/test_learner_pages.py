"""The learner's outcome and application pages over HTTP, as a browser without JavaScript uses
them: 我的信息, 成果添加 with the catalog search (003 二(二), (五)), evidence upload, 认定成果申请
(二(三)), 转换成果申请 and 业绩类成果转换申请 (二(四)), 进度查询 and 查看详情; reviewers decide
through the API."""

from __future__ import annotations

import re
from html import unescape

from tests.accounts.helpers import make_id, staff_headers
from tests.achievements.test_achievements import JPG, PNG, catalog_entry, guangdong_learner
from tests.reviews.test_provinces_reviews import STORE_OPINION, TYPED, fields_for, ouc_learner
from tests.web.helpers import field_error, form_error, input_value, portal_login, selected_option, submit

G = "/t/guangdong"
API = "/t/guangdong/api/v1"
TP_OPINION = "教学点：广东理工职业学院人工智能学院 审核人：林碧莹 意见：同意"
COMMITTEE_OPINION = "审核人：学分银行管理中心 明耀星"
EXE = b"MZ\x90\x00" + b"\x00" * 512
CET4 = "大学英语等级考试 (CET) 四级及以上证书"
CERTIFICATE = f"{G}/me/achievements/new?category=vocational_qualification&subtype=vocational_qualification"


async def learner_in_browser(client, username: str = "mingyaoxing") -> dict:
    """A registered Guangdong learner (teaching point GD-GOU-TP02) logged in through the login
    page; returns their API headers for setting things up."""
    headers = await guangdong_learner(client, username)
    await portal_login(client, "guangdong", username, "gd2020pass")
    return headers


def choice(html: str, label: str) -> str:
    """The value of the 选择 button for the catalog entry named ``label``."""
    return re.search(rf'value="(\d+)"\s+aria-label="选择 {re.escape(label)}[（"]', html).group(1)


def created_id(response, kind: str) -> int:
    assert response.status_code == 303, response.text
    return int(re.search(rf"/me/{kind}/(\d+)", response.headers["location"]).group(1))


def rows(html: str) -> int:
    """How many outcomes the 我的信息 table lists."""
    return html.count('aria-label="查看详情：')


async def add_cet4(client) -> int:
    search = await client.get(f"{CERTIFICATE}&q=CET")
    assert search.status_code == 200 and CET4 in search.text
    picked_url = f"{CERTIFICATE}&q=CET&entry={choice(search.text, CET4)}"
    picked = await client.get(picked_url)
    entry_id = input_value(picked.text, "catalog_entry_id")
    assert entry_id and "教育部考试中心" in picked.text  # the catalog fields, shown read-only
    added = await submit(client, picked_url, f"{G}/me/achievements/new", {
        "category": "vocational_qualification", "subtype": "vocational_qualification", "catalog_entry_id": entry_id,
        "certificate_no": "1900483622", "issued_on": "2020-05-22"})
    return created_id(added, "achievements")


async def test_cet4_through_the_catalog_search_then_evidence_then_conversion(client):
    """(五) 学位外语: 成果添加 → 职业资格证书 → 搜索 CET → 选择 → 证书编号与发证日期 → 上传扫描件 →
    转换成果申请 → 选择规则 → 提交; 初审 and 终审 decided by the reviewers; 进度查询 shows it."""
    learner = await learner_in_browser(client)
    point = await staff_headers(client, "guangdong", "GD-GOU-TP02", "unit_admin", username="lin-biying")
    committee = await staff_headers(client, "guangdong", "GD", "committee", username="ming-yaoxing")

    first_step = await client.get(f"{G}/me/achievements/new")
    assert first_step.status_code == 200 and 'for="f-category">成果分类' in first_step.text
    assert 'for="f-subtype">成果小类' in first_step.text and "业绩类-工作经历" in first_step.text
    outcome = await add_cet4(client)
    page_url = f"{G}/me/achievements/{outcome}"
    detail = await client.get(page_url)
    assert "名录成果" in detail.text and "1900483622" in detail.text and "2020-05-22" in detail.text
    mine = await client.get(f"{G}/me")
    assert "<strong>1</strong>名录成果" in mine.text and CET4 in mine.text

    renamed = await submit(client, page_url, f"{page_url}/evidence", {"item": "certificate"},
                           files={"file": ("证书.jpg", EXE, "image/jpeg")})
    assert renamed.status_code == 415
    assert field_error(renamed.text, "file") == "文件类型不被接受：请上传 jpg、png、gif 格式的文件"
    huge = await submit(client, page_url, f"{page_url}/evidence", {"item": "certificate"},
                        files={"file": ("证书.png", PNG + b"\x00" * (10 * 1024 * 1024), "image/png")})
    assert huge.status_code == 413 and field_error(huge.text, "file") == "文件过大：不能超过 10 MB"
    nothing = await submit(client, page_url, f"{page_url}/evidence", {"item": "certificate"},
                           files={"file": ("", b"", "application/octet-stream")})
    assert nothing.status_code == 400 and field_error(nothing.text, "file") == "请选择要上传的文件"
    uploaded = await submit(client, page_url, f"{page_url}/evidence", {"item": "certificate"},
                            files={"file": ("微信图片.jpg", JPG, "image/jpeg")})
    assert uploaded.status_code == 303
    detail = await client.get(page_url)
    link = re.search(rf'href="({page_url}/evidence/\d+)">微信图片.jpg</a>', detail.text).group(1)
    download = await client.get(link)
    assert download.status_code == 200 and download.content == JPG

    listing = await client.get(f"{G}/me/conversion")
    usable = (await client.get(f"{API}/me/achievements", headers=learner)).json()["items"][0]["usable_rules"]
    counts = f'data-label="可转换规则数">{usable}</td>\n        <td data-label="已用规则数">0</td>'
    assert usable >= 11 and counts in listing.text
    rules_url = f"{G}/me/conversion?achievement={outcome}"
    rules = await client.get(rules_url)
    rule = re.search(r'<label for="rule-(\d+)">CET 4 及以上证书转2018秋法学专业学位外语</label>', rules.text).group(1)
    key = input_value(rules.text, "idempotency_key")
    unchosen = await submit(client, rules_url, f"{G}/me/conversion", {"achievement_id": outcome, "idempotency_key": key})
    assert unchosen.status_code == 400 and field_error(unchosen.text, "rule_id") == "请选择转换规则"
    assert input_value(unchosen.text, "idempotency_key") == key
    body = {"achievement_id": outcome, "rule_id": rule, "idempotency_key": key}
    sent = await submit(client, rules_url, f"{G}/me/conversion", body)
    resent = await submit(client, rules_url, f"{G}/me/conversion", body)  # a double submit
    application = created_id(sent, "applications")
    assert created_id(resent, "applications") == application
    assert len((await client.get(f"{API}/me/applications", headers=learner)).json()["items"]) == 1
    waiting = await client.get(f"{G}/me/applications/{application}")
    assert "转换初审：待审核" in waiting.text and "撤回申请" in waiting.text and "现场审查" in waiting.text

    for headers, step, opinion in ((point, "initial", TP_OPINION), (committee, "final", COMMITTEE_OPINION)):
        decided = await client.post(f"{API}/reviews/{application}/decision", headers=headers,
                                    json={"step": step, "decision": "approve", "opinion": opinion})
        assert decided.status_code == 200, decided.text
    progress = await client.get(f"{G}/me/applications")
    assert "CET 4 及以上证书转2018秋法学专业学位外语" in progress.text and "已通过" in progress.text
    done = await client.get(f"{G}/me/applications/{application}")
    assert "转换初审：已通过" in done.text and "转换终审：已通过" in done.text
    assert TP_OPINION in done.text and COMMITTEE_OPINION in done.text and "明耀星" in done.text
    assert "学位外语" in done.text and "已添加到我的成果" in done.text and "撤回申请" not in done.text
    again = await client.get(rules_url)
    assert f'<label for="rule-{rule}">CET 4 及以上证书转2018秋法学专业学位外语（已使用）</label>' in again.text


async def test_performance_outcome_recognition_and_its_conversion(client):
    """二(三) 业绩类 recognition from 认定成果申请 with 认定记录; 二(四)2 业绩类成果转换申请 with a
    target picked through the same catalog search."""
    await learner_in_browser(client)
    point = await staff_headers(client, "guangdong", "GD-GOU-TP02", "unit_admin", username="lin-biying")
    form_url = f"{G}/me/achievements/new?category=other&subtype=perf_work_experience"
    form = await client.get(form_url)
    assert "data-catalog-search" not in form.text and 'for="f-achievement_name">业绩名称' in form.text
    added = await submit(client, form_url, f"{G}/me/achievements/new", {
        "category": "other", "subtype": "perf_work_experience", "achievement_name": "广东开放大学工作9年",
        "completed_on": "2020-07-07"})
    outcome = created_id(added, "achievements")
    assert "广东开放大学工作9年" in (await client.get(f"{G}/me?status=unapplied")).text

    recognition = await client.get(f"{G}/me/recognition")
    assert f'<label for="r-{outcome}">广东开放大学工作9年</label>' in recognition.text
    key = input_value(recognition.text, "idempotency_key")
    unchosen = await submit(client, f"{G}/me/recognition", f"{G}/me/recognition",
                            {"idempotency_key": key, "unit_code": "GD-GOU-TP02"})
    assert unchosen.status_code == 400 and field_error(unchosen.text, "achievement_id") == "请选择成果"
    assert selected_option(unchosen.text, "unit_code") == "GD-GOU-TP02"  # the unit picker kept the choice
    nowhere = await submit(client, f"{G}/me/recognition", f"{G}/me/recognition",
                           {"idempotency_key": key, "achievement_id": outcome, "unit_code": "NO-SUCH"})
    assert nowhere.status_code == 400 and field_error(nowhere.text, "unit_code") == "服务点 NO-SUCH 不存在"
    assert f'value="{outcome}" checked' in nowhere.text
    applied = await submit(client, f"{G}/me/recognition", f"{G}/me/recognition",
                           {"idempotency_key": key, "achievement_id": outcome})
    application = created_id(applied, "applications")
    records = await client.get(f"{G}/me/recognition")
    assert f'for="r-{outcome}"' not in records.text  # applied: no longer offered
    assert re.search(r'>广东开放大学工作9年</td>\s*<td data-label="状态">提交申请</td>', records.text)
    decided = await client.post(f"{API}/reviews/{application}/decision", headers=point,
                                json={"step": "recognition", "decision": "approve", "opinion": TP_OPINION})
    assert decided.status_code == 200
    records = await client.get(f"{G}/me/recognition")
    assert "同意（认定审核）" in records.text and TP_OPINION in records.text
    assert "<strong>1</strong>已认定" in (await client.get(f"{G}/me")).text
    outcome_page = await client.get(f"{G}/me/achievements/{outcome}")
    assert "已认定" in outcome_page.text and TP_OPINION in outcome_page.text and "同意（认定审核）" in outcome_page.text

    search_url = f"{G}/me/performance?achievement={outcome}&q=专业实习"
    search = await client.get(search_url)
    target = choice(search.text, "专业实习")
    chosen_url = f"{search_url}&entry={target}"
    chosen = await client.get(chosen_url)
    assert input_value(chosen.text, "target_catalog_entry_id") == target
    key = input_value(chosen.text, "idempotency_key")
    untargeted = await submit(client, chosen_url, f"{G}/me/performance", {"achievement_id": outcome, "idempotency_key": key})
    assert untargeted.status_code == 400
    assert field_error(untargeted.text, "target_catalog_entry_id") == "请选择拟转换的目标成果"
    sent = await submit(client, chosen_url, f"{G}/me/performance",
                        {"achievement_id": outcome, "target_catalog_entry_id": target, "idempotency_key": key})
    converted = created_id(sent, "applications")
    detail = await client.get(f"{G}/me/applications/{converted}")
    assert "业绩类转换审核：待审核" in detail.text and "专业实习" in detail.text
    listed = await client.get(f"{G}/me/performance")
    assert f'href="{G}/me/applications/{converted}"' in listed.text


async def test_bad_input_comes_back_beside_the_fields_with_the_typed_values(client):
    await learner_in_browser(client)
    wrong_pair = await client.get(f"{G}/me/achievements/new?category=academic&subtype=perf_research")
    assert wrong_pair.status_code == 400 and field_error(wrong_pair.text, "subtype") == "所选小类不属于该成果分类，请重新选择"
    assert 'value="academic" selected' in wrong_pair.text

    unpicked = await submit(client, CERTIFICATE, f"{G}/me/achievements/new", {
        "category": "vocational_qualification", "subtype": "vocational_qualification",
        "certificate_no": "1900483622", "issued_on": "2099-01-01"})
    assert unpicked.status_code == 400
    assert field_error(unpicked.text, "catalog_entry_id").startswith("请先查询名录并选择成果")
    assert field_error(unpicked.text, "issued_on") == "发证日期不能晚于今天"
    assert input_value(unpicked.text, "certificate_no") == "1900483622"
    assert input_value(unpicked.text, "issued_on") == "2099-01-01"

    manual_url = f"{G}/me/achievements/new?category=academic&subtype=course&manual=1"
    manual = await client.get(manual_url)
    assert 'for="f-course_name">课程名称' in manual.text and "data-catalog-search" not in manual.text
    typed = await submit(client, manual_url, f"{G}/me/achievements/new", {
        "category": "academic", "subtype": "course", "manual": "1", "course_name": "高等数学", "credits": "三",
        "level": "本科", "obtained_on": "2015-01-20"})
    assert typed.status_code == 400
    assert field_error(typed.text, "credits") == "课程学分应为数字"
    assert field_error(typed.text, "achievement_name") == "请填写成果名称"
    assert input_value(typed.text, "course_name") == "高等数学" and 'value="本科" selected' in typed.text
    fixed = await submit(client, manual_url, f"{G}/me/achievements/new", {
        "category": "academic", "subtype": "course", "manual": "1", "achievement_name": "高等数学", "school_name": "华南理工大学",
        "course_name": "高等数学", "course_code": "M101", "major": "土木工程", "level": "本科", "credits": "5",
        "obtained_on": "2015-01-20", "score": "90"})
    outcome = created_id(fixed, "achievements")
    assert "未申请" in (await client.get(f"{G}/me/achievements/{outcome}")).text  # typed by hand: apply to recognise


async def test_another_learners_outcomes_and_applications_are_404(client):
    owner = await guangdong_learner(client, "learnera")
    added = (await client.post(f"{API}/me/achievements", headers=owner, json={
        "category": "other", "subtype": "perf_research", "fields": {"achievement_name": "5G"}})).json()
    evidence = (await client.post(f"{API}/me/achievements/{added['id']}/evidence", headers=owner,
                                  files={"file": ("x.png", PNG, "image/png")})).json()
    application = (await client.post(f"{API}/me/applications", headers=owner,
                                     json={"kind": "recognition", "achievement_id": added["id"]})).json()
    await learner_in_browser(client, "learnerb")
    outcome_url, application_url = f"{G}/me/achievements/{added['id']}", f"{G}/me/applications/{application['id']}"
    for url in (outcome_url, f"{outcome_url}/evidence/{evidence['id']}", application_url,
                f"{G}/me/conversion?achievement={added['id']}", f"{G}/me/applications?achievement={added['id']}"):
        response = await client.get(url)
        assert response.status_code == 404, url
        assert "没有找到" in response.text or "未找到" in response.text
    for action in (f"{outcome_url}/delete", f"{application_url}/withdraw"):
        assert (await submit(client, f"{G}/me", action, {})).status_code == 404
    upload = await submit(client, f"{G}/me", f"{outcome_url}/evidence", {}, files={"file": ("x.png", PNG, "image/png")})
    assert upload.status_code == 404
    assert (await client.get(f"{API}/me/achievements/{added['id']}", headers=owner)).json()["name"] == "5G"


async def test_delete_is_refused_under_review_until_the_application_is_withdrawn(client):
    learner = await learner_in_browser(client)
    added = (await client.post(f"{API}/me/achievements", headers=learner, json={
        "category": "other", "subtype": "perf_social_service", "fields": {"achievement_name": "家居养老"}})).json()
    application = (await client.post(f"{API}/me/applications", headers=learner,
                                     json={"kind": "recognition", "achievement_id": added["id"]})).json()
    page_url = f"{G}/me/achievements/{added['id']}"
    refused = await submit(client, page_url, f"{page_url}/delete", {})
    assert refused.status_code == 409 and "该成果正在审核中，不能删除" in refused.text
    assert f'href="{G}/me/applications/{application["id"]}"' in refused.text
    withdrawn = await submit(client, f"{G}/me/applications/{application['id']}",
                             f"{G}/me/applications/{application['id']}/withdraw", {})
    assert withdrawn.status_code == 303
    detail = await client.get(withdrawn.headers["location"])
    assert "已撤回" in detail.text and "申请已撤回" in detail.text and "撤回申请</button>" not in detail.text
    again = await submit(client, f"{G}/me/applications/{application['id']}",
                         f"{G}/me/applications/{application['id']}/withdraw", {})
    assert again.status_code == 409 and form_error(again.text) == "申请已结束，不能撤回"
    deleted = await submit(client, page_url, f"{page_url}/delete", {})
    assert deleted.status_code == 303 and deleted.headers["location"].startswith(f"{G}/me?done=")
    assert (await client.get(page_url)).status_code == 404


async def test_national_ouc_stored_outcome_shows_its_review(client):
    """001 附件1 二: 选择证书 → 完善其他所填项目 → 提交审批; reviewed by the certification centre."""
    admin = await staff_headers(client, "national_ouc", "OUC", "tenant_admin")
    centre = await staff_headers(client, "national_ouc", "OUC-GS", "unit_admin", username="gs-centre")
    await ouc_learner(client, "national_ouc", admin, "OUC-GS", "lin@example.com")
    await portal_login(client, "national_ouc", "lin@example.com", "Ouc-2026-pass")
    entry = await catalog_entry(client, "national_ouc", "计算机", category="non_academic")
    N = "/t/national_ouc"
    form_url = f"{N}/me/achievements/new?category={entry['category']}&subtype={entry['subtype']}&entry={entry['id']}"
    form = await client.get(form_url)
    assert "提交审批" in form.text and input_value(form.text, "catalog_entry_id") == str(entry["id"])
    added = await submit(client, form_url, f"{N}/me/achievements/new", {
        "category": entry["category"], "subtype": entry["subtype"], "catalog_entry_id": entry["id"],
        **await fields_for(client, "national_ouc", entry["subtype"], TYPED)})
    outcome = created_id(added, "achievements")
    page_url = f"{N}/me/achievements/{outcome}"
    detail = await client.get(added.headers["location"])
    assert "已申请" in detail.text and "预计" in detail.text and "成果已添加并提交审核" in unescape(detail.text)
    scan = await submit(client, page_url, f"{page_url}/evidence", {}, files={"file": ("证书.png", PNG, "image/png")})
    assert scan.status_code == 303  # the scans follow the outcome until the review begins

    progress = await client.get(f"{N}/me/applications")
    assert "存储审核" in progress.text and "已提交" in progress.text and "学习成果认证中心存储审核" in progress.text
    application = (await client.get("/t/national_ouc/api/v1/reviews", headers=centre)).json()["items"][0]["id"]
    decided = await client.post(f"/t/national_ouc/api/v1/reviews/{application}/decision", headers=centre,
                                json={"step": "store_review", "decision": "approve", "opinion": STORE_OPINION})
    assert decided.status_code == 200
    detail = await client.get(f"{N}/me/applications/{application}")
    assert "学习成果认证中心存储审核：已通过" in detail.text and STORE_OPINION in detail.text
    assert "<strong>1</strong>已认定" in (await client.get(f"{N}/me")).text
    assert 'name="file"' not in (await client.get(page_url)).text  # recognised: no more files


async def test_my_information_counts_filter_and_pages_with_the_id_number_masked(client):
    anonymous = await client.get(f"{G}/me")
    assert anonymous.status_code == 303 and anonymous.headers["location"] == f"{G}/login?next=/t/guangdong/me"
    client.cookies.set("cb_session_guangdong", "expired-token", domain="testserver.local", path="/")
    expired = await client.get(f"{G}/me/applications?achievement=1")
    assert expired.headers["location"] == f"{G}/login?next=/t/guangdong/me/applications%3Fachievement%3D1"

    learner = await learner_in_browser(client)
    entry = await catalog_entry(client, "guangdong", "公司概况")
    await client.post(f"{API}/me/achievements", headers=learner, json={
        "category": "academic", "subtype": "course", "catalog_entry_id": entry["id"],
        "fields": {"obtained_on": "2020-07-06", "score": "85"}})
    for i in range(11):
        await client.post(f"{API}/me/achievements", headers=learner, json={
            "category": "other", "subtype": "perf_social_service", "fields": {"achievement_name": f"家居养老{i}"}})
    first = await client.get(f"{G}/me")
    assert first.status_code == 200
    assert "<strong>12</strong>成果总数" in first.text and "<strong>11</strong>未申请" in first.text
    assert rows(first.text) == 10
    profile = (await client.get(f"{API}/me", headers=learner)).json()
    assert profile["id_number_masked"] in first.text and not re.search(r"\d{17}[\dX]", first.text)
    next_url = unescape(re.search(r'<a href="([^"]+)">下一页</a>', first.text).group(1))
    second = await client.get(next_url)
    assert rows(second.text) == 2 and "下一页" not in second.text and "第一页" in second.text
    catalog_only = await client.get(f"{G}/me?status=catalog")
    assert rows(catalog_only.text) == 1 and "公司概况" in catalog_only.text

    await staff_headers(client, "guangdong", "GD", "tenant_admin", username="gd-centre")
    await portal_login(client, "guangdong", "gd-centre", "Staff-pass-2026")
    assert (await client.get(f"{G}/me")).status_code == 403


async def test_a_learner_without_a_service_point_is_asked_for_one(client):
    """Recognition is reviewed at the learner's teaching point: a learner with none names one."""
    admin = await staff_headers(client, "guangdong", "GD", "tenant_admin", username="gd-centre")
    from tests.accounts.helpers import last_code

    phone = "13712345678"
    await client.post(f"{API}/auth/codes", json={"purpose": "register", "channel": "sms", "phone": phone})
    code = await last_code(client, "guangdong", admin, phone)
    registered = await client.post(f"{API}/auth/register", json={
        "agree_terms": True, "username": "nopoint", "real_name": "林一", "password": "gd2020pass",
        "password_confirm": "gd2020pass", "nationality": "中国", "ethnicity": "汉族", "gender": "女",
        "id_number": make_id("440106", "19900101"), "birth_date": "1990-01-01", "email": "nopoint@example.com",
        "region": "广州", "address": "天河路", "phone": phone, "code": code})
    assert registered.status_code == 201, registered.text
    await portal_login(client, "guangdong", "nopoint", "gd2020pass")
    added = await submit(client, f"{G}/me/achievements/new?category=other&subtype=perf_research", f"{G}/me/achievements/new",
                         {"category": "other", "subtype": "perf_research", "achievement_name": "5G"})
    outcome = created_id(added, "achievements")
    page_url = f"{G}/me/recognition"
    asked = await submit(client, page_url, page_url, {"achievement_id": outcome, "idempotency_key": "k-1"})
    assert asked.status_code == 400 and "请先选择受理申请的服务点" in field_error(asked.text, "unit_code")
    applied = await submit(client, page_url, page_url, {"achievement_id": outcome, "idempotency_key": "k-1",
                                                        "unit_code": "GD-GOU-TP02"})
    assert applied.status_code == 303
