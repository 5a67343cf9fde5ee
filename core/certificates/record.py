"""我的学习档案: a learner's whole record as one signed CLR 2.0 ``ClrCredential`` — every
recognised outcome (名录成果, 已认定, converted, imported) as an embedded, separately signed
Open Badges 3.0 ``AchievementCredential``, each with its own ``BitstringStatusListEntry``, the
conversions that produced any of them, all under the tenant's current key. Another credit
bank imports it (``record_import``).

- Each outcome credential has a stable id (``urn:uuid:`` derived from the issuer's DID and
  the outcome), and a status place kept from its first export (``OutcomeStatus``): every copy
  of it reads the same bit, and the bit reads revoked once the outcome is no longer the
  learner's recognised outcome.
- The person is named by their name and, where the account has an ID number, by a salted
  SHA-256 of the platform's keyed lookup hash of it (``identityType: identifier``): another
  tenant of this platform holding the same person can check it, nobody can read the ID number
  back or brute-force it (the lookup hash is keyed with the platform's secret), and the salt is
  new with every export so two exports do not link. The ID number itself is never in the file.
"""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import uuid
from datetime import datetime

from core.accounts.tables import Account
from core.achievements.tables import Achievement
from core.certificates import content, credential, identity, linked_data, status
from core.certificates.errors import ProofError
from core.certificates.issuing import _outcomes
from core.certificates.keys import vault
from core.certificates.record_tables import OutcomeStatus
from core.certificates.schemas import ConversionOut, HolderOut, OutcomeOut
from core.clock import utcnow
from core.db import one
from core.reviews.proof_requests import USABLE
from core.tenancy.context import TenantContext

MAX_RECORD = 500  # outcomes in one record; a learner holds tens
TITLE = "学习档案"
SUBJECT_TYPE = "identifier"


def subject_hash(id_number_hash: str, salt: str) -> str:
    """The OB 3.0 ``IdentityHash`` of a person: ``sha256$`` + SHA-256 of the platform's keyed
    lookup hash of their ID number followed by ``salt``."""
    return "sha256$" + hashlib.sha256((id_number_hash + salt).encode()).hexdigest()


def identifiers(name: str, id_number_hash: str | None, salt: str) -> list[dict]:
    out = [{"type": "IdentityObject", "identityType": "name", "hashed": False, "identityHash": name}]
    if id_number_hash:
        out.append({"type": "IdentityObject", "identityType": SUBJECT_TYPE, "hashed": True,
                    "identityHash": subject_hash(id_number_hash, salt), "salt": salt})
    return out


def outcome_id(did: str, achievement_id: int) -> str:
    """A stable id for the credential of one outcome: the same in every export."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'{did}#outcome/{achievement_id}')}"


async def _places(tenant_id: int, learner_id: int, achievement_ids: list[int]) -> dict[int, tuple[int, int]]:
    """achievement id → (status list, index): kept from an earlier export, else taken now."""
    found = {r["achievement_id"]: (r["status_list"], r["status_index"]) for r in await OutcomeStatus.select(
        OutcomeStatus.achievement_id, OutcomeStatus.status_list, OutcomeStatus.status_index).where(
        OutcomeStatus.tenant_id == tenant_id, OutcomeStatus.achievement_id.is_in(achievement_ids or [0]))}
    for achievement_id in achievement_ids:
        if achievement_id in found:
            continue
        for _ in range(3):  # a clash with a concurrent export: read what it wrote, or try another place
            list_id, index = await status.allocate(tenant_id)
            try:
                await OutcomeStatus.insert(OutcomeStatus(
                    tenant_id=tenant_id, achievement_id=achievement_id, learner_id=learner_id, status_list=list_id,
                    status_index=index, created_at=utcnow()))
                found[achievement_id] = (list_id, index)
                break
            except Exception as exc:
                if "unique" not in str(exc).lower():
                    raise
                row = await OutcomeStatus.select(OutcomeStatus.status_list, OutcomeStatus.status_index).where(
                    OutcomeStatus.tenant_id == tenant_id, OutcomeStatus.achievement_id == achievement_id).first()
                if row:
                    found[achievement_id] = (row["status_list"], row["status_index"])
                    break
        else:
            raise ProofError("学习档案暂时无法生成，请稍后再试", 503)
    return found


def build(*, site: str, tenant_name: str, holder: HolderOut, subject: list[dict], record_id: str,
          outcomes: list[tuple[int, OutcomeOut, tuple[int, int]]], conversions: list[ConversionOut],
          issued_at: datetime, sign=None) -> dict:
    """The unsigned record: a ``ClrCredential`` whose subject lists each outcome as an
    ``Achievement`` and as an ``AchievementCredential`` (signed by ``sign``)."""
    did = identity.did_web(site)
    issuer = {"id": did, "type": ["Profile"], "name": tenant_name, "url": site}
    inner_context = [linked_data.VC_V2, linked_data.OB_V3, linked_data.our_context(site)]
    sign = sign or (lambda d: d)
    achievements, credentials = [], []
    for achievement_id, outcome, (list_id, index) in outcomes:
        credential_id = outcome_id(did, achievement_id)
        achievement = content._outcome_achievement(outcome, f"{credential_id}#achievement", tenant_name)
        achievements.append(achievement)
        document = content.outcome_credential(page=credential_id, index=0, issuer=issuer, holder=holder,
                                              outcome=outcome, tenant_name=tenant_name, issued_at=issued_at,
                                              context=inner_context)
        document["id"] = credential_id
        document["credentialSubject"]["identifier"] = subject
        document["credentialSubject"]["achievement"] = achievement
        document["credentialStatus"] = status.entry(site, list_id, index)
        credentials.append(sign(document))
    description = f"{holder.name}在{tenant_name}的全部已认定学习成果，共 {len(outcomes)} 项；每项成果另附签发方签名的凭证，可逐项查验。"
    clr_subject = content._drop_empty({
        "type": ["ClrSubject"], "identifier": subject, "idNumberMasked": holder.id_number_masked,
        "achievement": achievements, "verifiableCredential": credentials,
        "conversions": [content._conversion(c) for c in conversions],
    })
    return {
        "@context": content.CLR_CONTEXTS + [linked_data.our_context(site)],
        "id": record_id,
        "type": ["VerifiableCredential", "ClrCredential"],
        "name": f"{TITLE}（{holder.name}）",
        "description": description,
        "issuer": issuer,
        "validFrom": credential.xml_datetime(issued_at),
        "awardedDate": credential.xml_datetime(issued_at),
        "credentialSubject": clr_subject,
    }


async def recognised_ids(tenant_id: int, learner_id: int) -> list[int]:
    """The learner's recognised outcomes, oldest first (at most ``MAX_RECORD``)."""
    rows = await Achievement.select(Achievement.id).where(
        Achievement.tenant_id == tenant_id, Achievement.learner_id == learner_id,
        Achievement.status.is_in(list(USABLE))).order_by(Achievement.id).limit(MAX_RECORD)
    return [r["id"] for r in rows]


async def export_record(tenant: TenantContext, learner_id: int, site: str) -> dict:
    """The learner's signed record. 409 if they have no recognised outcome yet."""
    ids = await recognised_ids(tenant.id, learner_id)
    if not ids:
        raise ProofError("您还没有已认定的学习成果，暂时无法生成学习档案", 409)
    outcomes, conversions = await _outcomes(tenant, learner_id, ids)
    learner = one(await Account.select(Account.real_name, Account.id_number_masked, Account.id_number_hash).where(
        Account.id == learner_id, Account.tenant_id == tenant.id).first())
    holder = HolderOut(name=learner["real_name"], id_number_masked=learner["id_number_masked"] or "")
    places = await _places(tenant.id, learner_id, ids)
    key = await vault().signing_key(tenant.id)
    method = identity.method_id(site, key.multibase)
    now = utcnow()
    subject = identifiers(holder.name, learner["id_number_hash"], secrets.token_hex(16))
    listed = [(i, o, places[i]) for i, o in zip(ids, outcomes)]

    def signed() -> dict:  # pure and CPU-bound (RDF canonicalization): off the event loop
        document = build(site=site, tenant_name=tenant.name, holder=holder, subject=subject,
                         record_id=f"urn:uuid:{uuid.uuid4()}", outcomes=listed, conversions=conversions, issued_at=now,
                         sign=lambda d: credential.sign_set(d, key.private, method, now))
        return credential.sign_set(document, key.private, method, now)

    return await asyncio.to_thread(signed)
