"""A record from an outside Open Badges 3.0 issuer (not a tenant of this platform), trusted by
its did:web DID: its DID document and status list are fetched over HTTPS (here from a small
ASGI server standing in for badges.example.edu, reached through the app's outgoing transport),
the person matched by an OB 3.0 hashed ``nationalIdentityNumber``, the outcome linked to the
catalog by its achievement's creator."""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import UTC, datetime

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from core.certificates import content, credential, linked_data, status
from core.certificates.record_tables import ExternalOutcome
from tests.accounts.helpers import make_id
from tests.certificates.records import CET, EXAM_CENTRE, guangdong_account, platform

DID = "did:web:badges.example.edu"
SITE = "https://badges.example.edu"
G = "/t/guangdong/api/v1"


class OutsideIssuer:
    """badges.example.edu: an OB 3.0 issuer with its own Ed25519 key, its DID document at
    ``/.well-known/did.json`` and one status list."""

    def __init__(self) -> None:
        self.key = Ed25519PrivateKey.generate()
        self.multibase = credential.public_multikey(self.key.public_key())
        self.method = f"{DID}#{self.multibase}"
        self.revoked: list[int] = []
        self.served: list[str] = []
        self.list_missing = False

    def did_document(self) -> dict:
        return {"@context": [linked_data.DID_V1, linked_data.MULTIKEY_V1], "id": DID,
                "verificationMethod": [{"id": self.method, "type": "Multikey", "controller": DID,
                                        "publicKeyMultibase": self.multibase}],
                "assertionMethod": [self.method]}

    def status_list(self) -> dict:
        now = datetime.now(UTC)
        unsigned = status.list_credential(SITE, DID, 1, self.revoked, credential.xml_datetime(now))
        return credential.sign_set(unsigned, self.key, self.method, now)

    async def __call__(self, scope, receive, send) -> None:
        self.served.append(scope["path"])
        routes = {"/.well-known/did.json": self.did_document}
        if not self.list_missing:
            routes["/api/v1/status-lists/1"] = self.status_list
        found = routes.get(scope["path"])
        body = json.dumps(found()).encode() if found else b"not found"
        await send({"type": "http.response.start", "status": 200 if found else 404,
                    "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})

    def record(self, id_number: str) -> dict:
        """A CLR of one AchievementCredential (CET-4, created by the exam centre) for the person
        with ``id_number``, named by its salted SHA-256 (OB 3.0 IdentityHash)."""
        now = datetime.now(UTC)
        salt = secrets.token_hex(8)
        subject_id = [{"type": "IdentityObject", "identityType": "nationalIdentityNumber", "hashed": True,
                       "identityHash": "sha256$" + hashlib.sha256((id_number + salt).encode()).hexdigest(), "salt": salt}]
        issuer = {"id": DID, "type": ["Profile"], "name": "Example Badges"}
        achievement = {"id": f"{SITE}/achievements/cet4", "type": ["Achievement"], "achievementType": "Certificate",
                       "name": CET, "description": "College English Test Band 4",
                       "criteria": {"narrative": "Passed CET-4."},
                       "creator": {"id": f"{SITE}/profiles/neea", "type": ["Profile"], "name": EXAM_CENTRE}}
        inner = credential.sign_set({
            "@context": [linked_data.VC_V2, linked_data.OB_V3], "id": f"{SITE}/credentials/1",
            "type": ["VerifiableCredential", "AchievementCredential"], "name": CET, "issuer": issuer,
            "validFrom": credential.xml_datetime(now),
            "credentialSubject": {"type": ["AchievementSubject"], "identifier": subject_id, "achievement": achievement},
            "credentialStatus": status.entry(SITE, 1, 77)}, self.key, self.method, now)
        outer = {"@context": content.CLR_CONTEXTS, "id": "urn:uuid:4c1b8e0e-5f1e-4a39-9f7a-0d7c2a1b9e11",
                 "type": ["VerifiableCredential", "ClrCredential"], "name": "Transcript", "issuer": issuer,
                 "validFrom": credential.xml_datetime(now),
                 "credentialSubject": {"type": ["ClrSubject"], "identifier": subject_id, "achievement": [achievement],
                                       "verifiableCredential": [inner]}}
        return credential.sign_set(outer, self.key, self.method, now)


@pytest.fixture
async def outside(app, client):
    issuer = OutsideIssuer()
    app.state.outside_transport = httpx.ASGITransport(app=issuer)
    id_number = make_id("440106", "19870304")
    learner = await guangdong_account(client, id_number)
    return {"issuer": issuer, "learner": learner, "id_number": id_number}


async def test_an_outside_did_web_issuers_record_is_imported_once_trusted(app, client, outside):
    issuer, learner = outside["issuer"], outside["learner"]
    record = issuer.record(outside["id_number"])
    refused = await client.post(f"{G}/me/imports/record", headers=learner, json=record)
    assert refused.status_code == 422 and "不在广东终身教育学分银行的信任名单中" in refused.json()["detail"]
    assert issuer.served == []  # an untrusted issuer is not even asked

    added = await client.post("/api/v1/platform/tenants/guangdong/trust", headers=await platform(client),
                              json={"did": DID, "name": "Example Badges"})
    assert added.status_code == 201 and added.json()["kind"] == "outside"
    imported = await client.post(f"{G}/me/imports/record", headers=learner, json=record)
    assert imported.status_code == 201, imported.text
    [outcome] = imported.json()["imported"]
    assert outcome["name"] == CET and outcome["institution"] == EXAM_CENTRE and outcome["catalog_entry_id"]
    assert "/.well-known/did.json" in issuer.served and "/api/v1/status-lists/1" in issuer.served
    row = await ExternalOutcome.select().where(ExternalOutcome.achievement_id == outcome["achievement_id"]).first()
    assert (row["issuer_did"], row["source_tenant_id"], row["issuer_name"]) == (DID, None, "Example Badges")
    assert outside["id_number"] not in row["credential"] and "sha256$" not in row["credential"]  # kept encrypted
    assert row["credential"].startswith("enc:")
    assert json.loads(app.state.pii.decrypt(row["credential"][4:]))["id"] == record["credentialSubject"]["verifiableCredential"][0]["id"]


async def test_an_outside_issuers_revoked_or_unreadable_status_and_someone_else_refuse(client, outside):
    issuer, learner = outside["issuer"], outside["learner"]
    await client.post("/api/v1/platform/tenants/guangdong/trust", headers=await platform(client),
                      json={"did": DID, "name": "Example Badges"})
    issuer.revoked = [77]
    revoked = await client.post(f"{G}/me/imports/record", headers=learner, json=issuer.record(outside["id_number"]))
    assert revoked.status_code == 422 and "已撤销" in revoked.json()["detail"], revoked.text
    issuer.revoked, issuer.list_missing = [], True
    missing = await client.post(f"{G}/me/imports/record", headers=learner, json=issuer.record(outside["id_number"]))
    assert missing.status_code == 422 and "无法核对撤销状态" in missing.json()["detail"], missing.text
    issuer.list_missing = False
    other = await client.post(f"{G}/me/imports/record", headers=learner, json=issuer.record(make_id("440106", "19870305")))
    assert other.status_code == 422 and "身份不符" in other.json()["detail"], other.text
    assert await ExternalOutcome.count() == 0
