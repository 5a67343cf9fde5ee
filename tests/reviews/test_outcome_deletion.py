"""An outcome that an application or a proof rests on cannot be deleted (issue 16 item 6): the
review records and the proof would lose their source. Withdrawal is offered where the
application is still open."""

from __future__ import annotations

from core.achievements.tables import Achievement
from tests.accounts.helpers import staff_headers
from tests.achievements.test_achievements import guangdong_learner
from tests.certificates.helpers import add_from_catalog, gd_issued
from tests.reviews.test_guangdong_reviews import TP_OPINION, _performance

G = "/t/guangdong/api/v1"


async def test_an_outcome_listed_in_an_issued_proof_is_kept(client):
    learner = await guangdong_learner(client)
    decided, _ = await gd_issued(client, learner)
    course_id = decided["achievement_ids"][0]
    refused = await client.delete(f"{G}/me/achievements/{course_id}", headers=learner)
    assert refused.status_code == 409, refused.text
    assert "证明" in refused.json()["detail"] and "不能删除" in refused.json()["detail"]
    assert await Achievement.exists().where(Achievement.id == course_id)
    proof = (await client.get(f"{G}/me/proofs/{decided['proof_code']}", headers=learner))
    assert proof.status_code == 200


async def test_an_outcome_with_a_decided_application_is_kept(client):
    learner = await guangdong_learner(client)
    point = await staff_headers(client, "guangdong", "GD-GOU-TP02", "unit_admin", username="lin-biying")
    outcome = await _performance(client, learner)
    application = (await client.post(f"{G}/me/applications", headers=learner,
                                     json={"kind": "recognition", "achievement_id": outcome})).json()
    await client.post(f"{G}/reviews/{application['id']}/decision", headers=point,
                      json={"step": "recognition", "decision": "reject", "opinion": TP_OPINION.replace("同意", "不同意")})
    assert (await client.get(f"{G}/me/applications/{application['id']}", headers=learner)).json()["status"] == "rejected"
    refused = await client.delete(f"{G}/me/achievements/{outcome}", headers=learner)
    assert refused.status_code == 409 and "审核记录" in refused.json()["detail"], refused.text
    record = (await client.get(f"{G}/me/applications/{application['id']}", headers=learner)).json()
    assert record["achievement_name"] == "广东开放大学工作9年"


async def test_an_open_application_is_withdrawn_first_then_the_outcome_may_go(client):
    learner = await guangdong_learner(client)
    outcome = await _performance(client, learner)
    application = (await client.post(f"{G}/me/applications", headers=learner,
                                     json={"kind": "recognition", "achievement_id": outcome})).json()
    refused = await client.delete(f"{G}/me/achievements/{outcome}", headers=learner)
    assert refused.status_code == 409 and "撤回" in refused.json()["detail"], refused.text
    await client.post(f"{G}/me/applications/{application['id']}/withdraw", headers=learner)
    assert (await client.delete(f"{G}/me/achievements/{outcome}", headers=learner)).status_code == 204


async def test_an_outcome_asked_for_in_an_open_proof_request_is_kept(client):
    learner = await guangdong_learner(client)
    course = await add_from_catalog(client, "guangdong", learner, "公司概况")
    submitted = await client.post(f"{G}/me/applications", headers=learner,
                                  json={"kind": "certificate", "achievement_ids": [course["id"]]})
    assert submitted.status_code == 201
    refused = await client.delete(f"{G}/me/achievements/{course['id']}", headers=learner)
    assert refused.status_code == 409 and "撤回" in refused.json()["detail"], refused.text
