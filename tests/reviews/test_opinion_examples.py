"""The opinion-format example a reviewer is shown names their own unit and the decision they
are making, and a decision form's errors come back together (issue 16 item 13)."""

from __future__ import annotations

from tests.accounts.helpers import STAFF_PASSWORD, staff_headers
from tests.achievements.test_achievements import catalog_entry, guangdong_learner
from tests.reviews.test_guangdong_reviews import _performance
from tests.reviews.test_provinces_reviews import TYPED, fields_for, ouc_learner
from tests.web.helpers import field_error, portal_login, submit

G = "/t/guangdong/api/v1"


async def _at_the_main_teaching_point(client) -> tuple[dict, dict]:
    learner = await guangdong_learner(client)
    point = await staff_headers(client, "guangdong", "GD-GOU-TP01", "unit_admin", username="tp01")
    application = (await client.post(f"{G}/me/applications", headers=learner, json={
        "kind": "recognition", "achievement_id": await _performance(client, learner), "unit_code": "GD-GOU-TP01"})).json()
    assert application["steps"][0]["unit_code"] == "GD-GOU-TP01", application
    return application, point


async def test_the_example_names_the_reviewers_own_unit_and_decision(client):
    application, point = await _at_the_main_teaching_point(client)
    refused = await client.post(f"{G}/reviews/{application['id']}/decision", headers=point,
                                json={"step": "recognition", "decision": "reject", "opinion": "不同意"})
    assert refused.status_code == 400
    detail = refused.json()["detail"]
    assert "教学点：广东开放大学本部教学点 审核人：GD-GOU-TP01管理员 意见：不同意" in detail, detail
    assert "广东理工职业学院" not in detail


async def test_a_gansu_approval_is_corrected_with_an_agreeing_example(client):
    school = await staff_headers(client, "gansu", "GS", "tenant_admin", username="gs-school")
    office = await staff_headers(client, "gansu", "GS", "unit_admin", username="gs-jiaowu")
    learner = await ouc_learner(client, "gansu", school, "GS-LZ", "gansu@example.com")
    entry = await catalog_entry(client, "gansu", "", category="academic")
    await client.post("/t/gansu/api/v1/me/achievements", headers=learner, json={
        "category": entry["category"], "subtype": entry["subtype"], "catalog_entry_id": entry["id"],
        "fields": await fields_for(client, "gansu", entry["subtype"], TYPED)})
    item = (await client.get("/t/gansu/api/v1/reviews", headers=office)).json()["items"][0]
    refused = await client.post(f"/t/gansu/api/v1/reviews/{item['id']}/decision", headers=office,
                                json={"step": "store_review", "decision": "approve", "opinion": "同意"})
    assert refused.status_code == 400
    detail = refused.json()["detail"]
    assert "应为：审核意见：同意" in detail and "不同意" not in detail, detail


async def test_every_error_of_the_decision_form_at_once(client):
    application, _ = await _at_the_main_teaching_point(client)
    await portal_login(client, "guangdong", "tp01", STAFF_PASSWORD)
    page_url = f"/t/guangdong/staff/reviews/{application['id']}"
    shown = await submit(client, page_url, f"{page_url}/decision", {"step": "recognition", "opinion": "好"})
    assert shown.status_code == 400
    assert field_error(shown.text, "decision") == "请选择“同意”或“不同意”"
    assert "教学点：广东开放大学本部教学点" in (field_error(shown.text, "opinion") or ""), shown.text[-3000:]
