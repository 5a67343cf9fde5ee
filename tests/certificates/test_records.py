"""我的学习档案 and 跨省学分互认: a Zhejiang learner's record, exported as a signed CLR 2.0 file,
imported into Guangdong by the same person's Guangdong account and used in a Guangdong
conversion end to end (application → initial review → final review → target outcome)."""

from __future__ import annotations

from core.certificates.record_tables import ExternalOutcome
from tests.accounts.helpers import make_id, staff_headers
from tests.certificates.records import CET, EXAM_CENTRE, guangdong_account, platform, trust, zhejiang_cet
from tests.reviews.test_guangdong_reviews import COMMITTEE_OPINION, TP_OPINION

G = "/t/guangdong/api/v1"
Z = "/t/zhejiang/api/v1"


async def test_a_zhejiang_record_imported_into_guangdong_is_converted_end_to_end(client):
    zj, account, cet = await zhejiang_cet(client)
    response = await client.get(f"{Z}/me/record", headers=zj)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    assert "attachment" in response.headers["content-disposition"]
    record = response.json()
    assert record["type"] == ["VerifiableCredential", "ClrCredential"]
    assert record["issuer"]["id"] == "did:web:testserver.local:t:zhejiang"
    inner = record["credentialSubject"]["verifiableCredential"]
    assert [c["name"] for c in inner] == [CET]
    assert all(len(c["proof"]) == 2 and c["credentialStatus"]["type"] == "BitstringStatusListEntry" for c in inner)
    assert account["id_number"] not in response.text  # never the ID number in clear
    hashed = [i for i in inner[0]["credentialSubject"]["identifier"] if i["hashed"]]
    assert hashed and hashed[0]["identityHash"].startswith("sha256$") and hashed[0]["salt"]

    gd = await guangdong_account(client, account["id_number"])
    refused = await client.post(f"{G}/me/imports/record", headers=gd, json=record)
    assert refused.status_code == 422, refused.text
    assert "信任名单" in refused.json()["detail"]

    national = await platform(client)
    entry = await trust(client, national, "guangdong", "zhejiang")
    assert entry["issuer_did"] == "did:web:testserver.local:t:zhejiang" and entry["kind"] == "tenant"

    imported = await client.post(f"{G}/me/imports/record", headers=gd, json=record)
    assert imported.status_code == 201, imported.text
    body = imported.json()
    assert [(i["name"], i["already"]) for i in body["imported"]] == [(CET, False)]
    assert all(v["ok"] for v in body["credentials"]) and "已导入 1 项成果" in body["message"]
    achievement_id = body["imported"][0]["achievement_id"]
    row = await ExternalOutcome.select().where(ExternalOutcome.achievement_id == achievement_id).first()
    assert row["issuer_did"] == record["issuer"]["id"] and row["credential_id"] == inner[0]["id"]
    assert row["proof_value"] == inner[0]["proof"][1]["proofValue"] and row["source_tenant_id"]

    again = await client.post(f"{G}/me/imports/record", headers=gd, json=record)
    assert again.status_code == 201 and [i["already"] for i in again.json()["imported"]] == [True]
    fresh = (await client.get(f"{Z}/me/record", headers=zj)).json()  # a new export of the same outcome
    assert [i["already"] for i in (await client.post(f"{G}/me/imports/record", headers=gd, json=fresh)).json()["imported"]] == [True]

    outcome = (await client.get(f"{G}/me/achievements/{achievement_id}", headers=gd)).json()
    assert (outcome["name"], outcome["institution"], outcome["status"], outcome["source"]) == (
        CET, EXAM_CENTRE, "recognized", "external")
    assert outcome["catalog_entry_id"]  # Guangdong's own catalog entry of the same certificate

    rules = (await client.get(f"{G}/me/achievements/{achievement_id}/rules", headers=gd)).json()
    rule = next(r for r in rules if r["name"] == "CET 4 及以上证书转2018秋法学专业学位外语")
    application = await client.post(f"{G}/me/applications", headers=gd, json={
        "kind": "conversion", "achievement_id": achievement_id, "rule_id": rule["id"]})
    assert application.status_code == 201, application.text
    application = application.json()
    point = await staff_headers(client, "guangdong", "GD-GOU-TP02", "unit_admin", username="lin-biying")
    committee = await staff_headers(client, "guangdong", "GD", "committee", username="ming-yaoxing")
    initial = await client.post(f"{G}/reviews/{application['id']}/decision", headers=point,
                                json={"step": "initial", "decision": "approve", "opinion": TP_OPINION})
    assert initial.status_code == 200 and initial.json()["current_step"] == "final", initial.text
    final = await client.post(f"{G}/reviews/{application['id']}/decision", headers=committee,
                              json={"step": "final", "decision": "approve", "opinion": COMMITTEE_OPINION})
    assert final.status_code == 200 and final.json()["status"] == "approved", final.text
    target = (await client.get(f"{G}/me/achievements/{final.json()['target_achievement_id']}", headers=gd)).json()
    assert (target["name"], target["source"], target["institution"]) == ("学位外语", "converted", "广东开放大学")
    still = (await client.get(f"{Z}/me/achievements/{cet['id']}", headers=zj)).json()
    assert still["status"] == "catalog"  # the Zhejiang outcome stays where it was


async def test_the_same_record_imported_twice_at_once_makes_one_outcome(client):
    import asyncio

    zj, account, _ = await zhejiang_cet(client)
    record = (await client.get(f"{Z}/me/record", headers=zj)).json()
    gd = await guangdong_account(client, account["id_number"])
    await trust(client, await platform(client), "guangdong", "zhejiang")
    both = await asyncio.gather(*(client.post(f"{G}/me/imports/record", headers=gd, json=record) for _ in range(2)))
    assert sorted(r.status_code for r in both) in ([201, 201], [201, 409]), [r.text for r in both]
    assert await ExternalOutcome.count() == 1
    listed = (await client.get(f"{G}/me/achievements", headers=gd)).json()["items"]
    assert [a["source"] for a in listed] == ["external"]


async def test_a_record_needs_a_recognised_outcome_and_a_learner(client):
    gd = await guangdong_account(client, make_id("440106", "19800101"))
    empty = await client.get(f"{G}/me/record", headers=gd)
    assert empty.status_code == 409 and "还没有已认定的学习成果" in empty.json()["detail"]
    staff = await staff_headers(client, "guangdong", "GD", "tenant_admin", username="gd-record-staff")
    assert (await client.get(f"{G}/me/record", headers=staff)).status_code == 403
    assert (await client.get(f"{G}/me/record")).status_code == 401


async def test_the_record_is_signed_with_the_tenants_current_key_and_still_imports_after_rotation(client):
    zj, account, _ = await zhejiang_cet(client)
    before = (await client.get(f"{Z}/me/record", headers=zj)).json()
    admin = await staff_headers(client, "zhejiang", "ZJ", "tenant_admin", username="zj-rotator")
    rotated = await client.post(f"{Z}/admin/proof-keys/rotate", headers=admin)
    assert rotated.status_code == 201, rotated.text
    after = (await client.get(f"{Z}/me/record", headers=zj)).json()
    methods = {p["verificationMethod"] for p in after["proof"]}
    methods |= {p["verificationMethod"] for c in after["credentialSubject"]["verifiableCredential"] for p in c["proof"]}
    assert methods == {rotated.json()["id"]}
    assert before["proof"][0]["verificationMethod"] != rotated.json()["id"]
    gd = await guangdong_account(client, account["id_number"])
    await trust(client, await platform(client), "guangdong", "zhejiang")
    # signed before the rotation by the key now retired: still verifies, and imports
    imported = await client.post(f"{G}/me/imports/record", headers=gd, json=before)
    assert imported.status_code == 201, imported.text
