"""Coded refusal reasons and appeals (申诉), Zhejiang: an acceptance point refuses a training
record with a reason, the learner appeals within the working days allowed, the sub-centre
above overturns, and the chain resumes at the refused step for another reviewer."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.clock import utcnow
from core.reviews.tables import Appeal, Application, ReviewRecord
from tests.accounts.helpers import staff_headers
from tests.certificates.helpers import zhejiang_learner

T = "/t/zhejiang/api/v1"
REFUSE = "受理点：杭州市上城区分中心 经办人：王丽 意见：不同意，原件未带"
AGREE = "受理点：杭州市上城区分中心 经办人：赵强 意见：同意"


@pytest.fixture
async def refused(client) -> dict:
    learner, account = await zhejiang_learner(client, "ZJ-S01")
    wang = await staff_headers(client, "zhejiang", "ZJ-S01", "unit_admin", username="wangli")
    zhao = await staff_headers(client, "zhejiang", "ZJ-S01", "unit_admin", username="zhaoqiang")
    hangzhou = await staff_headers(client, "zhejiang", "ZJ-B01", "unit_admin", username="hangzhou")
    training = (await client.post(f"{T}/me/achievements", headers=learner, json={
        "category": "social_training", "subtype": "social_training", "fields": {
            "training_name": "家政服务技能培训", "training_provider": "上城区社区学院", "training_category": "职工培训",
            "training_hours": "24", "start_date": "2020-04-01", "end_date": "2020-04-20",
            "acceptance_point": "ZJ-S01"}})).json()
    assert "id" in training, training
    application = (await client.post(f"{T}/me/applications", headers=learner,
                                     json={"kind": "recognition", "achievement_id": training["id"]})).json()
    assert application["steps"][0]["unit_code"] == "ZJ-S01", application
    # A refusal at a step with coded reasons must name one of them.
    bare = await client.post(f"{T}/reviews/{application['id']}/decision", headers=wang, json={
        "step": "acceptance_review", "decision": "reject", "opinion": REFUSE})
    assert bare.status_code == 400 and bare.json()["extra"]["field"] == "reason_code"
    assert "材料不齐全" in bare.json()["detail"]
    done = await client.post(f"{T}/reviews/{application['id']}/decision", headers=wang, json={
        "step": "acceptance_review", "decision": "reject", "opinion": REFUSE, "reason_code": "originals"})
    assert done.status_code == 200 and done.json()["status"] == "rejected"
    assert done.json()["records"][-1]["reason_label"] == "未提供纸质原件或原件与录入信息不一致"
    return {"learner": learner, "account": account, "application": application, "training": training, "wang": wang,
            "zhao": zhao, "hangzhou": hangzhou}


async def test_an_appeal_overturned_resumes_the_chain_for_another_reviewer(client, refused):
    learner, app_id = refused["learner"], refused["application"]["id"]
    mine = (await client.get(f"{T}/me/applications/{app_id}", headers=learner)).json()
    assert mine["appeal"] is None and mine["appeal_until"]
    empty = await client.post(f"{T}/me/applications/{app_id}/appeal", headers=learner, json={"grounds": "  "})
    assert empty.status_code == 400 and empty.json()["extra"] == {"field": "grounds"}
    appeal = await client.post(f"{T}/me/applications/{app_id}/appeal", headers=learner,
                               json={"grounds": "原件当日已带到受理点，请复核。"})
    assert appeal.status_code == 201, appeal.text
    appeal = appeal.json()
    assert appeal["status"] == "pending" and appeal["step"] == "acceptance_review"
    again = await client.post(f"{T}/me/applications/{app_id}/appeal", headers=learner, json={"grounds": "再次申诉"})
    assert again.status_code == 409
    pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
    file = await client.post(f"{T}/me/appeals/{appeal['id']}/files", headers=learner,
                             files={"file": ("原件照片.pdf", pdf, "application/pdf")})
    assert file.status_code == 201, file.text

    # The sub-centre's parent (the 杭州 branch) decides it; the refusing unit does not.
    assert (await client.get(f"{T}/reviews/appeals", headers=refused["zhao"])).json() == []
    queue = (await client.get(f"{T}/reviews/appeals", headers=refused["hangzhou"])).json()
    assert [a["id"] for a in queue] == [appeal["id"]] and queue[0]["files"][0]["filename"] == "原件照片.pdf"
    opened = await client.get(f"{T}/reviews/appeals/{appeal['id']}/files/{file.json()['id']}", headers=refused["hangzhou"])
    assert opened.status_code in (200, 307) and (opened.status_code == 307 or opened.content.startswith(b"%PDF"))
    refused_by_other = await client.post(f"{T}/reviews/appeals/{appeal['id']}/decision", headers=refused["zhao"],
                                         json={"decision": "overturn", "opinion": "改判"})
    assert refused_by_other.status_code == 404
    decided = await client.post(f"{T}/reviews/appeals/{appeal['id']}/decision", headers=refused["hangzhou"],
                                json={"decision": "overturn", "opinion": "经核实原件已提交，改判重新审核。"})
    assert decided.status_code == 200 and decided.json()["status"] == "overturned", decided.text
    twice = await client.post(f"{T}/reviews/appeals/{appeal['id']}/decision", headers=refused["hangzhou"],
                              json={"decision": "uphold", "opinion": "维持"})
    assert twice.status_code == 409

    after = (await client.get(f"{T}/me/applications/{app_id}", headers=learner)).json()
    assert after["status"] == "submitted" and after["current_step"] == "acceptance_review"
    assert after["appeal"]["status"] == "overturned" and after["step_due_at"]
    assert (await client.get(f"{T}/me/achievements/{refused['training']['id']}", headers=learner)).json()[
        "status"] == "applied"
    # The reviewer who refused may not decide the step again; a colleague does.
    same = await client.post(f"{T}/reviews/{app_id}/decision", headers=refused["wang"], json={
        "step": "acceptance_review", "decision": "approve", "opinion": AGREE})
    assert same.status_code == 403
    other = await client.post(f"{T}/reviews/{app_id}/decision", headers=refused["zhao"], json={
        "step": "acceptance_review", "decision": "approve", "opinion": AGREE})
    assert other.status_code == 200 and other.json()["current_step"] == "re_review", other.text
    decisions = [r["decision"] for r in other.json()["records"]]
    assert decisions == ["submit", "reject", "reopen", "approve"]
    log = (await client.get(f"{T}/admin/notifications", params={"event": "appeal.decided"},
                            headers=await staff_headers(client, "zhejiang", "ZJ", "tenant_admin",
                                                        username="zj-centre-appeal"))).json()["items"]
    assert len(log) == 1 and "已改判" in log[0]["body"]
    # The unit's workload counts the refusal by its reason, appealed and overturned.
    report = (await client.get(f"{T}/admin/reports/workload", params={"unit": "ZJ-B01"},
                               headers=refused["hangzhou"])).json()
    row = next(r for r in report["by_unit"] if r["unit"]["code"] == "ZJ-S01" and r["step"] == "acceptance_review")
    assert (row["rejected"], row["appealed"], row["overturned"]) == (1, 1, 1)
    assert row["reasons"] == {"未提供纸质原件或原件与录入信息不一致": 1}


async def test_an_upheld_appeal_and_the_deadline(client, refused):
    learner, app_id = refused["learner"], refused["application"]["id"]
    appeal = (await client.post(f"{T}/me/applications/{app_id}/appeal", headers=learner,
                                json={"grounds": "请复核"})).json()
    upheld = await client.post(f"{T}/reviews/appeals/{appeal['id']}/decision", headers=refused["hangzhou"],
                               json={"decision": "uphold", "opinion": "原件确未提交，维持原结果。"})
    assert upheld.status_code == 200 and upheld.json()["status"] == "upheld"
    assert (await client.get(f"{T}/me/applications/{app_id}", headers=learner)).json()["status"] == "rejected"
    decided = (await client.get(f"{T}/reviews/appeals", params={"status": "decided"}, headers=refused["hangzhou"])).json()
    assert [a["id"] for a in decided] == [appeal["id"]]


async def test_an_appeal_after_its_deadline_or_on_an_approved_item_is_refused(client, refused):
    learner, app_id = refused["learner"], refused["application"]["id"]
    await ReviewRecord.update({ReviewRecord.created_at: utcnow() - timedelta(days=40)}).where(
        ReviewRecord.application_id == app_id, ReviewRecord.decision == "reject")
    late = await client.post(f"{T}/me/applications/{app_id}/appeal", headers=learner, json={"grounds": "请复核"})
    assert late.status_code == 409 and "申诉期限已过" in late.json()["detail"]
    assert (await client.get(f"{T}/me/applications/{app_id}", headers=learner)).json()["appeal_until"] is None
    await Application.update({Application.status: "approved"}).where(Application.id == app_id)
    approved = await client.post(f"{T}/me/applications/{app_id}/appeal", headers=learner, json={"grounds": "x"})
    assert approved.status_code == 409 and "未通过" in approved.json()["detail"]
    other, _ = await zhejiang_learner(client, "ZJ-S01", real_name="吴十")
    assert (await client.post(f"{T}/me/applications/{app_id}/appeal", headers=other,
                              json={"grounds": "x"})).status_code == 404


async def test_the_appeal_pages_for_the_learner_and_the_appeal_reviewer(client, refused):
    import httpx

    from tests.web.helpers import form_error, portal_login, submit, table_rows

    app_id = refused["application"]["id"]
    page_url = f"/t/zhejiang/me/applications/{app_id}"
    async with httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url)) as portal:
        await portal_login(portal, "zhejiang", refused["account"]["id_number"], "Learner-2026")
        page = await portal.get(page_url)
        assert 'id="appeal-form"' in page.text and "前提出申诉" in page.text
        bad = await submit(portal, page_url, f"{page_url}/appeal", {"grounds": "请复核"},
                           files={"file": ("x.exe", b"MZ\x90\x00", "application/octet-stream")})
        assert bad.status_code == 415 and 'id="appeal-form"' in bad.text  # not a PDF or image
        assert "请复核" in bad.text  # the grounds typed are kept
        assert (await Application.select(Application.status).where(Application.id == app_id).first())["status"] == "rejected"
        assert await Appeal.count() == 0  # a refused file keeps no appeal
        done = await submit(portal, page_url, f"{page_url}/appeal", {"grounds": "原件当日已带到受理点，请复核。"},
                            files={"file": ("原件.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")})
        assert done.status_code in (200, 303), done.text
        shown = await portal.get(page_url)
        assert 'id="appeal"' in shown.text and "待处理" in shown.text and 'id="appeal-form"' not in shown.text

    async with httpx.AsyncClient(transport=client._transport, base_url=str(client.base_url)) as portal:
        await portal_login(portal, "zhejiang", "hangzhou", "Staff-pass-2026")
        listing = await portal.get("/t/zhejiang/staff/reviews/appeals")
        (row,) = table_rows(listing.text, "appeal-list")
        assert row[0] == "周九" and row[2]
        appeal_id = (await client.get(f"{T}/reviews/appeals", headers=refused["hangzhou"])).json()[0]["id"]
        detail_url = f"/t/zhejiang/staff/reviews/appeals/{appeal_id}"
        detail = await portal.get(detail_url)
        assert "原件.pdf" in detail.text and 'id="appeal-decision"' in detail.text
        missing = await submit(portal, detail_url, f"{detail_url}/decision", {"opinion": "改判"})
        assert missing.status_code == 400 and "请选择" in (form_error(missing.text) or missing.text)
        decided = await submit(portal, detail_url, f"{detail_url}/decision",
                               {"decision": "overturn", "opinion": "经核实原件已提交，改判重新审核。"})
        assert decided.status_code in (200, 303)
    assert (await Application.select(Application.status).where(Application.id == app_id).first())["status"] == "submitted"
