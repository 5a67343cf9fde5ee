"""Review chains of the national OUC (stored outcomes reviewed by the certification centre;
conversion approved for a proof), Gansu (the provincial school reviews) and Zhejiang (the
acceptance point reviews, its parent unit re-reviews)."""

from __future__ import annotations

from datetime import datetime

from core.achievements.tables import Achievement
from core.reviews.engine import step_due_at
from tests.accounts.helpers import bearer, last_code, login, make_id, staff_headers
from tests.achievements.test_achievements import PNG, catalog_entry

N = "/t/national_ouc/api/v1"
STORE_OPINION = "审核意见：同意。证书信息与扫描件一致，予以存储。"


async def fields_for(client, tenant: str, subtype: str, candidates: dict) -> dict:
    """The candidates that the sub-type has as hand-typed fields."""
    taxonomy = (await client.get(f"/t/{tenant}/api/v1/meta")).json()["taxonomy"]
    names = {f["name"] for c in taxonomy["categories"] for s in c["subtypes"] if s["code"] == subtype
             for f in s["fields"] if not f["from_catalog"]}
    return {k: v for k, v in candidates.items() if k in names}


TYPED = {"certificate_no": "X-1", "obtained_on": "2019-11-27", "exam_date": "2019-09-21", "started_on": "2019-01-01",
         "ended_on": "2019-06-01", "score": "80", "major": "行政管理", "enrolled_on": "2017-03-01"}


async def ouc_learner(client, tenant: str, admin: dict, unit: str, email: str) -> dict:
    T = f"/t/{tenant}/api/v1"
    upload = await client.post(f"{T}/auth/register/id-scan", files={"file": ("id.png", PNG, "image/png")})
    account = (await client.post(f"{T}/auth/register", json={
        "agree_terms": True, "region": "甘肃省", "unit_code": unit, "real_name": "林学员", "gender": "女", "ethnicity": "汉族",
        "id_type": "居民身份证", "id_number": make_id("620102", "19950101"), "birth_date": "1995-01-01", "phone": "13919191919",
        "email": email, "education_level": "本科", "password": "Ouc-2026-pass", "password_confirm": "Ouc-2026-pass",
        "id_scan": upload.json()["id_scan"]})).json()
    code = await last_code(client, tenant, admin, email)
    await client.post(f"{T}/auth/verify", json={"username": email, "code": code})
    await client.post(f"{T}/admin/learners/{account['id']}/review", json={"decision": "approve"}, headers=admin)
    return bearer(await login(client, tenant, email, "Ouc-2026-pass"))


async def test_national_stored_outcome_is_reviewed_by_the_provincial_centre(client):
    admin = await staff_headers(client, "national_ouc", "OUC", "tenant_admin")
    centre = await staff_headers(client, "national_ouc", "OUC-GS", "unit_admin", username="gs-centre")
    beijing = await staff_headers(client, "national_ouc", "OUC-BJ", "unit_admin", username="bj-centre")
    learner = await ouc_learner(client, "national_ouc", admin, "OUC-GS", "lin@example.com")
    entry = await catalog_entry(client, "national_ouc", "计算机", category="non_academic")
    added = (await client.post(f"{N}/me/achievements", headers=learner, json={
        "category": entry["category"], "subtype": entry["subtype"], "catalog_entry_id": entry["id"],
        "fields": await fields_for(client, "national_ouc", entry["subtype"], TYPED)})).json()
    assert added["status"] == "applied"
    mine = (await client.get(f"{N}/me/applications", headers=learner)).json()["items"]
    assert [(a["kind"], a["status"], a["achievement_id"]) for a in mine] == [("store_review", "submitted", added["id"])]
    assert (await client.get(f"{N}/reviews", headers=beijing)).json()["items"] == []
    queue = (await client.get(f"{N}/reviews", headers=centre)).json()["items"]
    assert [i["id"] for i in queue] == [mine[0]["id"]]
    # An opinion whose words say the opposite of the decision would tell the learner the wrong outcome.
    contradicting = await client.post(f"{N}/reviews/{mine[0]['id']}/decision", headers=centre, json={
        "step": "store_review", "decision": "approve", "opinion": "审核意见：不同意，证书编号与扫描件不一致。"})
    assert contradicting.status_code == 400
    assert contradicting.json()["detail"] == "审核意见写的是“不同意”，与审核结果“同意”不一致"
    decided = await client.post(f"{N}/reviews/{mine[0]['id']}/decision", headers=centre,
                                json={"step": "store_review", "decision": "approve", "opinion": STORE_OPINION})
    assert decided.status_code == 200 and decided.json()["status"] == "approved"
    assert (await client.get(f"{N}/me/achievements/{added['id']}", headers=learner)).json()["status"] == "recognized"
    mail = (await client.get(f"{N}/admin/notifications", params={"event": "recognition.decided"}, headers=admin)).json()["items"]
    assert mail and mail[0]["channel"] == "email" and mail[0]["to"] == "lin@example.com"


async def test_national_conversion_is_approved_for_a_proof_not_added_to_the_account(client):
    admin = await staff_headers(client, "national_ouc", "OUC", "tenant_admin")
    centre = await staff_headers(client, "national_ouc", "OUC-GS", "unit_admin", username="gs-centre")
    learner = await ouc_learner(client, "national_ouc", admin, "OUC-GS", "lin2@example.com")
    rules = (await client.get(f"{N}/rules")).json()["items"]
    rule = rules[0]
    source = rule["sources"][0]
    added = (await client.post(f"{N}/me/achievements", headers=learner, json={
        "category": source["category"], "subtype": source["subtype"], "catalog_entry_id": source["id"],
        "fields": await fields_for(client, "national_ouc", source["subtype"], TYPED)})).json()
    store = (await client.get(f"{N}/me/applications", headers=learner)).json()["items"][0]
    early = await client.post(f"{N}/me/applications", headers=learner, json={"kind": "conversion", "achievement_id": added["id"], "rule_id": rule["id"]})
    assert early.status_code == 409  # a stored outcome converts once the centre has reviewed it
    await client.post(f"{N}/reviews/{store['id']}/decision", headers=centre, json={"step": "store_review", "decision": "approve", "opinion": STORE_OPINION})
    submitted = await client.post(f"{N}/me/applications", headers=learner, json={"kind": "conversion", "achievement_id": added["id"], "rule_id": rule["id"]})
    assert submitted.status_code == 201, submitted.text
    approved = await client.post(f"{N}/reviews/{submitted.json()['id']}/decision", headers=centre, json={
        "step": "conversion_review", "decision": "approve", "opinion": "审核意见：同意。符合已发布的转换规则，出具学习成果认证证明。"})
    assert approved.json()["status"] == "approved" and approved.json()["target_achievement_id"] is None
    assert await Achievement.count().where(Achievement.source == "converted") == 0


async def test_gansu_outcomes_are_reviewed_by_the_provincial_school(client):
    school = await staff_headers(client, "gansu", "GS", "tenant_admin", username="gs-school")
    academic_office = await staff_headers(client, "gansu", "GS", "unit_admin", username="gs-jiaowu")
    branch = await staff_headers(client, "gansu", "GS-LZ", "unit_admin", username="gs-lz")
    learner = await ouc_learner(client, "gansu", school, "GS-LZ", "gansu@example.com")
    entry = await catalog_entry(client, "gansu", "", category="academic")
    added = await client.post("/t/gansu/api/v1/me/achievements", headers=learner, json={
        "category": entry["category"], "subtype": entry["subtype"], "catalog_entry_id": entry["id"],
        "fields": await fields_for(client, "gansu", entry["subtype"], TYPED)})
    assert added.status_code == 201, added.text
    assert (await client.get("/t/gansu/api/v1/reviews", headers=branch)).json()["items"] == []
    queue = (await client.get("/t/gansu/api/v1/reviews", headers=academic_office)).json()["items"]
    assert len(queue) == 1 and queue[0]["kind"] == "store_review"


async def test_zhejiang_acceptance_point_reviews_and_its_sub_centre_re_reviews(client):
    T = "/t/zhejiang/api/v1"
    centre = await staff_headers(client, "zhejiang", "ZJ", "tenant_admin", username="zj-centre")
    sub_centre = await staff_headers(client, "zhejiang", "ZJ-S57", "unit_admin", username="yiwu")
    created = await client.post(f"{T}/org/units", headers=sub_centre, json={
        "code": "ZJ-S57-A01", "level": "acceptance_point", "name": "义乌市稠城街道社区学校受理点", "parent_code": "ZJ-S57"})
    assert created.status_code == 201, created.text
    assert [a["code"] for a in created.json()["ancestors"]] == ["ZJ", "ZJ-B07", "ZJ-S57"]
    elsewhere = await client.post(f"{T}/org/units", headers=sub_centre, json={"code": "X1", "level": "acceptance_point", "name": "x", "parent_code": "ZJ-S01"})
    assert elsewhere.status_code == 404
    invited = (await client.post(f"{T}/org/units/ZJ-S57-A01/staff", headers=sub_centre, json={"real_name": "王丽", "phone": "13600000057", "role": "unit_admin"})).json()
    code = await last_code(client, "zhejiang", centre, "13600000057")
    await client.post(f"{T}/auth/activate", json={"username": invited["username"], "code": code, "password": "Point-2026-x"})
    point = bearer(await login(client, "zhejiang", invited["username"], "Point-2026-x"))

    id_number = make_id("330782", "19750101")
    await client.post(f"{T}/admin/learners", headers=point, json={"real_name": "陈学员", "id_number": id_number, "phone": "13588880057", "identity_checked": True})
    code = await last_code(client, "zhejiang", centre, "13588880057")
    await client.post(f"{T}/auth/activate", json={"id_number": id_number, "code": code, "password": "Learner-2026"})
    learner = bearer(await login(client, "zhejiang", id_number, "Learner-2026"))
    training = (await client.post(f"{T}/me/achievements", headers=learner, json={"category": "social_training", "subtype": "social_training", "fields": {
        "training_name": "家政服务技能培训", "training_provider": "稠城街道社区学校", "training_category": "职工培训", "training_hours": "24",
        "start_date": "2020-04-01", "end_date": "2020-04-20", "acceptance_point": "ZJ-S57-A01"}})).json()
    application = (await client.post(f"{T}/me/applications", headers=learner, json={"kind": "recognition", "achievement_id": training["id"]})).json()
    assert [(s["name"], s["unit_code"]) for s in application["steps"]] == [("acceptance_review", "ZJ-S57-A01"), ("re_review", "ZJ-S57")]
    # Each step's deadline is stored when it begins, in working days on the holiday calendar.
    chain = (await client._transport.app.state.tenants.get("zhejiang")).hooks.review_chain(
        "recognition", "social_training", "social_training")
    submitted = datetime.fromisoformat(application["created_at"])
    assert datetime.fromisoformat(application["step_due_at"]) == step_due_at(chain.steps[0], submitted)
    queued = (await client.get(f"{T}/reviews", headers=point)).json()["items"]
    assert [i["step_due_at"] for i in queued] == [application["step_due_at"]]

    assert (await client.get(f"{T}/reviews", headers=sub_centre)).json()["items"] == []
    first = await client.post(f"{T}/reviews/{application['id']}/decision", headers=point, json={
        "step": "acceptance_review", "decision": "approve", "opinion": "受理点：义乌市稠城街道社区学校受理点 经办人：王丽 意见：同意"})
    assert first.json()["current_step"] == "re_review"
    decided = datetime.fromisoformat(first.json()["records"][-1]["at"])
    assert datetime.fromisoformat(first.json()["step_due_at"]) == step_due_at(chain.steps[1], decided)
    assert (await client.get(f"{T}/reviews", headers=point)).json()["items"] == []
    second = await client.post(f"{T}/reviews/{application['id']}/decision", headers=sub_centre, json={
        "step": "re_review", "decision": "approve", "opinion": "复审单位：浙江学分银行金华市义乌分中心 复审人：陈明 意见：同意"})
    assert second.json()["status"] == "approved"
    assert (await client.get(f"{T}/me/achievements/{training['id']}", headers=learner)).json()["status"] == "recognized"
