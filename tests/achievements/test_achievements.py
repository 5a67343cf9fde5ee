"""Adding learning outcomes (003 二(二), 001 附件1 二): taxonomy, catalog auto-fill, evidence,
我的信息 — for each province, on both storage backends."""

from __future__ import annotations

import pytest

from core import workdays
from core.achievements.tables import Achievement, Evidence
from tests.accounts.helpers import bearer, last_code, login, make_id, staff_headers

PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 4096
JPG = b"\xff\xd8\xff\xe0" + b"\x02" * 4096
PDF = b"%PDF-1.7\n" + b"\x03" * 4096


async def zhejiang_learner(client, unit: str = "ZJ-S01") -> tuple[dict, dict]:
    """A learner opened at a Zhejiang window, activated; returns (learner headers, account)."""
    admin = await staff_headers(client, "zhejiang", "ZJ", "tenant_admin", username="zj-centre")
    window = await staff_headers(client, "zhejiang", unit, "unit_admin", username=f"window-{unit}")
    id_number = make_id("330102", "19900101")
    phone = "135" + id_number[-9:-1]  # digits only: the check digit may be X
    account = (await client.post("/t/zhejiang/api/v1/admin/learners", json={"real_name": "周九", "id_number": id_number, "phone": phone, "identity_checked": True}, headers=window)).json()
    code = await last_code(client, "zhejiang", admin, phone)
    await client.post("/t/zhejiang/api/v1/auth/activate", json={"id_number": id_number, "code": code, "password": "Learner-2026"})
    return bearer(await login(client, "zhejiang", id_number, "Learner-2026")), account


async def guangdong_learner(client, username: str = "mingyaoxing") -> dict:
    admin = await staff_headers(client, "guangdong", "GD", "tenant_admin", username=f"gd-admin-{username}")
    phone = "138" + str(abs(hash(username)) % 10**8).zfill(8)
    await client.post("/t/guangdong/api/v1/auth/codes", json={"purpose": "register", "channel": "sms", "phone": phone})
    code = await last_code(client, "guangdong", admin, phone)
    id_number = make_id("440106", "19880512")
    response = await client.post("/t/guangdong/api/v1/auth/register", json={
        "agree_terms": True, "username": username, "real_name": "明耀星", "password": "gd2020pass", "password_confirm": "gd2020pass",
        "nationality": "中国", "ethnicity": "汉族", "gender": "男", "id_number": id_number, "birth_date": "1988-05-12",
        "email": f"{username}@example.com", "region": "广州", "address": "天河路", "phone": phone, "code": code,
        "unit_code": "GD-GOU-TP02"})
    assert response.status_code == 201, response.text
    return bearer(await login(client, "guangdong", username, "gd2020pass"))


async def catalog_entry(client, tenant: str, q: str, **params) -> dict:
    page = (await client.get(f"/t/{tenant}/api/v1/catalog", params={"q": q, **params})).json()
    assert page["items"], f"no catalog entry for {q}"
    return page["items"][0]


G = "/t/guangdong/api/v1"
COURSE_TYPED = {"obtained_on": "2020-07-06", "score": "85"}  # 获取时间、成绩: typed by hand (table 2)


async def test_guangdong_course_from_the_catalog_is_recognised_on_entry(client):
    me = await guangdong_learner(client)
    entry = await catalog_entry(client, "guangdong", "公司概况")
    response = await client.post(f"{G}/me/achievements", headers=me, json={
        "category": "academic", "subtype": "course", "catalog_entry_id": entry["id"],
        "fields": {"obtained_on": "2020-07-06", "score": "85", "course_code": "forged"}})
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["status"] == "catalog" and body["name"] == "公司概况" and body["institution"] == "广东开放大学"
    assert body["fields"]["course_code"] == "10771" and body["fields"]["credits"] == 3  # the catalog wins
    assert body["fields"]["score"] == "85" and body["obtained_at"] == "2020-07-06"
    assert body["subtype_label"] == "课程" and body["evidence"] == []


async def test_guangdong_cet4_certificate_with_its_scan(client):
    """(五) 学位外语: 成果添加 → 职业资格证书 → 搜索 CET → 填写证书编号与发证时间 → 上传扫描件."""
    me = await guangdong_learner(client)
    entry = await catalog_entry(client, "guangdong", "CET", category="vocational_qualification")
    added = await client.post(f"{G}/me/achievements", headers=me, json={
        "category": "vocational_qualification", "subtype": "vocational_qualification", "catalog_entry_id": entry["id"],
        "fields": {"certificate_no": "1900483622", "issued_on": "2020-05-22"}})
    assert added.status_code == 201 and added.json()["status"] == "catalog"
    achievement = added.json()["id"]
    uploaded = await client.post(f"{G}/me/achievements/{achievement}/evidence", headers=me, files={"file": ("微信图片_20200616101835.jpg", JPG, "image/jpeg")})
    assert uploaded.status_code == 201, uploaded.text
    evidence = uploaded.json()
    assert evidence["content_type"] == "image/jpeg" and evidence["size"] == len(JPG) and len(evidence["sha256"]) == 64
    one = (await client.get(f"{G}/me/achievements/{achievement}", headers=me)).json()
    assert [e["id"] for e in one["evidence"]] == [evidence["id"]]
    download = await client.get(f"{G}/me/achievements/{achievement}/evidence/{evidence['id']}", headers=me, follow_redirects=False)
    if download.status_code in (302, 307):  # S3: a short-lived signed link
        import httpx

        async with httpx.AsyncClient() as outside:
            assert (await outside.get(download.headers["location"])).content == JPG
    else:
        assert download.status_code == 200 and download.content == JPG


async def test_guangdong_performance_outcome_is_stored_unapplied(client):
    me = await guangdong_learner(client)
    response = await client.post(f"{G}/me/achievements", headers=me, json={
        "category": "other", "subtype": "perf_work_experience",
        "fields": {"achievement_name": "广东开放大学工作9年", "completed_on": "2020-07-07"}})
    assert response.status_code == 201 and response.json()["status"] == "unapplied"
    assert response.json()["name"] == "广东开放大学工作9年"
    no_catalog = await client.post(f"{G}/me/achievements", headers=me, json={
        "category": "other", "subtype": "perf_research", "catalog_entry_id": 1, "fields": {"achievement_name": "5G"}})
    assert no_catalog.status_code == 400


async def test_not_in_the_list_means_typing_every_field(client):
    me = await guangdong_learner(client)
    missing = await client.post(f"{G}/me/achievements", headers=me, json={"category": "academic", "subtype": "course", "fields": {"course_name": "高等数学"}})
    assert missing.status_code == 400 and "extra" in missing.json()
    full = await client.post(f"{G}/me/achievements", headers=me, json={"category": "academic", "subtype": "course", "fields": {
        "achievement_name": "高等数学", "school_name": "华南理工大学", "course_name": "高等数学", "course_code": "M101",
        "major": "土木工程", "level": "本科", "credits": "5", "obtained_on": "2015-01-20", "score": "90"}})
    assert full.status_code == 201, full.text
    assert full.json()["status"] == "unapplied" and full.json()["catalog_entry_id"] is None  # hand-typed: apply to recognise


@pytest.mark.parametrize(("fields", "field"), [
    ({"credits": "三"}, "credits"),
    ({"level": "幼儿园"}, "level"),
    ({"obtained_on": "2099-01-01"}, "obtained_on"),
    ({"obtained_on": "20200101x"}, "obtained_on"),
    ({"unknown_field": "x"}, "unknown_field"),
])
async def test_a_field_of_the_wrong_type_names_the_field(client, fields, field):
    me = await guangdong_learner(client)
    base = {"achievement_name": "高等数学", "school_name": "华南理工大学", "course_name": "高等数学", "course_code": "M101",
            "major": "土木工程", "level": "本科", "credits": "5"}
    response = await client.post(f"{G}/me/achievements", headers=me, json={"category": "academic", "subtype": "course", "fields": {**base, **fields}})
    assert response.status_code == 400 and response.json()["extra"]["field"] == field
    assert await Achievement.count() == 0


async def test_another_tenants_catalog_entry_or_a_mismatched_one_is_refused(client):
    me = await guangdong_learner(client)
    zj_entry = await catalog_entry(client, "zhejiang", "", category="academic")
    foreign = await client.post(f"{G}/me/achievements", headers=me, json={"category": zj_entry["category"], "subtype": zj_entry["subtype"], "catalog_entry_id": zj_entry["id"]})
    assert foreign.status_code == 400
    cet = await catalog_entry(client, "guangdong", "CET", category="vocational_qualification")
    mismatched = await client.post(f"{G}/me/achievements", headers=me, json={"category": "academic", "subtype": "course", "catalog_entry_id": cet["id"]})
    assert mismatched.status_code == 400 and "不属于" in mismatched.json()["detail"]


async def test_evidence_is_judged_by_content_and_size(client):
    me = await guangdong_learner(client)
    entry = await catalog_entry(client, "guangdong", "公司概况")
    achievement = (await client.post(f"{G}/me/achievements", headers=me, json={"category": "academic", "subtype": "course", "catalog_entry_id": entry["id"], "fields": COURSE_TYPED})).json()["id"]
    url = f"{G}/me/achievements/{achievement}/evidence"
    exe = await client.post(url, headers=me, files={"file": ("成绩单.jpg", b"MZ\x90\x00" + b"\x00" * 512, "image/jpeg")})
    assert exe.status_code == 415
    huge = await client.post(url, headers=me, files={"file": ("big.png", PNG + b"\x00" * (10 * 1024 * 1024), "image/png")})
    assert huge.status_code == 413
    empty = await client.post(url, headers=me, files={"file": ("empty.png", b"", "image/png")})
    assert empty.status_code == 400
    assert await Evidence.count() == 0
    ok = await client.post(url, headers=me, files={"file": ("成绩单.png", PNG, "image/png")})
    assert ok.status_code == 201


async def test_my_information_counts_and_paging(client):
    me = await guangdong_learner(client)
    entry = await catalog_entry(client, "guangdong", "公司概况")
    await client.post(f"{G}/me/achievements", headers=me, json={"category": "academic", "subtype": "course", "catalog_entry_id": entry["id"], "fields": COURSE_TYPED})
    for i in range(4):
        await client.post(f"{G}/me/achievements", headers=me, json={"category": "other", "subtype": "perf_social_service", "fields": {"achievement_name": f"家居养老{i}"}})
    summary = (await client.get(f"{G}/me/summary", headers=me)).json()
    assert summary == {"total": 5, "catalog": 1, "unapplied": 4, "applied": 0, "recognized": 0, "rejected": 0}
    first = (await client.get(f"{G}/me/achievements", params={"limit": 3}, headers=me)).json()
    second = (await client.get(f"{G}/me/achievements", params={"limit": 3, "cursor": first["next_cursor"]}, headers=me)).json()
    assert len(first["items"]) == 3 and len(second["items"]) == 2 and second["next_cursor"] is None
    catalog_only = (await client.get(f"{G}/me/achievements", params={"status": "catalog"}, headers=me)).json()
    assert [a["name"] for a in catalog_only["items"]] == ["公司概况"]


async def test_learners_never_see_each_others_outcomes_and_staff_see_only_their_subtree(client):
    a = await guangdong_learner(client, "learnera")
    b = await guangdong_learner(client, "learnerb")
    added = (await client.post(f"{G}/me/achievements", headers=a, json={"category": "other", "subtype": "perf_research", "fields": {"achievement_name": "5G"}})).json()
    evidence = (await client.post(f"{G}/me/achievements/{added['id']}/evidence", headers=a, files={"file": ("x.png", PNG, "image/png")})).json()
    assert (await client.get(f"{G}/me/achievements/{added['id']}", headers=b)).status_code == 404
    assert (await client.get(f"{G}/me/achievements/{added['id']}/evidence/{evidence['id']}", headers=b)).status_code == 404
    assert (await client.delete(f"{G}/me/achievements/{added['id']}", headers=b)).status_code == 404
    teaching_point = await staff_headers(client, "guangdong", "GD-GOU-TP02", "unit_admin")
    other_point = await staff_headers(client, "guangdong", "GD-GOU-TP01", "unit_admin")
    # Files open to staff through an application at their step (tests/audit): none yet.
    assert (await client.get(f"{G}/admin/evidence/{evidence['id']}", headers=teaching_point)).status_code == 403
    applied = await client.post(f"{G}/me/applications", headers=a, json={"kind": "recognition", "achievement_id": added["id"]})
    assert applied.status_code == 201, applied.text
    seen = await client.get(f"{G}/admin/evidence/{evidence['id']}", headers=teaching_point, follow_redirects=False)
    assert seen.status_code in (200, 302, 307)
    assert (await client.get(f"{G}/admin/evidence/{evidence['id']}", headers=other_point)).status_code == 404
    assert (await client.get(f"{G}/me/summary", headers=teaching_point)).status_code == 403


async def test_deleting_removes_rows_and_files_but_not_while_under_review(client):
    me = await guangdong_learner(client)
    added = (await client.post(f"{G}/me/achievements", headers=me, json={"category": "other", "subtype": "perf_research", "fields": {"achievement_name": "5G"}})).json()
    await client.post(f"{G}/me/achievements/{added['id']}/evidence", headers=me, files={"file": ("x.png", PNG, "image/png")})
    storage = client._transport.app.state.storage
    keys = await storage.keys()
    assert len(keys) == 1
    await Achievement.update({Achievement.status: "applied"}).where(Achievement.id == added["id"])  # as a submitted application does
    refused = await client.delete(f"{G}/me/achievements/{added['id']}", headers=me)
    assert refused.status_code == 409 and "审核中" in refused.json()["detail"]
    await Achievement.update({Achievement.status: "unapplied"}).where(Achievement.id == added["id"])
    assert (await client.delete(f"{G}/me/achievements/{added['id']}", headers=me)).status_code == 204
    assert await storage.keys() == [] and await Evidence.count() == 0


async def test_national_ouc_stored_outcomes_go_to_review_within_ten_working_days(client):
    from datetime import datetime

    T = "/t/national_ouc/api/v1"
    admin = await staff_headers(client, "national_ouc", "OUC", "tenant_admin")
    id_number = make_id("620102", "19950101")
    upload = await client.post(f"{T}/auth/register/id-scan", files={"file": ("id.png", PNG, "image/png")})
    await client.post(f"{T}/auth/register", json={"agree_terms": True, "region": "甘肃省", "unit_code": "OUC-GS", "real_name": "袁学员", "gender": "女",
        "ethnicity": "汉族", "id_type": "居民身份证", "id_number": id_number, "birth_date": "1995-01-01", "phone": "13919191919",
        "email": "ouc@example.com", "education_level": "本科", "password": "Ouc-2026-pass", "password_confirm": "Ouc-2026-pass",
        "id_scan": upload.json()["id_scan"]})
    code = await last_code(client, "national_ouc", admin, "ouc@example.com")
    account = (await client.post(f"{T}/auth/verify", json={"username": "ouc@example.com", "code": code})).json()
    await client.post(f"{T}/admin/learners/{account['id']}/review", json={"decision": "approve"}, headers=admin)
    me = bearer(await login(client, "national_ouc", "ouc@example.com", "Ouc-2026-pass"))
    entry = await catalog_entry(client, "national_ouc", "计算机", category="non_academic")
    added = await client.post(f"{T}/me/achievements", headers=me, json={"category": entry["category"], "subtype": entry["subtype"], "catalog_entry_id": entry["id"],
                                                                         "fields": {"certificate_no": "NCRE-2019-0001", "obtained_on": "2019-11-27"}})
    assert added.status_code == 201, added.text
    body = added.json()
    assert body["status"] == "applied"
    due = datetime.fromisoformat(body["review_due_at"])
    created = datetime.fromisoformat(body["created_at"])
    # The end of the tenth working day after storing, on the public-holiday calendar.
    assert due == workdays.due_at(created, 10)


async def test_zhejiang_social_training_is_its_own_type(client):
    me, account = await zhejiang_learner(client)
    added = await client.post("/t/zhejiang/api/v1/me/achievements", headers=me, json={"category": "social_training", "subtype": "social_training", "fields": {
        "training_name": "老年人智能手机应用培训", "training_provider": "上城区社区学院", "training_category": "老年教育",
        "training_hours": "16", "start_date": "2020-03-01", "end_date": "2020-03-15", "acceptance_point": "ZJ-S01"}})
    assert added.status_code == 201, added.text
    assert added.json()["status"] == "unapplied" and added.json()["category_label"] == "社会培训成果"


async def test_one_certificate_number_claimed_by_two_learners_is_flagged_to_staff(client):
    a = await guangdong_learner(client, "claimera")
    b = await guangdong_learner(client, "claimerb")
    entry = await catalog_entry(client, "guangdong", "CET", category="vocational_qualification")
    for learner in (a, b):
        await client.post(f"{G}/me/achievements", headers=learner, json={"category": "vocational_qualification", "subtype": "vocational_qualification",
                                                                          "catalog_entry_id": entry["id"], "fields": {"certificate_no": "CET-42", "issued_on": "2020-05-22"}})
    admin = await staff_headers(client, "guangdong", "GD", "tenant_admin")
    flagged = (await client.get(f"{G}/admin/integrity/certificates", headers=admin)).json()
    assert [d["certificate_no"] for d in flagged] == ["CET-42"] and len(flagged[0]["achievements"]) == 2
    elsewhere = await staff_headers(client, "guangdong", "GD-GOU-TP01", "unit_admin")
    assert (await client.get(f"{G}/admin/integrity/certificates", headers=elsewhere)).json() == []


async def test_storage_check_finds_orphan_files_and_missing_files(client):
    from core.storage.check import check_storage

    me = await guangdong_learner(client)
    added = (await client.post(f"{G}/me/achievements", headers=me, json={"category": "other", "subtype": "perf_research", "fields": {"achievement_name": "5G"}})).json()
    kept = (await client.post(f"{G}/me/achievements/{added['id']}/evidence", headers=me, files={"file": ("a.png", PNG, "image/png")})).json()
    lost = (await client.post(f"{G}/me/achievements/{added['id']}/evidence", headers=me, files={"file": ("b.png", PNG, "image/png")})).json()
    storage = client._transport.app.state.storage
    assert (await check_storage(storage)).orphan_files == [] and (await check_storage(storage)).missing_files == []
    lost_key = (await Evidence.select(Evidence.storage_key).where(Evidence.id == lost["id"]).first())["storage_key"]
    await storage.delete(lost_key)
    await storage.put("2/evidence/999/stray.png", PNG, "image/png")
    report = await check_storage(storage)
    assert report.missing_files == [lost_key] and report.orphan_files == ["2/evidence/999/stray.png"]
    assert kept["id"]
