"""Bad input to a record import: each a clear Chinese verdict naming the credential and why, and
nothing imported — an unknown context, a wrong cryptosuite, a key of another tenant, a status
list that does not load, one tampered credential among good ones, an issuer not on the trust
registry, a revoked outcome, somebody else's record, a file that is no record."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import pytest

from core.achievements.tables import Achievement
from core.certificates import credential
from core.certificates.keys import vault
from core.certificates.record_tables import ExternalOutcome
from core.tenancy.tables import Tenant
from tests.accounts.helpers import make_id
from tests.certificates.helpers import add_from_catalog
from tests.certificates.records import guangdong_account, platform, trust, zhejiang_cet

G = "/t/guangdong/api/v1"
Z = "/t/zhejiang/api/v1"


@pytest.fixture
async def world(client):
    """A Zhejiang record of two outcomes, the same person in Guangdong, Guangdong trusting Zhejiang."""
    zj, account, cet = await zhejiang_cet(client)
    course = await add_from_catalog(client, "zhejiang", zj, "会计")
    national = await platform(client)
    entry = await trust(client, national, "guangdong", "zhejiang")
    gd = await guangdong_account(client, account["id_number"])
    record = (await client.get(f"{Z}/me/record", headers=zj)).json()
    assert len(record["credentialSubject"]["verifiableCredential"]) == 2
    return {"zj": zj, "gd": gd, "record": record, "national": national, "entry": entry, "cet": cet, "course": course}


async def _key(slug: str):
    tenant_id = (await Tenant.select(Tenant.id).where(Tenant.slug == slug).first())["id"]
    return await vault().signing_key(tenant_id)


def _resign(document: dict, key, method: str, suites: tuple[str, ...] = credential.PROOF_SET) -> dict:
    return credential.sign({k: v for k, v in document.items() if k != "proof"}, key.private, method,
                           datetime.now(UTC), suites)


async def _rewrap(record: dict, inner: list[dict], suites: tuple[str, ...] = credential.PROOF_SET) -> dict:
    """The record with ``inner`` as its credentials, signed again by Zhejiang: only the inner
    credentials can be what fails."""
    key = await _key("zhejiang")
    wrapped = copy.deepcopy(record)
    wrapped["credentialSubject"]["verifiableCredential"] = inner
    return _resign(wrapped, key, record["proof"][0]["verificationMethod"], suites)


async def _refused(client, world, document, *expected: str) -> dict:
    response = await client.post(f"{G}/me/imports/record", headers=world["gd"], json=document)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["detail"].startswith("未导入任何成果"), body["detail"]
    for text in expected:
        assert text in body["detail"], (text, body["detail"])
    assert await ExternalOutcome.count() == 0
    assert await Achievement.count().where(Achievement.source == "external") == 0
    return body


async def test_one_tampered_credential_among_good_ones_imports_nothing(client, world):
    record = copy.deepcopy(world["record"])
    second = record["credentialSubject"]["verifiableCredential"][1]
    second["credentialSubject"]["achievement"]["creditsAvailable"] = 99
    body = await _refused(client, world, record, "第 2 份成果凭证", second["name"], "篡改")
    assert [v["ok"] for v in body["extra"]["credentials"]] == [True, False]


async def test_an_unknown_context_is_refused(client, world):
    inner = copy.deepcopy(world["record"]["credentialSubject"]["verifiableCredential"])
    inner[0]["@context"] = inner[0]["@context"] + ["https://contexts.example.org/extra.jsonld"]
    # (signed by JCS alone: RDF canonicalization cannot read a context nobody ships)
    wrapped = await _rewrap(world["record"], inner, (credential.CRYPTOSUITE,))
    await _refused(client, world, wrapped, "第 1 份", "上下文",
                   "https://contexts.example.org/extra.jsonld")


async def test_a_wrong_cryptosuite_is_refused(client, world):
    inner = copy.deepcopy(world["record"]["credentialSubject"]["verifiableCredential"])
    for proof in inner[0]["proof"]:
        proof["cryptosuite"] = "ecdsa-rdfc-2019"
    await _refused(client, world, await _rewrap(world["record"], inner), "第 1 份", "不支持的签名算法")


async def test_a_credential_signed_with_another_tenants_key_is_refused(client, world):
    inner = copy.deepcopy(world["record"]["credentialSubject"]["verifiableCredential"])
    gansu = await _key("gansu")
    inner[0] = _resign(inner[0], gansu, f"did:web:testserver.local:t:gansu#{gansu.multibase}")
    await _refused(client, world, await _rewrap(world["record"], inner), "第 1 份", "签名密钥不是该签发方公布的密钥")


async def test_a_status_list_that_does_not_load_is_refused(client, world):
    inner = copy.deepcopy(world["record"]["credentialSubject"]["verifiableCredential"])
    status = inner[1]["credentialStatus"]
    status["statusListCredential"] = status["statusListCredential"].rsplit("/", 1)[0] + "/999"
    status["id"] = status["statusListCredential"] + "#" + status["statusListIndex"]
    inner[1] = _resign(inner[1], await _key("zhejiang"), inner[1]["proof"][0]["verificationMethod"])
    await _refused(client, world, await _rewrap(world["record"], inner), "第 2 份", "无法核对撤销状态")


async def test_an_issuer_off_the_trust_registry_is_refused(client, world):
    removed = await client.delete(f"/api/v1/platform/tenants/guangdong/trust/{world['entry']['id']}",
                                  headers=world["national"])
    assert removed.status_code == 204
    await _refused(client, world, world["record"], "不在广东终身教育学分银行的信任名单中")


async def test_an_outcome_no_longer_recognised_by_its_issuer_reads_revoked(client, world):
    deleted = await client.delete(f"{Z}/me/achievements/{world['course']['id']}", headers=world["zj"])
    assert deleted.status_code == 204
    await _refused(client, world, world["record"], "第 2 份", "已撤销")


async def test_somebody_elses_record_is_refused(client, world):
    other = await guangdong_account(client, make_id("440106", "19910203"), username="someoneelse")
    response = await client.post(f"{G}/me/imports/record", headers=other, json=world["record"])
    assert response.status_code == 422 and "身份不符" in response.json()["detail"], response.text
    assert await ExternalOutcome.count() == 0


async def test_a_file_that_is_no_record_is_400(client, world):
    response = await client.post(f"{G}/me/imports/record", headers=world["gd"], json={"type": ["VerifiableCredential"]})
    assert response.status_code == 400 and "不是学习档案" in response.json()["detail"]
    own = (await client.get(f"{G}/me/achievements", headers=world["gd"])).json()
    assert own["items"] == []
