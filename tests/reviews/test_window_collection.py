"""Information collection at a Zhejiang service window (seed 004: 受理点 “负责身份认证、信息录入、
各级各类学习成果存入…申请”): staff of a unit enter a training record for a learner of their
subtree; it is marked as collected by that unit, the learner is told and may object; the
collecting unit's admins decide the objection."""

from __future__ import annotations

from core.achievements.tables import Achievement
from tests.accounts.helpers import staff_headers
from tests.certificates.helpers import zhejiang_learner

T = "/t/zhejiang/api/v1"


def phone_of(account: dict) -> str:  # as tests.certificates.helpers.zhejiang_learner makes it
    return "135" + "".join(c for c in account["id_number"] if c.isdigit())[-8:]
TRAINING = {"category": "social_training", "subtype": "social_training", "fields": {
    "training_name": "老年智能手机应用培训", "training_provider": "上城区社区学院", "training_category": "老年教育",
    "training_hours": "16", "start_date": "2024-03-04", "end_date": "2024-03-15", "acceptance_point": "ZJ-S01"}}


async def test_a_window_collects_for_its_learner_who_sees_it_and_may_dispute_it(client):
    learner, account = await zhejiang_learner(client, "ZJ-S01", "钱十")
    window = await staff_headers(client, "zhejiang", "ZJ-S01", "unit_admin", username="s01-window")
    other = await staff_headers(client, "zhejiang", "ZJ-S02", "unit_admin", username="s02-window")
    centre = await staff_headers(client, "zhejiang", "ZJ", "tenant_admin", username="zj-centre-collect")

    # Another sub-centre cannot reach this learner; bad fields are named.
    outside = await client.post(f"{T}/admin/learners/{account['id']}/achievements", headers=other, json=TRAINING)
    assert outside.status_code == 404 and "本单位及下级单位" in outside.json()["detail"]
    bad = await client.post(f"{T}/admin/learners/{account['id']}/achievements", headers=window,
                            json={**TRAINING, "fields": {**TRAINING["fields"], "training_hours": "十六"}})
    assert bad.status_code == 400 and bad.json()["extra"]["field"] == "training_hours"
    as_learner = await client.post(f"{T}/admin/learners/{account['id']}/achievements", headers=learner, json=TRAINING)
    assert as_learner.status_code == 403

    added = await client.post(f"{T}/admin/learners/{account['id']}/achievements", headers=window, json=TRAINING)
    assert added.status_code == 201, added.text
    outcome = added.json()
    assert outcome["collected_by"] == "浙江学分银行杭州市上城区分中心" and outcome["collected_by_code"] == "ZJ-S01"
    # Zhejiang sends what a window collected to recognition at once, routed through that window.
    assert outcome["status"] == "applied" and outcome["applications"][0]["kind"] == "recognition"
    row = await Achievement.select(Achievement.collected_by_unit_id, Achievement.collected_by_staff_id).where(
        Achievement.id == outcome["id"]).first()
    assert row["collected_by_unit_id"] and row["collected_by_staff_id"]
    again = await client.post(f"{T}/admin/learners/{account['id']}/achievements", headers=window, json=TRAINING)
    assert again.status_code == 409 and "重复" in again.json()["detail"]

    # The learner was told, and sees it marked as collected.
    log = (await client.get(f"{T}/admin/notifications", headers=centre,
                            params={"to": phone_of(account)})).json()["items"]
    assert any(m["event"] == "achievement.collected" and "老年智能手机应用培训" in m["body"] for m in log), log
    mine = (await client.get(f"{T}/me/achievements", headers=learner)).json()["items"]
    assert [(i["id"], i["collected_by"]) for i in mine] == [(outcome["id"], "浙江学分银行杭州市上城区分中心")]

    # A dispute goes to the collecting unit's admins, not to another unit's.
    empty = await client.post(f"{T}/me/achievements/{outcome['id']}/dispute", headers=learner, json={"grounds": " "})
    assert empty.status_code == 400 and empty.json()["extra"]["field"] == "grounds"
    dispute = await client.post(f"{T}/me/achievements/{outcome['id']}/dispute", headers=learner,
                                json={"grounds": "我没有参加过这次培训"})
    assert dispute.status_code == 201, dispute.text
    dispute = dispute.json()
    assert dispute["status"] == "pending" and dispute["unit_code"] == "ZJ-S01"
    twice = await client.post(f"{T}/me/achievements/{outcome['id']}/dispute", headers=learner, json={"grounds": "再次"})
    assert twice.status_code == 409
    assert (await client.get(f"{T}/admin/disputes", headers=other)).json()["items"] == []
    listed = (await client.get(f"{T}/admin/disputes", headers=window, params={"status": "pending"})).json()["items"]
    assert [d["id"] for d in listed] == [dispute["id"]] and listed[0]["learner_name"] == "钱**"
    foreign = await client.post(f"{T}/admin/disputes/{dispute['id']}/decision", headers=other,
                                json={"decision": "uphold", "opinion": "x"})
    assert foreign.status_code == 404
    decided = await client.post(f"{T}/admin/disputes/{dispute['id']}/decision", headers=window,
                                json={"decision": "uphold", "opinion": "经核实为录入错误，予以作废"})
    assert decided.status_code == 200 and decided.json()["status"] == "upheld", decided.text
    again = await client.post(f"{T}/admin/disputes/{dispute['id']}/decision", headers=window,
                              json={"decision": "dismiss", "opinion": "维持"})
    assert again.status_code == 409

    # Voided: its recognition withdrawn, the outcome 认定未通过, the learner told.
    one = (await client.get(f"{T}/me/achievements/{outcome['id']}", headers=learner)).json()
    assert one["status"] == "rejected" and one["dispute"]["status"] == "upheld"
    assert [a["status"] for a in one["applications"]] == ["withdrawn"]
    assert (await client.get(f"{T}/reviews", headers=window)).json()["items"] == []
    log = (await client.get(f"{T}/admin/notifications", headers=centre,
                            params={"to": phone_of(account)})).json()["items"]
    assert any(m["event"] == "dispute.decided" and "作废" in m["body"] for m in log)


async def test_an_outcome_the_learner_entered_cannot_be_disputed(client):
    learner, _ = await zhejiang_learner(client, "ZJ-S01", "孙一")
    own = (await client.post(f"{T}/me/achievements", headers=learner, json=TRAINING)).json()
    assert own["collected_by"] is None
    refused = await client.post(f"{T}/me/achievements/{own['id']}/dispute", headers=learner, json={"grounds": "x"})
    assert refused.status_code == 409


async def test_the_window_and_the_learner_in_the_portal(client):
    import httpx

    from tests.web.helpers import portal_login, submit, table_rows

    _, account = await zhejiang_learner(client, "ZJ-S01", "李六")
    await staff_headers(client, "zhejiang", "ZJ-S01", "unit_admin", username="s01-portal")
    base = str(client.base_url)
    async with httpx.AsyncClient(transport=client._transport, base_url=base) as staff, \
            httpx.AsyncClient(transport=client._transport, base_url=base) as learner:
        await portal_login(staff, "zhejiang", "s01-portal", "Staff-pass-2026")
        learner_page = await staff.get(f"/t/zhejiang/staff/learners/{account['id']}")
        assert 'id="collect-link"' in learner_page.text
        form_url = f"/t/zhejiang/staff/collect/{account['id']}?kind=social_training/social_training"
        form = await staff.get(form_url)
        assert form.status_code == 200 and "培训学时" in form.text
        fields = {**TRAINING["fields"], "kind": "social_training/social_training"}
        bad = await submit(staff, form_url, f"/t/zhejiang/staff/collect/{account['id']}",
                           {**fields, "training_hours": "很多"})
        assert bad.status_code == 400 and "培训学时" in bad.text
        done = await submit(staff, form_url, f"/t/zhejiang/staff/collect/{account['id']}", fields)
        assert done.status_code == 303, done.text

        await portal_login(learner, "zhejiang", account["id_number"], "Learner-2026")
        outcome = (await Achievement.select(Achievement.id).where(Achievement.learner_id == account["id"]).first())["id"]
        detail_url = f"/t/zhejiang/me/achievements/{outcome}"
        detail = await learner.get(detail_url)
        assert "由浙江学分银行杭州市上城区分中心采集录入" in detail.text
        disputed = await submit(learner, detail_url, f"{detail_url}/dispute", {"grounds": "学时有误，应为 8 学时"})
        assert disputed.status_code == 303, disputed.text

        listing = await staff.get("/t/zhejiang/staff/disputes")
        (row,) = table_rows(listing.text, "disputes")
        assert row[0] == "李**" and "学时有误" in row[3]
        dispute_id = (await client.get(f"{T}/admin/disputes", headers=await staff_headers(
            client, "zhejiang", "ZJ-S01", "unit_admin", username="s01-portal-api"))).json()["items"][0]["id"]
        decided = await submit(staff, "/t/zhejiang/staff/disputes", f"/t/zhejiang/staff/disputes/{dispute_id}",
                               {"decision": "dismiss", "opinion": "经核对签到表，学时无误"})
        assert decided.status_code == 303, decided.text
        assert "维持原录入" in (await learner.get(detail_url)).text
