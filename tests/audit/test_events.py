"""Issue 19, item 1 (groundwork): the state changes of the review flow are audit events,
written in their transactions — outcomes stored and deleted, applications submitted, decided
and withdrawn, proofs issued and revoked — each with its actor, target row and result."""

from __future__ import annotations

from core.accounts.tables import AuditEntry
from tests.achievements.test_achievements import guangdong_learner
from tests.audit.helpers import cli
from tests.certificates.helpers import add_from_catalog, apply_for_proof, gd_issued

G = "/t/guangdong/api/v1"


async def events(tenant_id: int) -> list[dict]:
    return await AuditEntry.select().where(AuditEntry.tenant_id == tenant_id).order_by(AuditEntry.chain_seq)


async def test_the_review_flow_leaves_a_chained_trail(client, app, settings):
    gd = (await app.state.tenants.get("guangdong")).id
    learner = await guangdong_learner(client)
    decided, centre = await gd_issued(client, learner)
    revoked = await client.post(f"{G}/admin/proofs/{decided['proof_code']}/revoke", headers=centre,
                                json={"reason": "学习者申请作废"})
    assert revoked.status_code == 200, revoked.text
    spare = await add_from_catalog(client, "guangdong", learner, "公司概况")
    withdrawn_app = await apply_for_proof(client, "guangdong", learner, [spare["id"]])
    assert (await client.post(f"{G}/me/applications/{withdrawn_app['id']}/withdraw", headers=learner)).status_code == 200
    other = await add_from_catalog(client, "guangdong", learner, "公司概况")
    assert (await client.delete(f"{G}/me/achievements/{other['id']}", headers=learner)).status_code == 204

    trail = await events(gd)
    actions = [e["action"] for e in trail]
    for action in ("achievement.store", "application.submit", "application.decided", "proof.issue", "proof.revoke",
                   "application.withdraw", "achievement.delete"):
        assert action in actions, (action, actions)
    # Written by the trail's subscriber to the domain events (core.events), in their transactions.
    decide = next(e for e in trail if e["action"] == "application.decided")
    assert (decide["actor_kind"], decide["actor_role"], decide["target"]) == (
        "staff", "tenant_admin", f"application:{decided['id']}")
    assert '"result":"approve"' in decide["changes"] and '"final":true' in decide["changes"]
    assert decide["result"] == "done"
    submit = next(e for e in trail if e["action"] == "application.submit")
    assert submit["actor_kind"] == "learner" and submit["target_table"] == "application"
    flow = [e for e in trail if e["action"].startswith(("achievement.", "application.", "proof."))]
    assert submit["client"] and {e["client"] for e in flow} == {submit["client"]}  # from the request (middleware)
    issued = next(e for e in trail if e["action"] == "proof.issue")
    assert issued["actor_kind"] == "staff" and issued["target"] == "proof"  # the event names the proof by its code
    assert f'"application_id":{decided["id"]}' in issued["changes"]
    assert decided["proof_code"] not in str(trail)  # the proof's verification code is not in the log
    assert '"proof_code":"***"' in issued["changes"] and '"verify_url":"***"' in issued["changes"]
    revoke = next(e for e in trail if e["action"] == "proof.revoke")
    assert revoke["detail"] == "学习者申请作废" and revoke["target_table"] == "proof" and revoke["target_id"]
    stored = next(e for e in trail if e["action"] == "achievement.store")
    assert stored["actor_kind"] == "learner" and '"status":"catalog"' in stored["changes"]
    result = await cli(settings, "audit", "verify", "--tenant", "guangdong")
    assert result.exit_code == 0, result.output
