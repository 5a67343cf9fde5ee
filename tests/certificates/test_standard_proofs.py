"""Proofs as standard documents (issue 15): the did:web controller document and key documents,
the Bitstring Status List, every term defined, and a clear verdict on each kind of bad input —
an unknown context, a wrong cryptosuite, another tenant's key, a status list that does not load,
a CLR with one tampered credential inside, a retired key, and proofs issued before all this."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest

from core.certificates import credential, linked_data, status
from core.certificates.keys import vault
from core.certificates.tables import Proof, ProofKey
from tests.accounts.helpers import staff_headers
from tests.achievements.test_achievements import guangdong_learner
from tests.certificates.helpers import gd_issued

G = "/t/guangdong/api/v1"
SITE = "http://testserver.local/t/guangdong"
DID = "did:web:testserver.local:t:guangdong"


@pytest.fixture
async def issued(client):
    learner = await guangdong_learner(client)
    decided, centre = await gd_issued(client, learner)
    code = decided["proof_code"]
    document = (await client.get(f"{G}/me/proofs/{code}", headers=learner)).json()
    return {"learner": learner, "code": code, "document": document, "centre": centre}


async def _tenant_key(tenant_slug: str = "guangdong"):
    row = await ProofKey.select(ProofKey.tenant_id).where(ProofKey.status == "active").first()
    assert row
    return await vault().signing_key(row["tenant_id"])


async def test_the_issuer_is_a_did_web_with_multikey_documents(client, issued):
    did = (await client.get("/t/guangdong/did.json")).json()
    method = issued["document"]["proof"][0]["verificationMethod"]
    assert did["id"] == DID and did["assertionMethod"] == [method]
    [vm] = did["verificationMethod"]
    assert (vm["id"], vm["type"], vm["controller"]) == (method, "Multikey", DID)
    key = (await client.get(f"{G}/proof-keys/{vm['publicKeyMultibase']}")).json()
    assert key == {"@context": [linked_data.MULTIKEY_V1], **vm}
    assert (await client.get(f"{G}/proof-keys/z6MkNotAKey")).status_code == 404
    context = await client.get(f"/t/guangdong{linked_data.OUR_CONTEXT_PATH}")
    assert context.json() == linked_data.context_document(linked_data.our_context(SITE))

    rotated = (await client.post(f"{G}/admin/proof-keys/rotate", headers=issued["centre"])).json()
    did = (await client.get("/t/guangdong/did.json")).json()
    assert [m["id"] for m in did["verificationMethod"]] == [rotated["id"], method]  # current, then retired
    assert did["assertionMethod"] == [rotated["id"], method]
    assert (await client.get(f"{G}/verify/{issued['code']}")).json()["valid"] is True


async def test_every_term_of_an_issued_proof_is_defined(issued):
    document = issued["document"]
    assert linked_data.undefined_terms(document) == []
    for inner in document["credentialSubject"]["verifiableCredential"]:
        assert linked_data.undefined_terms(inner) == []
    expanded = linked_data.expand(document)
    assert "urn:creditbank:vocab:v1#idNumberMasked" in str(expanded)
    assert "urn:creditbank:vocab:v1#conversion" in str(expanded) or not document["credentialSubject"].get("conversions")


async def test_revoking_flips_the_proofs_bit_in_the_signed_status_list(client, issued):
    entry = issued["document"]["credentialStatus"]
    index = int(entry["statusListIndex"])
    listed = (await client.get(entry["statusListCredential"].removeprefix("http://testserver.local"))).json()
    assert listed["type"] == ["VerifiableCredential", "BitstringStatusListCredential"] and listed["issuer"] == DID
    assert [p["cryptosuite"] for p in listed["proof"]] == ["eddsa-rdfc-2022", "eddsa-jcs-2022"]
    bits = status.decode(listed["credentialSubject"]["encodedList"])
    assert len(bits) * 8 == status.LIST_SIZE and not status.is_set(bits, index) and not any(bits)
    assert (await client.get(f"{G}/status-lists/99")).status_code == 404

    await client.post(f"{G}/admin/proofs/{issued['code']}/revoke", headers=issued["centre"], json={"reason": "证书系伪造"})
    listed = (await client.get(entry["statusListCredential"].removeprefix("http://testserver.local"))).json()
    bits = status.decode(listed["credentialSubject"]["encodedList"])
    assert status.is_set(bits, index) and sum(bin(b).count("1") for b in bits) == 1
    verdict = (await client.post(f"{G}/verify", json=issued["document"])).json()
    assert (verdict["result"], verdict["status_check"], verdict["revoked_reason"]) == ("revoked", "revoked", "证书系伪造")
    assert next(c for c in verdict["checks"] if c["name"] == "status") == {
        "name": "status", "label": "撤销状态", "ok": False, "message": "已撤销"}


async def test_status_list_indexes_are_random_and_unique(client):
    learner = await guangdong_learner(client)
    await gd_issued(client, learner)
    rows = await Proof.select(Proof.status_list, Proof.status_index)
    assert all(r["status_list"] == 1 and 0 <= r["status_index"] < status.LIST_SIZE for r in rows)
    assert status.encode([0, 7, 8, status.LIST_SIZE - 1]) == status.encode([8, 7, 0, status.LIST_SIZE - 1])
    bits = status.decode(status.encode([0, 9]))
    assert bits[0] == 0x80 and bits[1] == 0x40  # index 0 is the first byte's high bit


async def test_an_unknown_context_gets_its_own_verdict(client, issued):
    forged = copy.deepcopy(issued["document"])
    forged["@context"].append("https://example.org/unknown-context.jsonld")
    verdict = (await client.post(f"{G}/verify", json=forged)).json()
    assert (verdict["valid"], verdict["result"], verdict["problem"]) == (False, "invalid", "unknown_context")
    assert "上下文" in verdict["message"]
    assert verdict["checks"][0]["name"] == "context" and verdict["checks"][0]["ok"] is False


async def test_a_wrong_cryptosuite_gets_its_own_verdict(client, issued):
    forged = copy.deepcopy(issued["document"])
    for proof in forged["proof"]:
        proof["cryptosuite"] = "ecdsa-rdfc-2019"
    verdict = (await client.post(f"{G}/verify", json=forged)).json()
    assert (verdict["valid"], verdict["problem"]) == (False, "unsupported_cryptosuite")
    assert "不支持的签名算法" in verdict["message"]
    one = copy.deepcopy(issued["document"])
    one["proof"][1]["cryptosuite"] = "bbs-2023"  # one proof of the set unusable: the set does not pass
    assert (await client.post(f"{G}/verify", json=one)).json()["problem"] == "unsupported_cryptosuite"


async def test_another_tenants_did_key_is_unknown_here(client, issued):
    national = await staff_headers(client, "national_ouc", "OUC", "tenant_admin", username="ouc-did")
    other = (await client.post("/t/national_ouc/api/v1/admin/proof-keys/rotate", headers=national)).json()
    assert other["controller"] == "did:web:testserver.local:t:national_ouc"
    row = await ProofKey.select(ProofKey.tenant_id).where(ProofKey.public_multibase == other["key_id"]).first()
    key = await vault().signing_key(row["tenant_id"])
    resigned = credential.sign_set(issued["document"], key.private, other["id"], datetime.now(UTC))
    verdict = (await client.post(f"{G}/verify", json=resigned)).json()
    assert (verdict["valid"], verdict["problem"]) == (False, "unknown_key")
    assert next(c for c in verdict["checks"] if c["name"] == "issuer_key")["ok"] is False


async def test_a_status_list_that_does_not_load_is_never_valid(client, issued, monkeypatch):
    async def away(*args, **kwargs):
        raise ConnectionError("database away")

    monkeypatch.setattr(status, "revoked", away)
    for verdict in ((await client.get(f"{G}/verify/{issued['code']}")).json(),
                    (await client.post(f"{G}/verify", json=issued["document"])).json()):
        assert (verdict["valid"], verdict["signature_valid"], verdict["result"], verdict["status_check"]) == (
            False, True, "status_unknown", "unavailable")
        assert "无法核对" in verdict["message"] or "无法" in verdict["message"]
        assert next(c for c in verdict["checks"] if c["name"] == "status")["ok"] is None
    page = await client.get(f"/t/guangdong/verify/{issued['code']}")
    assert page.status_code == 200 and "暂无法确认" in page.text and "无法核对" in page.text


async def test_a_clr_with_one_tampered_credential_inside_is_invalid(client, issued):
    key = await _tenant_key()
    forged = copy.deepcopy(issued["document"])
    inner = forged["credentialSubject"]["verifiableCredential"][0]
    inner["credentialSubject"]["achievement"]["name"] = "博士学位"
    # Even re-signed as a whole by the issuer's own key, the bundled credential's proofs fail.
    resigned = credential.sign_set(forged, key.private, forged["proof"][0]["verificationMethod"],
                                   datetime.now(UTC) - timedelta(seconds=5))
    verdict = (await client.post(f"{G}/verify", json=resigned)).json()
    assert (verdict["valid"], verdict["signature_valid"], verdict["result"]) == (False, True, "invalid")
    outcomes = next(c for c in verdict["checks"] if c["name"] == "outcomes")
    assert outcomes["ok"] is False and "第 1 份" in outcomes["message"]
    assert "成果凭证" in verdict["message"]


async def test_a_retired_key_verifies_only_what_it_signed_before_retirement(client, issued):
    old = await _tenant_key()
    method = issued["document"]["proof"][0]["verificationMethod"]
    await client.post(f"{G}/admin/proof-keys/rotate", headers=issued["centre"])
    late = credential.sign_set(issued["document"], old.private, method, datetime.now(UTC) + timedelta(minutes=1))
    verdict = (await client.post(f"{G}/verify", json=late)).json()
    assert (verdict["valid"], verdict["problem"]) == (False, "retired_key")
    assert "停用" in verdict["message"]
    assert (await client.post(f"{G}/verify", json=issued["document"])).json()["valid"] is True


async def test_a_proof_issued_before_standard_proofs_still_verifies(client, issued):
    """The form of the first release: one AchievementCredential, a single eddsa-jcs-2022 proof
    by the key named ``{site}/api/v1/proof-keys#…``, status by this platform's record."""
    key = await _tenant_key()
    code = issued["code"]
    legacy = {
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "id": f"{SITE}/verify/{code}", "type": ["VerifiableCredential", "AchievementCredential"],
        "name": "学习成果认证证明", "description": "兹证明", "issuer": {"id": SITE, "type": ["Profile"], "name": "广东终身教育学分银行"},
        "validFrom": "2026-11-25T08:00:00Z",
        "credentialSubject": {
            "type": ["AchievementSubject"], "identifier": [{"type": "IdentityObject", "identityType": "name",
                                                              "hashed": False, "identityHash": "明耀星"}],
            "idNumberMasked": "4401**********1234",
            "achievement": {"id": f"{SITE}/verify/{code}#achievement", "type": ["Achievement"], "name": "学习成果认证证明"},
            "achievements": [{"type": ["Achievement"], "name": "公司概况"}], "conversions": []},
        "credentialStatus": {"id": f"{SITE}/api/v1/verify/{code}", "type": "CreditBankProofStatus"},
    }
    signed = credential.sign(legacy, key.private, f"{SITE}/api/v1/proof-keys#{key.multibase}",
                             datetime(2026, 11, 25, 8, tzinfo=UTC))
    import msgspec

    await Proof.update({Proof.credential: msgspec.json.encode(signed).decode(), Proof.status_list: None,
                        Proof.status_index: None}).where(Proof.code == code)
    for verdict in ((await client.get(f"{G}/verify/{code}")).json(), (await client.post(f"{G}/verify", json=signed)).json()):
        assert (verdict["valid"], verdict["result"], verdict["status_check"]) == (True, "valid", "not_listed"), verdict
        assert [a["name"] for a in verdict["achievements"]] == ["公司概况"]
        assert all(c["ok"] is not False for c in verdict["checks"])
    await client.post(f"{G}/admin/proofs/{code}/revoke", headers=issued["centre"], json={"reason": "撤销旧证明"})
    verdict = (await client.get(f"{G}/verify/{code}")).json()
    assert (verdict["valid"], verdict["result"], verdict["revoked_reason"]) == (False, "revoked", "撤销旧证明")


async def test_the_verification_page_reports_each_check_in_chinese(client, issued):
    page = await client.get(f"/t/guangdong/verify/{issued['code']}")
    assert page.status_code == 200
    for line in ("逐项检查", "电子签名", "签发密钥", "撤销状态", "有效期", "文档结构", "术语定义",
                 "eddsa-rdfc-2022", "did.json"):
        assert line in page.text, line


async def test_a_tenant_reached_under_another_of_its_hosts_names_its_configured_address(client, issued):
    """Its DID and key ids come from the configured base URL, whatever host a request came in
    under (a forged Host is never signed into anything); an unknown host is refused."""
    import httpx

    transport = httpx.ASGITransport(app=client._transport.app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://www.cbgd.cn") as other:
        verdict = (await other.post(f"{G}/verify", json=issued["document"])).json()
        assert verdict["valid"] is True, verdict["checks"]
        assert (await other.get("/t/guangdong/did.json")).json()["id"] == "did:web:testserver.local:t:guangdong"
    async with httpx.AsyncClient(transport=transport, base_url="http://evil.example") as forged:
        assert (await forged.get("/t/guangdong/did.json")).status_code == 400