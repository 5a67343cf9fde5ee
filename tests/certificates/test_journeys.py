"""A learner asks for a learning-outcome proof (学习成果认证证明, seed 001 Q4; 学习成果证明开具申请,
seed 004 二.2), the province's reviewers decide each step, the proof is issued with the final
decision — and it verifies, as JSON and as a PDF whose QR code leads to the verification."""

from __future__ import annotations

import re

from core.certificates.tables import Proof
from tests.accounts.helpers import staff_headers
from tests.achievements.test_achievements import guangdong_learner
from tests.certificates.helpers import (
    OPINIONS,
    ZJ_ACCEPT,
    ZJ_REVIEW,
    add_from_catalog,
    api,
    apply_for_proof,
    decide,
    read_pdf,
    spec_verify,
    store_reviewed,
    zhejiang_learner,
)
from tests.reviews.test_guangdong_reviews import COMMITTEE_OPINION, TP_OPINION
from tests.reviews.test_provinces_reviews import STORE_OPINION, TYPED, fields_for, ouc_learner

MASKED = re.compile(r"^\d{4}\*{10}[\dX]{4}$")


async def check_proof(client, tenant: str, learner: dict, code: str, *, holder: str, unit: str,
                      outcomes: list[str]) -> dict:
    """Everything a proof must be, seen from the learner, the public and a PDF reader; returns
    the credential."""
    T = api(tenant)
    tenant_name = (await client.get(f"{T}/meta")).json()["name"]
    mine = (await client.get(f"{T}/me/proofs", headers=learner)).json()["items"]
    assert code in [p["code"] for p in mine]
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}", code)

    verdict = (await client.get(f"{T}/verify/{code}")).json()
    assert (verdict["valid"], verdict["signature_valid"], verdict["status"], verdict["problem"]) == (True, True, "issued", None)
    assert verdict["holder"]["name"] == holder and MASKED.match(verdict["holder"]["id_number_masked"])
    assert [a["name"] for a in verdict["achievements"]] == outcomes
    assert verdict["issuer"]["name"] == tenant_name and verdict["issuer"]["unit"] == unit
    assert "有效" in verdict["message"]
    assert (await client.get(f"{T}/verify/{code.lower().replace('-', '')}")).json()["code"] == code  # as typed

    response = await client.get(f"{T}/me/proofs/{code}", headers=learner)
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/json")
    document = response.json()
    assert document["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert document["type"] == ["VerifiableCredential", "ClrCredential"]
    assert document["issuer"]["name"] == tenant_name and document["validFrom"].endswith("Z")
    assert document["issuer"]["id"] == f"did:web:testserver.local:t:{tenant}"  # the test client's host
    subject = document["credentialSubject"]
    assert subject["type"] == ["ClrSubject"] and subject["idNumberMasked"] == verdict["holder"]["id_number_masked"]
    assert [a["name"] for a in subject["achievement"][1:]] == outcomes
    assert [c["name"] for c in subject["verifiableCredential"]] == outcomes
    assert all("AchievementCredential" in c["type"] and len(c["proof"]) == 2 for c in subject["verifiableCredential"])
    status = document["credentialStatus"]
    assert (status["type"], status["statusPurpose"]) == ("BitstringStatusListEntry", "revocation")
    assert 0 <= int(status["statusListIndex"]) < 131072
    assert document["id"].endswith(f"/t/{tenant}/verify/{code}")
    assert [(p["type"], p["cryptosuite"], p["proofPurpose"]) for p in document["proof"]] == [
        ("DataIntegrityProof", "eddsa-rdfc-2022", "assertionMethod"),
        ("DataIntegrityProof", "eddsa-jcs-2022", "assertionMethod")]
    proof = document["proof"][1]
    assert all(c["ok"] is True for c in verdict["checks"]), verdict["checks"]

    keys = (await client.get(f"{T}/proof-keys")).json()["items"]
    key = next(k for k in keys if k["id"] == proof["verificationMethod"])
    assert key["status"] == "active" and key["publicKeyJwk"]["crv"] == "Ed25519"
    assert spec_verify(document, key["publicKeyMultibase"])  # an outside verifier agrees
    posted = (await client.post(f"{T}/verify", json=document)).json()
    assert (posted["valid"], posted["signature_valid"], posted["code"]) == (True, True, code)

    pdf = await client.get(f"{T}/me/proofs/{code}/pdf", headers=learner)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    text, qr_codes = read_pdf(pdf.content)
    assert qr_codes == [document["id"]]  # the QR code leads to the verification page
    for expected in (code, holder, tenant_name, "学习成果认证证明", *outcomes):
        assert expected in text.replace("\r", "").replace("\n", ""), expected
    return document


async def test_national_ouc_certification_centre_issues_the_proof(client):
    N = api("national_ouc")
    admin = await staff_headers(client, "national_ouc", "OUC", "tenant_admin")
    centre = await staff_headers(client, "national_ouc", "OUC-GS", "unit_admin", username="gs-centre")
    other_centre = await staff_headers(client, "national_ouc", "OUC-BJ", "unit_admin", username="bj-centre")
    learner = await ouc_learner(client, "national_ouc", admin, "OUC-GS", "proof@example.com")
    first = await store_reviewed(client, "national_ouc", learner, centre, "计算机", category="non_academic")
    second = await store_reviewed(client, "national_ouc", learner, centre, "", category="academic")

    application = await apply_for_proof(client, "national_ouc", learner, [second["id"], first["id"], second["id"]])
    assert application["kind"] == "certificate" and application["achievement_ids"] == [second["id"], first["id"]]
    assert [(s["name"], s["unit_code"]) for s in application["steps"]] == [("certificate_issue", "OUC-GS")]
    assert (await client.get(f"{N}/reviews", headers=other_centre)).json()["items"] == []
    queue = (await client.get(f"{N}/reviews", params={"kind": "certificate"}, headers=centre)).json()["items"]
    assert [i["id"] for i in queue] == [application["id"]] and first["name"] in queue[0]["achievement_name"]

    decided = await decide(client, "national_ouc", application, centre, "certificate_issue", OPINIONS["national_ouc"])
    assert decided["status"] == "approved" and decided["proof_code"]
    code = decided["proof_code"]
    await check_proof(client, "national_ouc", learner, code, holder="林学员",
                      unit="国家开放大学学分银行甘肃学习成果认证中心", outcomes=[second["name"], first["name"]])
    mail = (await client.get(f"{N}/admin/notifications", params={"event": "proof.issued"}, headers=admin)).json()["items"]
    assert len(mail) == 1 and mail[0]["to"] == "proof@example.com" and code in mail[0]["body"]
    assert f"/t/national_ouc/verify/{code}" in mail[0]["body"]


async def test_national_ouc_conversion_approved_for_a_proof_states_the_conversion(client):
    N = api("national_ouc")
    admin = await staff_headers(client, "national_ouc", "OUC", "tenant_admin")
    centre = await staff_headers(client, "national_ouc", "OUC-GS", "unit_admin", username="gs-centre")
    learner = await ouc_learner(client, "national_ouc", admin, "OUC-GS", "convert@example.com")
    rule = (await client.get(f"{N}/rules")).json()["items"][0]
    source = rule["sources"][0]
    added = (await client.post(f"{N}/me/achievements", headers=learner, json={
        "category": source["category"], "subtype": source["subtype"], "catalog_entry_id": source["id"],
        "fields": await fields_for(client, "national_ouc", source["subtype"], TYPED)})).json()
    store = (await client.get(f"{N}/me/applications", headers=learner)).json()["items"][0]
    await decide(client, "national_ouc", store, centre, "store_review", STORE_OPINION)
    conversion = (await client.post(f"{N}/me/applications", headers=learner, json={
        "kind": "conversion", "achievement_id": added["id"], "rule_id": rule["id"]})).json()
    decided = await decide(client, "national_ouc", conversion, centre, "conversion_review",
                           "审核意见：同意。符合已发布的转换规则，出具学习成果认证证明。")
    assert decided["status"] == "approved" and decided["target_achievement_id"] is None and decided["proof_code"]

    document = await check_proof(client, "national_ouc", learner, decided["proof_code"], holder="林学员",
                                 unit="国家开放大学学分银行甘肃学习成果认证中心", outcomes=[added["name"]])
    verdict = (await client.get(f"{N}/verify/{decided['proof_code']}")).json()
    [stated] = verdict["conversions"]
    target = rule["target"]
    assert (stated["target"], stated["target_institution"], stated["credits"], stated["state"]) == (
        target["entry"]["name"], target["institution"], target["credits"], "approved")
    assert stated["sources"] == [added["name"]] and stated["rule"] == rule["name"]
    assert "持本证明可到" in document["description"]
    events = [m["event"] for m in (await client.get(f"{N}/admin/notifications", params={"to": "convert@example.com"},
                                                     headers=admin)).json()["items"]]
    assert "proof.issued" in events and "conversion.approved" in events


async def test_gansu_proof_is_issued_by_the_provincial_school(client):
    G = api("gansu")
    school = await staff_headers(client, "gansu", "GS", "tenant_admin", username="gs-school")
    office = await staff_headers(client, "gansu", "GS", "unit_admin", username="gs-jiaowu")
    branch = await staff_headers(client, "gansu", "GS-LZ", "unit_admin", username="gs-lz")
    learner = await ouc_learner(client, "gansu", school, "GS-LZ", "gansu-proof@example.com")
    outcome = await store_reviewed(client, "gansu", learner, office, "", category="academic")
    application = await apply_for_proof(client, "gansu", learner, [outcome["id"]])
    assert [(s["label"], s["unit_code"]) for s in application["steps"]] == [("省校学习成果认证中心出具认证证明", "GS")]
    assert (await client.get(f"{G}/reviews", headers=branch)).json()["items"] == []
    decided = await decide(client, "gansu", application, office, "certificate_issue", OPINIONS["gansu"])
    await check_proof(client, "gansu", learner, decided["proof_code"], holder="林学员", unit="甘肃广播电视大学",
                      outcomes=[outcome["name"]])


async def test_zhejiang_acceptance_point_takes_the_request_and_its_parent_re_reviews(client):
    Z = api("zhejiang")
    learner, account = await zhejiang_learner(client, "ZJ-S01")
    window = await staff_headers(client, "zhejiang", "ZJ-S01", "unit_admin", username="zj-s01-proof")
    branch = await staff_headers(client, "zhejiang", "ZJ-B01", "unit_admin", username="zj-b01-proof")
    outcome = await add_from_catalog(client, "zhejiang", learner, "会计")
    assert outcome["status"] == "catalog"
    application = await apply_for_proof(client, "zhejiang", learner, [outcome["id"]])
    assert [(s["name"], s["unit_code"]) for s in application["steps"]] == [("acceptance_review", "ZJ-S01"), ("re_review", "ZJ-B01")]

    assert (await client.get(f"{Z}/reviews", headers=branch)).json()["items"] == []
    early = await client.post(f"{Z}/reviews/{application['id']}/decision", headers=branch,
                              json={"step": "acceptance_review", "decision": "approve", "opinion": ZJ_REVIEW})
    assert early.status_code == 403
    first = await decide(client, "zhejiang", application, window, "acceptance_review", ZJ_ACCEPT)
    assert first["status"] == "in_review" and first["proof_code"] is None
    assert await Proof.count() == 0  # nothing issued before the re-review
    second = await decide(client, "zhejiang", application, branch, "re_review", ZJ_REVIEW)
    assert second["status"] == "approved" and second["proof_code"]
    await check_proof(client, "zhejiang", learner, second["proof_code"], holder=account["real_name"],
                      unit="浙江学分银行杭州分部", outcomes=[outcome["name"]])
    detail = (await client.get(f"{Z}/me/applications/{application['id']}", headers=learner)).json()
    assert detail["proof_code"] == second["proof_code"] and detail["achievement_ids"] == [outcome["id"]]


async def test_zhejiang_rejected_request_issues_nothing(client):
    learner, _ = await zhejiang_learner(client, "ZJ-S01")
    window = await staff_headers(client, "zhejiang", "ZJ-S01", "unit_admin", username="zj-s01-proof")
    outcome = await add_from_catalog(client, "zhejiang", learner, "会计")
    application = await apply_for_proof(client, "zhejiang", learner, [outcome["id"]])
    rejected = await decide(client, "zhejiang", application, window, "acceptance_review",
                            "受理点：杭州市上城区分中心 经办人：王丽 意见：不同意，原件未带", decision="reject",
                            reason_code="originals")
    assert rejected["status"] == "rejected" and rejected["proof_code"] is None
    assert await Proof.count() == 0
    assert (await client.get(f"{api('zhejiang')}/me/proofs", headers=learner)).json()["items"] == []


async def test_guangdong_centre_issues_a_proof_listing_a_converted_outcome(client):
    """CET-4 converted into 学位外语 (initial + final review), then a proof of both."""
    Gd = api("guangdong")
    learner = await guangdong_learner(client)
    point = await staff_headers(client, "guangdong", "GD-GOU-TP02", "unit_admin", username="lin-biying")
    committee = await staff_headers(client, "guangdong", "GD", "committee", username="ming-yaoxing")
    centre = await staff_headers(client, "guangdong", "GD", "tenant_admin", username="gd-centre")
    cet = await add_from_catalog(client, "guangdong", learner, "CET", category="vocational_qualification")
    rule = next(r for r in (await client.get(f"{Gd}/me/achievements/{cet['id']}/rules", headers=learner)).json()
                if r["name"] == "CET 4 及以上证书转2018秋法学专业学位外语")
    conversion = (await client.post(f"{Gd}/me/applications", headers=learner, json={
        "kind": "conversion", "achievement_id": cet["id"], "rule_id": rule["id"]})).json()
    await decide(client, "guangdong", conversion, point, "initial", TP_OPINION)
    converted = await decide(client, "guangdong", conversion, committee, "final", COMMITTEE_OPINION)
    assert converted["proof_code"] is None  # Guangdong adds the target to the account instead

    application = await apply_for_proof(client, "guangdong", learner, [cet["id"], converted["target_achievement_id"]])
    assert [(s["role"], s["unit_code"]) for s in application["steps"]] == [("tenant_admin", None)]
    wrong = await client.post(f"{Gd}/reviews/{application['id']}/decision", headers=centre,
                              json={"step": "certificate_issue", "decision": "approve", "opinion": "同意"})
    assert wrong.status_code == 400
    decided = await decide(client, "guangdong", application, centre, "certificate_issue", OPINIONS["guangdong"])
    code = decided["proof_code"]
    await check_proof(client, "guangdong", learner, code, holder="明耀星", unit="广东终身教育学分银行",
                      outcomes=[cet["name"], "学位外语"])
    verdict = (await client.get(f"{Gd}/verify/{code}")).json()
    assert [a["recognition"] for a in verdict["achievements"]] == ["名录成果", "转换取得"]
    [stated] = verdict["conversions"]
    assert (stated["sources"], stated["target"], stated["state"], stated["rule"]) == (
        [cet["name"]], "学位外语", "converted", rule["name"])
    sms = (await client.get(f"{Gd}/admin/notifications", params={"event": "proof.issued"}, headers=centre)).json()["items"]
    assert len(sms) == 1 and sms[0]["channel"] == "sms" and code in sms[0]["body"]
