"""Issue 17, done when: a Zhejiang acceptance point imports a batch of training records, its
sub-centre re-reviews them, one refusal is appealed and overturned, the overdue digest and
escalation fire on a simulated clock, and the report counts the outcomes by the collecting
unit beside the learners' own."""

from __future__ import annotations

from datetime import datetime, timedelta

from core.accounts.tables import Account
from core.clock import utcnow
from core.reviews import reminders
from tests.accounts.helpers import run_import, staff_headers
from tests.certificates.helpers import zhejiang_learner

T = "/t/zhejiang/api/v1"
POINT = "义乌市稠城街道社区学校受理点"
HEADER = "证件号码,成果大类,培训名称,培训单位,培训类别,培训学时,培训开始日期,培训结束日期,采集受理点\n"


def line(id_number: str, training: str) -> str:
    return f"{id_number},社会培训成果,{training},稠城街道社区学校,社区教育,12,2024-09-02,2024-09-13,ZJ-S57-A01\n"


async def decide(client, headers: dict, application: dict, decision: str, **extra) -> dict:
    step = next(s for s in application["steps"] if s["name"] == application["current_step"])
    opinion = step["opinion_example"]
    if decision == "reject":
        opinion = opinion.replace("意见：同意", "意见：不同意，培训学时与签到记录不符")
    done = await client.post(f"{T}/reviews/{application['id']}/decision", headers=headers, json={
        "step": step["name"], "decision": decision, "opinion": opinion, **extra})
    assert done.status_code == 200, done.text
    return done.json()


async def test_an_acceptance_point_collects_a_batch_through_review_appeal_reminders_and_report(client):
    centre = await staff_headers(client, "zhejiang", "ZJ", "tenant_admin", username="zj-centre-scenario")
    sub_centre = await staff_headers(client, "zhejiang", "ZJ-S57", "unit_admin", username="yiwu-1")
    second = await staff_headers(client, "zhejiang", "ZJ-S57", "unit_admin", username="yiwu-2")
    branch = await staff_headers(client, "zhejiang", "ZJ-B07", "unit_admin", username="jinhua")
    created = await client.post(f"{T}/org/units", headers=sub_centre, json={
        "code": "ZJ-S57-A01", "level": "acceptance_point", "name": POINT, "parent_code": "ZJ-S57"})
    assert created.status_code == 201, created.text
    point = await staff_headers(client, "zhejiang", "ZJ-S57-A01", "unit_admin", username="chengzhou-window")

    learners = [await zhejiang_learner(client, "ZJ-S57-A01", name) for name in ("甲一", "乙二", "丙三", "丁四")]
    stranger = await zhejiang_learner(client, "ZJ-S01", "戊五")
    trainings = ["社区茶艺培训", "家庭急救培训", "智能手机应用培训", "书法入门培训"]
    content = HEADER + "".join(line(acc["id_number"], t) for (_, acc), t in zip(learners, trainings))
    content += line(stranger[1]["id_number"], "越界培训")

    # 1. The acceptance point imports the batch: four collected, the stranger refused by row.
    job = await run_import(client, "zhejiang", "achievements", content.encode(), point)
    assert (job["status"], job["created"], job["failed"]) == ("done", 4, 1), job
    assert job["errors"][0]["row"] == 6 and f"不属于{POINT}及其下级单位" in job["errors"][0]["message"]
    mine = (await client.get(f"{T}/me/achievements", headers=learners[0][0])).json()["items"]
    assert mine[0]["collected_by"] == POINT and mine[0]["status"] == "applied"

    # 2. The point takes its three (the fourth waits), then the sub-centre re-reviews: two
    #    approved, one refused.
    queue = (await client.get(f"{T}/reviews", headers=point)).json()["items"]
    assert len(queue) == 4
    by_learner = {}
    for item in queue:
        application = (await client.get(f"{T}/reviews/{item['id']}", headers=point)).json()["application"]
        by_learner[application["achievement_id"]] = application
    ordered = [by_learner[next(a["id"] for a in (await client.get(f"{T}/me/achievements", headers=h)).json()["items"])]
               for h, _ in learners]
    for application in ordered[:3]:
        await decide(client, point, application, "approve")
    re_review = (await client.get(f"{T}/reviews", headers=sub_centre)).json()["items"]
    assert sorted(i["id"] for i in re_review) == sorted(a["id"] for a in ordered[:3])
    fresh = [(await client.get(f"{T}/reviews/{a['id']}", headers=sub_centre)).json()["application"] for a in ordered[:3]]
    assert (await decide(client, sub_centre, fresh[0], "approve"))["status"] == "approved"
    assert (await decide(client, sub_centre, fresh[1], "approve"))["status"] == "approved"
    refused = await decide(client, sub_centre, fresh[2], "reject")
    assert refused["status"] == "rejected"

    # 3. The learner appeals; the branch above the sub-centre overturns; the chain resumes at
    #    the re-review, decided by another reviewer of the sub-centre.
    learner3 = learners[2][0]
    appeal = await client.post(f"{T}/me/applications/{refused['id']}/appeal", headers=learner3,
                               json={"grounds": "签到记录在受理点留存，请复核。"})
    assert appeal.status_code == 201, appeal.text
    overturned = await client.post(f"{T}/reviews/appeals/{appeal.json()['id']}/decision", headers=branch,
                                   json={"decision": "overturn", "opinion": "经核实签到记录齐全，改判重新复审。"})
    assert overturned.status_code == 200 and overturned.json()["status"] == "overturned", overturned.text
    resumed = (await client.get(f"{T}/reviews/{refused['id']}", headers=second)).json()["application"]
    assert resumed["status"] == "in_review" and resumed["current_step"] == "re_review"
    assert (await decide(client, second, resumed, "approve"))["status"] == "approved"

    # 4. A simulated clock: the fourth record, untouched at the point, comes due (digest) and
    #    then runs late past the province's threshold (escalated to the sub-centre).
    tenant = await client._transport.app.state.tenants.get("zhejiang")
    for username, phone in (("chengzhou-window", "13600000071"), ("yiwu-1", "13600000072")):  # where digests go
        await Account.update({Account.phone: phone}).where(Account.tenant_id == tenant.id, Account.username == username)
    due = ordered[3]["step_due_at"]
    assert due
    due_at = datetime.fromisoformat(due)
    soon = await reminders.run(tenant, due_at - timedelta(hours=20), "http://testserver.local")
    assert soon.digests >= 1
    digest = (await client.get(f"{T}/admin/notifications", params={"to": "13600000071"}, headers=centre)).json()["items"]
    assert [m["event"] for m in digest] == ["review.digest"]
    late = await reminders.run(tenant, due_at + timedelta(days=14), "http://testserver.local")
    assert late.escalated == 1
    escalated = (await client.get(f"{T}/reviews", params={"status": "escalated"}, headers=sub_centre)).json()["items"]
    assert [i["id"] for i in escalated] == [ordered[3]["id"]]
    log = (await client.get(f"{T}/admin/notifications", params={"event": "review.escalated"},
                            headers=centre)).json()["items"]
    assert log and POINT in log[0]["body"]
    assert utcnow() < due_at  # the run was on the simulated clock, not the real one

    # 5. The report counts by collecting unit beside the learners' own: at the sub-centre the
    #    point's row has the four it collected, three recognized; at the branch the sub-centre's
    #    row sums them up (按所属县、市级统一汇总).
    at_sub = (await client.get(f"{T}/admin/reports/units", params={"unit": "ZJ-S57"}, headers=centre)).json()
    row = next(r for r in at_sub["rows"] if r["code"] == "ZJ-S57-A01")
    assert (row["collected"], row["collected_recognized"], row["achievements"]) == (4, 3, 4)
    assert row["collected_categories"]["social_training"] == 4
    at_branch = (await client.get(f"{T}/admin/reports/units", params={"unit": "ZJ-B07"}, headers=centre)).json()
    row = next(r for r in at_branch["rows"] if r["code"] == "ZJ-S57")
    assert (row["collected"], row["collected_recognized"]) == (4, 3)
    exported = await client.get(f"{T}/admin/reports/units", params={"unit": "ZJ-B07", "format": "csv"}, headers=centre)
    assert "本单位采集成果" in exported.content.decode("utf-8-sig")
