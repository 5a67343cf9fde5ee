"""The same walk in the provinces whose plugins differ (issue 18, "done when"): Zhejiang's
vocational certificates carry their grade from the catalog (四级/中级工, where 一级 is the
highest), so its threshold is 等级 ≤ 3; Guangdong's courses carry a typed 成绩 (see
test_explained_rules.py). A multi-source rule, a threshold miss explained, a what-if that
opens the rule, an impact preview, and an edit while an application is in flight."""

from __future__ import annotations

from tests.accounts.helpers import staff_headers
from tests.certificates.helpers import zhejiang_learner
from tests.rules.test_explained_rules import entry

Z = "/t/zhejiang/api/v1"


async def test_zhejiang_grade_threshold_what_if_impact_and_an_edit_in_flight(client):
    centre = await staff_headers(client, "zhejiang", "ZJ", "tenant_admin", username="zj-rules-centre")
    learner, _ = await zhejiang_learner(client, "ZJ-S01", real_name="郑规则")
    carer = await entry(client, "养老护理员国家职业资格证书（四级）", tenant="zhejiang")
    nanny = await entry(client, "育婴员国家职业资格证书（四级）", tenant="zhejiang")
    target = await entry(client, "纳税基础与实务", "会计(2017春)(专)", tenant="zhejiang")
    rule = await client.post(f"{Z}/rules", headers=centre, json={
        "name": "养老护理员与育婴员合转纳税基础与实务", "sources": [carer["id"], nanny["id"]], "target": target["id"],
        "credits": 3, "conditions": {"thresholds": [{"entry": carer["id"], "field": "等级", "op": "<=", "value": 3}]}})
    assert rule.status_code == 201, rule.text
    rule_id = rule.json()["id"]
    assert "养老护理员国家职业资格证书（四级）：等级 ≤ 3" in rule.json()["conditions"]
    held = (await client.post(f"{Z}/me/achievements", headers=learner, json={
        "category": "vocational", "subtype": "vocational_qualification", "catalog_entry_id": carer["id"],
        "fields": {"certificate_no": "ZJ-2019-001", "issued_on": "2019-06-01"}})).json()
    assert held["fields"]["grade"] == "四级/中级工"

    explained = next(r for r in (await client.get(f"{Z}/me/achievements/{held['id']}/rules", params={"explain": 1},
                                                  headers=learner)).json() if r["id"] == rule_id)
    assert explained["explanation"]["missing"] == ["还需：育婴员国家职业资格证书（四级）", "等级须 ≤ 3，您的等级为 4"]

    relax = {"conditions": {"thresholds": [{"entry": carer["id"], "field": "grade", "op": "<=", "value": 4}]}}
    preview = (await client.post(f"{Z}/rules/impact", headers=centre, json={"rule_id": rule_id, "patch": relax})).json()
    assert (preview["learners_gaining"], preview["pending"]) == (0, [])  # still short of the second certificate
    edited = await client.patch(f"{Z}/rules/{rule_id}", headers=centre, json={**relax, "note": "四级即可"})
    assert edited.json()["version"] == 2

    what_if = (await client.post(f"{Z}/me/what-if", headers=learner, json={"catalog_entry_ids": [nanny["id"]]})).json()
    assert rule_id in [r["id"] for r in what_if["opens"]]
    await client.post(f"{Z}/me/achievements", headers=learner, json={
        "category": "vocational", "subtype": "vocational_qualification", "catalog_entry_id": nanny["id"],
        "fields": {"certificate_no": "ZJ-2019-002", "issued_on": "2019-07-01"}})
    applied = await client.post(f"{Z}/me/applications", headers=learner, json={
        "kind": "conversion", "achievement_id": held["id"], "rule_id": rule_id})
    assert applied.status_code == 201, applied.text
    assert applied.json()["rule_version"] == 2

    stricter = {"conditions": {"thresholds": [{"entry": carer["id"], "field": "grade", "op": "<=", "value": 2}]}}
    preview = (await client.post(f"{Z}/rules/impact", headers=centre, json={"rule_id": rule_id, "patch": stricter})).json()
    assert [(p["application_id"], p["version"]) for p in preview["pending"]] == [(applied.json()["id"], 2)]
    assert (await client.patch(f"{Z}/rules/{rule_id}", headers=centre, json=stricter)).json()["version"] == 3
    mine = (await client.get(f"{Z}/me/applications/{applied.json()['id']}", headers=learner)).json()
    assert (mine["rule_version"], mine["status"]) == (2, "submitted")


N = "/t/national_ouc/api/v1"
CONVERSION_OPINION = "审核意见：同意。符合已发布的转换规则，出具学习成果认证证明。"


async def _store(client, tenant: str, learner: dict, reviewer: dict, entry: dict, fields: dict) -> dict:
    """Seed 001 part 二: the learner picks the certificate (“选择证书”), types the other items and
    clicks “提交审批”; the certification centre reviews the stored outcome before it converts."""
    T = f"/t/{tenant}/api/v1"
    added = await client.post(f"{T}/me/achievements", headers=learner, json={
        "category": entry["category"], "subtype": entry["subtype"], "catalog_entry_id": entry["id"], "fields": fields})
    assert added.status_code == 201, added.text
    assert added.json()["status"] == "applied"
    store = next(a for a in (await client.get(f"{T}/me/applications", headers=learner)).json()["items"]
                 if a["achievement_id"] == added.json()["id"] and a["kind"] == "store_review")
    return {**added.json(), "store_application": store["id"]}


async def _approve_store(client, tenant: str, reviewer: dict, outcome: dict) -> None:
    decided = await client.post(f"/t/{tenant}/api/v1/reviews/{outcome['store_application']}/decision", headers=reviewer,
                                json={"step": "store_review", "decision": "approve",
                                      "opinion": "审核意见：同意。证书信息与扫描件一致，予以存储。"})
    assert decided.status_code == 200 and decided.json()["status"] == "approved", decided.text


async def _explain(client, tenant: str, learner: dict, achievement_id: int, rule_id: int) -> dict:
    response = await client.get(f"/t/{tenant}/api/v1/me/achievements/{achievement_id}/rules", params={"explain": 1},
                                headers=learner)
    assert response.status_code == 200, response.text
    return next(r for r in response.json() if r["id"] == rule_id)["explanation"]


async def test_national_ouc_score_threshold_what_if_impact_an_edit_in_flight_and_the_proof(client):
    """Seed 001 Q4: the learner looks the rule up in the published list (转换规则名录), applies to
    the local certification centre (学习成果认证中心), which reviews the application and issues a
    学习成果认证证明. Here the rule takes two outcomes — a CET-4 score report (its typed 成绩) and
    the 管理英语1 course-completion certificate — for 管理英语3."""
    from tests.reviews.test_provinces_reviews import ouc_learner

    admin = await staff_headers(client, "national_ouc", "OUC", "tenant_admin", username="ouc-rules-admin")
    centre = await staff_headers(client, "national_ouc", "OUC-GS", "unit_admin", username="ouc-rules-gs")
    learner = await ouc_learner(client, "national_ouc", admin, "OUC-GS", "ouc-rules@example.com")
    cet4 = await entry(client, "全国大学英语四级考试成绩报告单", tenant="national_ouc")
    english1 = await entry(client, "管理英语1课程结业证书", tenant="national_ouc")
    target = await entry(client, "管理英语3", "行政管理(2020春)(本)", tenant="national_ouc")
    rule = await client.post(f"{N}/rules", headers=admin, json={
        "name": "大学英语四级与管理英语1合转管理英语3", "sources": [cet4["id"], english1["id"]], "target": target["id"],
        "credits": 4, "conditions": {"thresholds": [{"entry": cet4["id"], "field": "成绩", "value": 425}]}})
    assert rule.status_code == 201, rule.text
    rule_id = rule.json()["id"]
    assert "全国大学英语四级考试成绩报告单：成绩 ≥ 425" in rule.json()["conditions"]
    listed = (await client.get(f"{N}/rules", params={"target_entry_id": target["id"]})).json()["items"]
    assert rule_id in [r["id"] for r in listed]  # 查询已发布学习成果转换规则名录

    held = await _store(client, "national_ouc", learner, centre, cet4, {
        "certificate_no": "CET4-2019-001", "exam_date": "2019-06-15", "obtained_on": "2019-08-20", "score": "410"})
    waiting = await _explain(client, "national_ouc", learner, held["id"], rule_id)
    assert waiting["status"] == "missing"
    assert "您的成果“全国大学英语四级考试成绩报告单”尚在审核中，审核通过后方可用于转换" in waiting["missing"]
    assert "还需：全国大学英语四级考试成绩报告单" not in " ".join(waiting["missing"])
    await _approve_store(client, "national_ouc", centre, held)
    explained = await _explain(client, "national_ouc", learner, held["id"], rule_id)
    assert explained["missing"] == ["还需：管理英语1课程结业证书", "成绩须 ≥ 425，您的成绩为 410"]

    relax = {"conditions": {"thresholds": [{"entry": cet4["id"], "field": "score", "value": 400}]}}
    preview = (await client.post(f"{N}/rules/impact", headers=admin, json={"rule_id": rule_id, "patch": relax})).json()
    assert (preview["learners_gaining"], preview["pending"]) == (0, [])  # still short of the course certificate
    edited = await client.patch(f"{N}/rules/{rule_id}", headers=admin, json={**relax, "note": "四级 400 分即可"})
    assert edited.status_code == 200 and edited.json()["version"] == 2, edited.text

    what_if = (await client.post(f"{N}/me/what-if", headers=learner, json={"catalog_entry_ids": [english1["id"]]})).json()
    assert rule_id in [r["id"] for r in what_if["opens"]]
    course = await _store(client, "national_ouc", learner, centre, english1, {
        "certificate_no": "OUC-KC-2020-01", "obtained_on": "2020-01-10", "score": "合格"})
    await _approve_store(client, "national_ouc", centre, course)
    applied = await client.post(f"{N}/me/applications", headers=learner, json={
        "kind": "conversion", "achievement_id": held["id"], "rule_id": rule_id})
    assert applied.status_code == 201, applied.text
    assert applied.json()["rule_version"] == 2

    stricter = {"conditions": {"thresholds": [{"entry": cet4["id"], "field": "score", "value": 500}]}}
    preview = (await client.post(f"{N}/rules/impact", headers=admin, json={"rule_id": rule_id, "patch": stricter})).json()
    assert [(p["application_id"], p["version"]) for p in preview["pending"]] == [(applied.json()["id"], 2)]
    assert (await client.patch(f"{N}/rules/{rule_id}", headers=admin, json=stricter)).json()["version"] == 3
    mine = (await client.get(f"{N}/me/applications/{applied.json()['id']}", headers=learner)).json()
    assert (mine["rule_version"], mine["status"]) == (2, "submitted")

    # The centre decides under the version the application was made under, and issues the proof.
    queue = (await client.get(f"{N}/reviews", headers=centre)).json()["items"]
    assert applied.json()["id"] in [i["id"] for i in queue]
    approved = await client.post(f"{N}/reviews/{applied.json()['id']}/decision", headers=centre, json={
        "step": "conversion_review", "decision": "approve", "opinion": CONVERSION_OPINION})
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert (body["status"], body["rule_version"], body["target_achievement_id"]) == ("approved", 2, None)
    assert body["proof_code"]


GS = "/t/gansu/api/v1"


async def test_gansu_grade_and_skill_score_what_if_impact_an_edit_in_flight_reviewed_by_the_provincial_school(client):
    """Gansu runs on the national platform: the same walk, its own catalog, and the provincial
    school (省校学习成果认证中心) as the centre that reviews both the stored outcomes and the
    conversion; a branch school only guides. The rule takes an agricultural qualification — its
    等级 from the catalog (四级/中级工) and its typed 操作技能考核成绩 — together with the 甘肃省情
    course certificate, for 中药材栽培技术."""
    from tests.reviews.test_provinces_reviews import ouc_learner

    school = await staff_headers(client, "gansu", "GS", "tenant_admin", username="gs-rules-school")
    academic_office = await staff_headers(client, "gansu", "GS", "unit_admin", username="gs-rules-jiaowu")
    branch = await staff_headers(client, "gansu", "GS-LZ", "unit_admin", username="gs-rules-lz")
    learner = await ouc_learner(client, "gansu", school, "GS-LZ", "gansu-rules@example.com")
    farmer = await entry(client, "农艺工国家职业资格证书（四级）", tenant="gansu")
    province = await entry(client, "甘肃省情课程结业证书", tenant="gansu")
    target = await entry(client, "中药材栽培技术", "农业经济管理(2019秋)(专)", tenant="gansu")
    rule = await client.post(f"{GS}/rules", headers=school, json={
        "name": "农艺工与甘肃省情合转中药材栽培技术", "sources": [farmer["id"], province["id"]], "target": target["id"],
        "credits": 3, "conditions": {"thresholds": [
            {"entry": farmer["id"], "field": "等级", "op": "<=", "value": 4},
            {"entry": farmer["id"], "field": "操作技能考核成绩", "value": 75}]}})
    assert rule.status_code == 201, rule.text
    rule_id = rule.json()["id"]
    assert rule.json()["conditions"] == ["农艺工国家职业资格证书（四级）：等级 ≤ 4",
                                         "农艺工国家职业资格证书（四级）：操作技能考核成绩 ≥ 75"]

    held = await _store(client, "gansu", learner, academic_office, farmer, {
        "certificate_no": "GS-NY-2019-07", "obtained_on": "2019-07-01", "theory_score": "82", "skill_score": "70"})
    assert held["fields"]["grade"] == "四级/中级工"
    waiting = await _explain(client, "gansu", learner, held["id"], rule_id)
    assert "您的成果“农艺工国家职业资格证书（四级）”尚在审核中，审核通过后方可用于转换" in waiting["missing"]
    assert (await client.get(f"{GS}/reviews", headers=branch)).json()["items"] == []
    await _approve_store(client, "gansu", academic_office, held)
    explained = await _explain(client, "gansu", learner, held["id"], rule_id)
    assert explained["missing"] == ["还需：甘肃省情课程结业证书", "操作技能考核成绩须 ≥ 75，您的操作技能考核成绩为 70"]
    assert "等级 4，满足 ≤ 4" in explained["because"]

    relax = {"conditions": {"thresholds": [{"entry": farmer["id"], "field": "grade", "op": "<=", "value": 4},
                                           {"entry": farmer["id"], "field": "skill_score", "value": 60}]}}
    preview = (await client.post(f"{GS}/rules/impact", headers=school, json={"rule_id": rule_id, "patch": relax})).json()
    assert (preview["learners_gaining"], preview["pending"]) == (0, [])  # still short of the course certificate
    edited = await client.patch(f"{GS}/rules/{rule_id}", headers=school, json={**relax, "note": "技能考核 60 分即可"})
    assert edited.status_code == 200 and edited.json()["version"] == 2, edited.text

    what_if = (await client.post(f"{GS}/me/what-if", headers=learner, json={"catalog_entry_ids": [province["id"]]})).json()
    assert rule_id in [r["id"] for r in what_if["opens"]]
    course = await _store(client, "gansu", learner, academic_office, province, {
        "certificate_no": "GS-KC-2019-11", "obtained_on": "2019-12-20", "score": "88"})
    await _approve_store(client, "gansu", academic_office, course)
    assert (await _explain(client, "gansu", learner, held["id"], rule_id))["status"] == "applies"
    applied = await client.post(f"{GS}/me/applications", headers=learner, json={
        "kind": "conversion", "achievement_id": held["id"], "rule_id": rule_id})
    assert applied.status_code == 201, applied.text
    assert applied.json()["rule_version"] == 2

    stricter = {"conditions": {"thresholds": [{"entry": farmer["id"], "field": "grade", "op": "<=", "value": 3}]}}
    preview = (await client.post(f"{GS}/rules/impact", headers=school, json={"rule_id": rule_id, "patch": stricter})).json()
    assert [(p["application_id"], p["version"]) for p in preview["pending"]] == [(applied.json()["id"], 2)]
    assert (await client.patch(f"{GS}/rules/{rule_id}", headers=school, json=stricter)).json()["version"] == 3
    mine = (await client.get(f"{GS}/me/applications/{applied.json()['id']}", headers=learner)).json()
    assert (mine["rule_version"], mine["status"]) == (2, "submitted")

    assert (await client.get(f"{GS}/reviews", headers=branch)).json()["items"] == []  # the branch only guides
    queue = (await client.get(f"{GS}/reviews", headers=academic_office)).json()["items"]
    assert [i["id"] for i in queue] == [applied.json()["id"]]
    approved = await client.post(f"{GS}/reviews/{applied.json()['id']}/decision", headers=academic_office, json={
        "step": "conversion_review", "decision": "approve", "opinion": CONVERSION_OPINION})
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert (body["status"], body["rule_version"], body["target_achievement_id"]) == ("approved", 2, None)
    assert body["proof_code"]


async def test_national_ouc_a_score_written_as_a_grade_is_explained_not_called_missing(client):
    """The national taxonomy lets 成绩 be “百分制分数或等级，如 85、合格”: a 成绩 ≥ 60 threshold
    cannot read “合格” as a number, and the learner, who did fill it in, is told that (not
    that the score is missing)."""
    from tests.reviews.test_provinces_reviews import ouc_learner

    admin = await staff_headers(client, "national_ouc", "OUC", "tenant_admin", username="ouc-grade-admin")
    centre = await staff_headers(client, "national_ouc", "OUC-GS", "unit_admin", username="ouc-grade-gs")
    learner = await ouc_learner(client, "national_ouc", admin, "OUC-GS", "ouc-grade@example.com")
    certificate = await entry(client, "计算机应用基础课程结业证书", tenant="national_ouc")
    target = await entry(client, "计算机应用基础", "行政管理(2020春)(专)", tenant="national_ouc")
    rule = (await client.post(f"{N}/rules", headers=admin, json={
        "name": "计算机应用基础结业证书（60分以上）转计算机应用基础", "sources": [certificate["id"]], "target": target["id"],
        "credits": 4, "conditions": {"thresholds": [{"entry": certificate["id"], "field": "成绩", "value": 60}]}})).json()
    held = await _store(client, "national_ouc", learner, centre, certificate, {
        "certificate_no": "OUC-KC-2020-02", "obtained_on": "2020-01-10", "score": "合格"})
    await _approve_store(client, "national_ouc", centre, held)
    explained = await _explain(client, "national_ouc", learner, held["id"], rule["id"])
    assert explained["missing"] == ["成绩须 ≥ 60，您的成绩为“合格”，其中没有可比较的数值，无法判断是否满足"]
    refused = await client.post(f"{N}/me/applications", headers=learner, json={
        "kind": "conversion", "achievement_id": held["id"], "rule_id": rule["id"]})
    assert refused.status_code == 409 and "没有可比较的数值" in refused.json()["detail"]
