"""Guangdong (003 二(三)–(五), 三(二)–(三), 四): 业绩类 recognition at the teaching point,
CET-4 → 学位外语 conversion with initial and final review, 业绩类 conversion by the committee."""

from __future__ import annotations

import asyncio

import pytest

from core.achievements.tables import Achievement
from tests.accounts.helpers import last_message, staff_headers
from tests.achievements.test_achievements import COURSE_TYPED, catalog_entry, guangdong_learner

G = "/t/guangdong/api/v1"
TP_OPINION = "教学点：广东理工职业学院人工智能学院 审核人：林碧莹 意见：同意"
COMMITTEE_OPINION = "审核人：学分银行管理中心 明耀星"
PDF = b"%PDF-1.7\n" + b"\x03" * 2048


@pytest.fixture
async def people(client):
    """A learner of teaching point GD-GOU-TP02, its admin, another point's admin, two committee
    members and the centre's admin."""
    return {
        "learner": await guangdong_learner(client),
        "point": await staff_headers(client, "guangdong", "GD-GOU-TP02", "unit_admin", username="lin-biying"),
        "other_point": await staff_headers(client, "guangdong", "GD-GOU-TP01", "unit_admin", username="tp01"),
        "committee": await staff_headers(client, "guangdong", "GD", "committee", username="ming-yaoxing"),
        "committee2": await staff_headers(client, "guangdong", "GD", "committee", username="committee-2"),
        "centre": await staff_headers(client, "guangdong", "GD", "tenant_admin", username="gd-centre"),
    }


async def _performance(client, learner, name="广东开放大学工作9年") -> int:
    added = await client.post(f"{G}/me/achievements", headers=learner, json={
        "category": "other", "subtype": "perf_work_experience", "fields": {"achievement_name": name, "completed_on": "2020-07-07"}})
    return added.json()["id"]


async def test_performance_outcome_recognised_by_the_teaching_point(client, people):
    learner, point = people["learner"], people["point"]
    achievement = await _performance(client, learner)
    submitted = await client.post(f"{G}/me/applications", headers=learner, json={"kind": "recognition", "achievement_id": achievement})
    assert submitted.status_code == 201, submitted.text
    application = submitted.json()
    assert application["status"] == "submitted" and application["current_step"] == "recognition"
    assert [r["decision"] for r in application["records"]] == ["submit"]  # 认定记录: 提交认定
    assert (await client.get(f"{G}/me/summary", headers=learner)).json()["applied"] == 1

    queue = (await client.get(f"{G}/reviews", params={"kind": "recognition"}, headers=point)).json()
    assert [i["id"] for i in queue["items"]] == [application["id"]]
    assert queue["items"][0]["learner_name"] == "明耀星" and queue["items"][0]["subtype_label"] == "业绩类-工作经历"
    assert (await client.get(f"{G}/reviews", headers=people["other_point"])).json()["items"] == []

    bad = await client.post(f"{G}/reviews/{application['id']}/decision", headers=point,
                            json={"step": "recognition", "decision": "approve", "opinion": "同意"})
    assert bad.status_code == 400 and "教学点" in bad.json()["detail"]
    decided = await client.post(f"{G}/reviews/{application['id']}/decision", headers=point,
                                json={"step": "recognition", "decision": "approve", "opinion": TP_OPINION})
    assert decided.status_code == 200 and decided.json()["status"] == "approved"
    assert decided.json()["records"][-1]["opinion"] == TP_OPINION
    summary = (await client.get(f"{G}/me/summary", headers=learner)).json()
    assert (summary["recognized"], summary["applied"]) == (1, 0)
    again = await client.post(f"{G}/me/applications", headers=learner, json={"kind": "recognition", "achievement_id": achievement})
    assert again.status_code == 409


async def test_a_rejected_recognition_tells_the_learner_why_and_can_be_resubmitted(client, people):
    learner, point = people["learner"], people["point"]
    achievement = await _performance(client, learner)
    application = (await client.post(f"{G}/me/applications", headers=learner, json={"kind": "recognition", "achievement_id": achievement})).json()
    rejected = await client.post(f"{G}/reviews/{application['id']}/decision", headers=point, json={
        "step": "recognition", "decision": "reject", "opinion": "教学点：广东理工职业学院人工智能学院 审核人：林碧莹 意见：不同意"})
    assert rejected.json()["status"] == "rejected"
    assert (await client.get(f"{G}/me/summary", headers=learner)).json()["rejected"] == 1
    mine = (await client.get(f"{G}/me/applications/{application['id']}", headers=learner)).json()
    assert "不同意" in mine["records"][-1]["opinion"]
    after = await client.post(f"{G}/reviews/{application['id']}/decision", headers=point, json={"step": "recognition", "decision": "approve", "opinion": TP_OPINION})
    assert after.status_code == 409
    resubmitted = await client.post(f"{G}/me/applications", headers=learner, json={"kind": "recognition", "achievement_id": achievement})
    assert resubmitted.status_code == 201


async def test_cet4_to_degree_english_end_to_end(client, people):
    """(五) 学位外语认定与转换: add CET-4 → choose a rule → 初审 (with PDF) → 终审 → 学位外语 added."""
    learner, point, committee = people["learner"], people["point"], people["committee"]
    cet = await catalog_entry(client, "guangdong", "CET", category="vocational_qualification")
    achievement = (await client.post(f"{G}/me/achievements", headers=learner, json={
        "category": "vocational_qualification", "subtype": "vocational_qualification", "catalog_entry_id": cet["id"],
        "fields": {"certificate_no": "1900483622", "issued_on": "2020-05-22"}})).json()
    rules = (await client.get(f"{G}/me/achievements/{achievement['id']}/rules", headers=learner)).json()
    assert len(rules) >= 11 and not any(r["used"] for r in rules)
    rule = next(r for r in rules if r["name"] == "CET 4 及以上证书转2018秋法学专业学位外语")
    assert rule["agreement"] == "外语等级证书转学位外语" and rule["target"]["entry"]["name"] == "学位外语"

    body = {"kind": "conversion", "achievement_id": achievement["id"], "rule_id": rule["id"]}
    first = await client.post(f"{G}/me/applications", headers={**learner, "Idempotency-Key": "cet4-law"}, json=body)
    retry = await client.post(f"{G}/me/applications", headers={**learner, "Idempotency-Key": "cet4-law"}, json=body)
    assert first.status_code == 201 and retry.json()["id"] == first.json()["id"]
    application = first.json()
    assert [s["name"] for s in application["steps"]] == ["initial", "final"]
    duplicate = await client.post(f"{G}/me/applications", headers=learner, json=body)
    assert duplicate.status_code == 409
    listed = (await client.get(f"{G}/me/achievements/{achievement['id']}/rules", headers=learner)).json()
    assert next(r for r in listed if r["id"] == rule["id"])["used"] is True

    assert (await client.get(f"{G}/reviews", headers=committee)).json()["items"] == []  # not its step yet
    material = await client.post(f"{G}/reviews/{application['id']}/materials", headers=point, files={"file": ("劳梓聪六级成绩单.pdf", PDF, "application/pdf")})
    assert material.status_code == 201, material.text
    jpg_as_material = await client.post(f"{G}/reviews/{application['id']}/materials", headers=point, files={"file": ("x.pdf", b"\xff\xd8\xff" + b"0" * 64, "application/pdf")})
    assert jpg_as_material.status_code == 415
    initial = await client.post(f"{G}/reviews/{application['id']}/decision", headers=point,
                                json={"step": "initial", "decision": "approve", "opinion": TP_OPINION})
    assert initial.status_code == 200 and initial.json()["status"] == "in_review" and initial.json()["current_step"] == "final"
    assert initial.json()["records"][-1]["materials"][0]["filename"] == "劳梓聪六级成绩单.pdf"
    sms = await last_message(client, "guangdong", people["centre"], "138" + str(abs(hash("mingyaoxing")) % 10**8).zfill(8))
    assert sms["event"] == "conversion.step_passed" and "初审通过" in sms["body"] and "【广东学银】" in sms["body"]

    stale = await client.post(f"{G}/reviews/{application['id']}/decision", headers=point, json={"step": "initial", "decision": "approve", "opinion": TP_OPINION})
    assert stale.status_code in (404, 409)
    wrong_format = await client.post(f"{G}/reviews/{application['id']}/decision", headers=committee,
                                     json={"step": "final", "decision": "approve", "opinion": "符合规则"})
    assert wrong_format.status_code == 400
    final = await client.post(f"{G}/reviews/{application['id']}/decision", headers=committee,
                              json={"step": "final", "decision": "approve", "opinion": COMMITTEE_OPINION})
    assert final.status_code == 200, final.text
    done = final.json()
    assert done["status"] == "approved" and done["target_achievement_id"]
    target = (await client.get(f"{G}/me/achievements/{done['target_achievement_id']}", headers=learner)).json()
    assert target["name"] == "学位外语" and target["source"] == "converted" and target["institution"] == "广东开放大学"
    row = await Achievement.select().where(Achievement.id == done["target_achievement_id"]).first()
    assert row["rule_id"] == rule["id"] and row["application_id"] == application["id"]
    sms = await last_message(client, "guangdong", people["centre"], "138" + str(abs(hash("mingyaoxing")) % 10**8).zfill(8))
    assert sms["event"] == "conversion.approved" and "已自动添加到您个人学习账户" in sms["body"]
    detail = (await client.get(f"{G}/me/applications/{application['id']}", headers=learner)).json()
    assert [(r["step"], r["decision"]) for r in detail["records"]] == [("submit", "submit"), ("initial", "approve"), ("final", "approve")]


async def test_performance_conversion_is_reviewed_by_the_committee_only(client, people):
    learner, committee = people["learner"], people["committee"]
    achievement = await _performance(client, learner, "电子商务工作满3年")
    target = await catalog_entry(client, "guangdong", "专业实习")
    submitted = await client.post(f"{G}/me/applications", headers=learner, json={
        "kind": "performance_conversion", "achievement_id": achievement, "target_catalog_entry_id": target["id"]})
    assert submitted.status_code == 201 and [s["name"] for s in submitted.json()["steps"]] == ["performance_final"]
    queue = (await client.get(f"{G}/reviews", params={"kind": "performance_conversion"}, headers=committee)).json()
    assert [i["id"] for i in queue["items"]] == [submitted.json()["id"]]
    assert (await client.get(f"{G}/reviews", headers=people["point"])).json()["items"] == []
    decided = await client.post(f"{G}/reviews/{submitted.json()['id']}/decision", headers=committee,
                                json={"step": "performance_final", "decision": "approve", "opinion": COMMITTEE_OPINION})
    assert decided.json()["status"] == "approved"
    assert (await client.get(f"{G}/me/achievements/{decided.json()['target_achievement_id']}", headers=learner)).json()["name"] == "专业实习"


async def test_withdraw_before_the_first_decision_only(client, people):
    learner, point = people["learner"], people["point"]
    first = (await client.post(f"{G}/me/applications", headers=learner, json={"kind": "recognition", "achievement_id": await _performance(client, learner, "a")})).json()
    withdrawn = await client.post(f"{G}/me/applications/{first['id']}/withdraw", headers=learner)
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    assert (await client.get(f"{G}/me/summary", headers=learner)).json()["unapplied"] == 1
    decided = await client.post(f"{G}/reviews/{first['id']}/decision", headers=point, json={"step": "recognition", "decision": "approve", "opinion": TP_OPINION})
    assert decided.status_code in (404, 409)

    second = (await client.post(f"{G}/me/applications", headers=learner, json={"kind": "recognition", "achievement_id": await _performance(client, learner, "b")})).json()
    await client.post(f"{G}/reviews/{second['id']}/decision", headers=point, json={"step": "recognition", "decision": "approve", "opinion": TP_OPINION})
    late = await client.post(f"{G}/me/applications/{second['id']}/withdraw", headers=learner)
    assert late.status_code == 409


async def test_outsiders_and_learners_cannot_decide(client, people):
    learner = people["learner"]
    application = (await client.post(f"{G}/me/applications", headers=learner, json={"kind": "recognition", "achievement_id": await _performance(client, learner)})).json()
    decision = {"step": "recognition", "decision": "approve", "opinion": TP_OPINION}
    assert (await client.get(f"{G}/reviews/{application['id']}", headers=people["other_point"])).status_code == 404
    assert (await client.post(f"{G}/reviews/{application['id']}/decision", headers=people["other_point"], json=decision)).status_code == 404
    assert (await client.post(f"{G}/reviews/{application['id']}/decision", headers=learner, json=decision)).status_code == 403
    zhejiang = await staff_headers(client, "zhejiang", "ZJ", "tenant_admin")
    assert (await client.post(f"{G}/reviews/{application['id']}/decision", headers=zhejiang, json=decision)).status_code == 401
    detail = (await client.get(f"{G}/reviews/{application['id']}", headers=people["point"])).json()
    assert detail["learner"]["real_name"] == "明耀星" and "*" in detail["learner"]["id_number_masked"]


async def test_two_committee_members_racing_on_one_step(client, people):
    learner, point = people["learner"], people["point"]
    cet = await catalog_entry(client, "guangdong", "CET", category="vocational_qualification")
    achievement = (await client.post(f"{G}/me/achievements", headers=learner, json={
        "category": "vocational_qualification", "subtype": "vocational_qualification", "catalog_entry_id": cet["id"],
        "fields": {"certificate_no": "1900483623", "issued_on": "2020-05-22"}})).json()
    rule = (await client.get(f"{G}/me/achievements/{achievement['id']}/rules", headers=learner)).json()[0]
    application = (await client.post(f"{G}/me/applications", headers=learner, json={"kind": "conversion", "achievement_id": achievement["id"], "rule_id": rule["id"]})).json()
    await client.post(f"{G}/reviews/{application['id']}/decision", headers=point, json={"step": "initial", "decision": "approve", "opinion": TP_OPINION})
    final = {"step": "final", "decision": "approve", "opinion": COMMITTEE_OPINION}
    a, b = await asyncio.gather(
        client.post(f"{G}/reviews/{application['id']}/decision", headers=people["committee"], json=final),
        client.post(f"{G}/reviews/{application['id']}/decision", headers=people["committee2"], json=final),
    )
    assert sorted([a.status_code, b.status_code]) == [200, 409]
    assert await Achievement.count().where(Achievement.source == "converted") == 1


async def test_a_rule_the_achievement_does_not_match_or_of_another_tenant_is_refused(client, people):
    learner = people["learner"]
    course = await catalog_entry(client, "guangdong", "公司概况")
    achievement = (await client.post(f"{G}/me/achievements", headers=learner, json={"category": "academic", "subtype": "course", "catalog_entry_id": course["id"], "fields": COURSE_TYPED})).json()
    cet_rule = (await client.get(f"{G}/rules", params={"q": "法学专业学位外语"})).json()["items"][0]
    mismatch = await client.post(f"{G}/me/applications", headers=learner, json={"kind": "conversion", "achievement_id": achievement["id"], "rule_id": cet_rule["id"]})
    assert mismatch.status_code == 400 and "不符合" in mismatch.json()["detail"]
    zj_rule = (await client.get("/t/zhejiang/api/v1/rules")).json()["items"][0]
    foreign = await client.post(f"{G}/me/applications", headers=learner, json={"kind": "conversion", "achievement_id": achievement["id"], "rule_id": zj_rule["id"]})
    assert foreign.status_code == 400 and "不存在" in foreign.json()["detail"]
    catalog_recognition = await client.post(f"{G}/me/applications", headers=learner, json={"kind": "recognition", "achievement_id": achievement["id"]})
    assert catalog_recognition.status_code == 409 and "无需申请" in catalog_recognition.json()["detail"]


async def test_rule_management_and_public_search(client, people):
    centre = people["centre"]
    search = (await client.get(f"{G}/rules", params={"q": "密码学"})).json()["items"]
    assert search[0]["target"]["credits"] == 3 and search[0]["target"]["entry"]["name"] == "信息安全与密码学"
    body = {"name": "测试规则：密码学转信息安全", "agreement": "测试协议", "sources": [search[0]["sources"][0]["id"]],
            "target": search[0]["target"]["entry"]["id"], "credits": 3, "ratio": 100}
    created = await client.post(f"{G}/rules", json=body, headers=centre)
    assert created.status_code == 201, created.text
    assert (await client.post(f"{G}/rules", json=body, headers=centre)).status_code == 409
    assert (await client.post(f"{G}/rules", json={**body, "name": "x", "target": 999999}, headers=centre)).status_code == 400
    assert (await client.post(f"{G}/rules", json={**body, "name": "y"}, headers=people["point"])).status_code == 403
    retired = await client.post(f"{G}/rules/{created.json()['id']}/retire", headers=centre)
    assert retired.json()["status"] == "retired"
    names = [r["name"] for r in (await client.get(f"{G}/rules", params={"q": "测试规则"})).json()["items"]]
    assert names == []


async def test_the_conversion_list_shows_usable_and_used_rule_counts(client, people):
    """转换成果申请: 可转换规则数 / 已用转换规则数 per achievement, and its applications."""
    learner = people["learner"]
    cet = await catalog_entry(client, "guangdong", "CET", category="vocational_qualification")
    achievement = (await client.post(f"{G}/me/achievements", headers=learner, json={
        "category": "vocational_qualification", "subtype": "vocational_qualification", "catalog_entry_id": cet["id"],
        "fields": {"certificate_no": "1900483624", "issued_on": "2020-05-22"}})).json()
    before = (await client.get(f"{G}/me/achievements", headers=learner)).json()["items"][0]
    assert before["used_rules"] == 0 and before["usable_rules"] >= 11
    rule = (await client.get(f"{G}/me/achievements/{achievement['id']}/rules", headers=learner)).json()[0]
    application = (await client.post(f"{G}/me/applications", headers=learner, json={"kind": "conversion", "achievement_id": achievement["id"], "rule_id": rule["id"]})).json()
    after = (await client.get(f"{G}/me/achievements", headers=learner)).json()["items"][0]
    assert (after["usable_rules"], after["used_rules"]) == (before["usable_rules"] - 1, 1)
    detail = (await client.get(f"{G}/me/achievements/{achievement['id']}", headers=learner)).json()
    assert [a["id"] for a in detail["applications"]] == [application["id"]]
