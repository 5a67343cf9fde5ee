"""The document a proof is: a W3C Verifiable Credential 2.0 in the shape of a CLR 2.0
``ClrCredential`` bundling one Open Badges 3.0 ``AchievementCredential`` per outcome, and
reading one back (also the proofs issued before, one ``AchievementCredential`` each).

- ``issuer`` is the tenant: a ``Profile`` whose ``id`` is its ``did:web`` DID;
- ``credentialSubject`` is a ``ClrSubject``: the holder's name (an ``IdentityObject``) and
  masked ID number; ``achievement`` lists the proof itself (学习成果认证证明, created by the
  issuing unit) then the outcomes; ``verifiableCredential`` the outcomes as signed
  ``AchievementCredential``s; ``conversions`` the conversions it states;
- every term OB 3.0 / CLR 2.0 has none for (``idNumberMasked``, ``category``, ``conversions``…)
  is defined in our context, ``contexts/creditbank-v1.jsonld``, served at
  ``{site}/contexts/creditbank-v1.jsonld``: JSON-LD expansion drops nothing;
- ``id`` is the human verification page, ``credentialStatus`` a ``BitstringStatusListEntry``.

Pure functions; the signature is added by ``credential.sign``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import msgspec

from core.certificates import linked_data
from core.certificates.credential import xml_datetime
from core.certificates.schemas import ConversionOut, HolderOut, IssuerOut, OutcomeOut, ProofContent

CLR_CONTEXTS = [linked_data.VC_V2, linked_data.CLR_V2, linked_data.OB_V3]  # CLR 2.0 asks for this order
TITLE = "学习成果认证证明"
STATUS_TYPE = "CreditBankProofStatus"  # the status of proofs issued before status lists


def page_url(site: str, code: str) -> str:
    return f"{site}/verify/{code}"


def _number(value: float | None) -> float | int | None:
    if value is None:
        return None
    return int(value) if float(value).is_integer() else value


def _drop_empty(item: dict) -> dict:
    return {k: v for k, v in item.items() if v not in (None, "", [])}


def _outcome(o: OutcomeOut) -> dict:
    return _drop_empty({
        "type": ["Achievement"], "name": o.name, "category": o.category, "subtype": o.subtype,
        "institution": o.institution, "creditsAvailable": _number(o.credits), "obtainedOn": o.obtained_on,
        "certificateNumber": o.certificate_no, "recognition": o.recognition,
    })


def _conversion(c: ConversionOut) -> dict:
    return _drop_empty({
        "type": ["CreditConversion"], "sources": c.sources, "state": c.state,
        "target": _drop_empty({"type": ["Achievement"], "name": c.target, "institution": c.target_institution,
                               "creditsAvailable": _number(c.credits)}),
        "ratio": c.ratio, "rule": c.rule, "agreement": c.agreement, "approvedOn": c.approved_on,
    })


def describe(holder: HolderOut, outcomes: list[OutcomeOut], conversions: list[ConversionOut], tenant_name: str,
             unit_name: str) -> str:
    """The sentence the proof states, as printed on the PDF."""
    who = f"{holder.name}（证件号码 {holder.id_number_masked}）" if holder.id_number_masked else holder.name
    if conversions and all(c.state == "approved" for c in conversions):
        c = conversions[0]
        credits = f"，{_number(c.credits)} 学分" if c.credits is not None else ""
        return (f"兹证明{who}的学习成果“{'、'.join(c.sources)}”已经{unit_name}审核，符合已发布的转换规则"
                f"“{c.rule}”，可转换为{c.target_institution}“{c.target}”{credits}。"
                f"持本证明可到{c.target_institution}办理最终的学习成果转换。")
    return f"兹证明{who}的下列 {len(outcomes)} 项学习成果已存入{tenant_name}，并经{unit_name}审核认证。"


def achievement_type(o: OutcomeOut) -> str:
    """The OB 3.0 ``achievementType`` nearest to an outcome's category and sub-type (the
    province's own labels stay in ``category``/``subtype``)."""
    text = f"{o.category}{o.subtype}"
    if "学位" in text:
        return "Degree"
    if "课程" in text:
        return "Course"
    if "证书" in text or "资格" in text or "技能" in text:
        return "Certificate"
    if "学历" in text and "非学历" not in text:
        return "Diploma"
    return "Achievement"


def _outcome_achievement(o: OutcomeOut, achievement_id: str, tenant_name: str) -> dict:
    how = o.recognition or "认定"
    return _drop_empty({
        "id": achievement_id, "type": ["Achievement"], "achievementType": achievement_type(o), "name": o.name,
        "description": f"{o.institution}{o.name}（{o.category} / {o.subtype}）" if o.institution else o.name,
        "criteria": {"narrative": f"经{tenant_name}{how}，存入学分银行的学习成果。"},
        "creditsAvailable": _number(o.credits), "category": o.category, "subtype": o.subtype,
        "institution": o.institution, "obtainedOn": o.obtained_on, "certificateNumber": o.certificate_no,
        "recognition": o.recognition,
    })


def _identifier(holder: HolderOut) -> list[dict]:
    return [{"type": "IdentityObject", "identityType": "name", "hashed": False, "identityHash": holder.name}]


def outcome_credential(*, page: str, index: int, issuer: dict, holder: HolderOut, outcome: OutcomeOut,
                       tenant_name: str, issued_at: datetime, context: list) -> dict:
    """One outcome as an OB 3.0 ``AchievementCredential`` (unsigned)."""
    achievement = _outcome_achievement(outcome, f"{page}#outcome-{index + 1}-achievement", tenant_name)
    subject = _drop_empty({"type": ["AchievementSubject"], "identifier": _identifier(holder),
                           "achievement": achievement, "creditsEarned": _number(outcome.credits)})
    return {
        "@context": context, "id": f"{page}#outcome-{index + 1}",
        "type": ["VerifiableCredential", "AchievementCredential"], "name": outcome.name,
        "issuer": issuer, "validFrom": xml_datetime(issued_at), "awardedDate": xml_datetime(issued_at),
        "credentialSubject": subject,
    }


def build(*, code: str, site: str, tenant_name: str, unit_name: str, unit_code: str | None, holder: HolderOut,
          outcomes: list[OutcomeOut], conversions: list[ConversionOut], issued_at: datetime,
          issuer_id: str | None = None, status: dict | None = None,
          sign_outcome: Callable[[dict], dict] | None = None) -> dict:
    """The unsigned proof: a CLR 2.0 ``ClrCredential`` whose subject lists the outcomes as
    ``achievement`` and as one signed OB 3.0 ``AchievementCredential`` each
    (``sign_outcome`` signs them), with the conversions it states. ``issuer_id`` is the tenant's
    DID; ``status`` its ``BitstringStatusListEntry``."""
    issuer = {"id": issuer_id or site, "type": ["Profile"], "name": tenant_name, "url": site}
    creator = ({"id": f"{site}/api/v1/org/units/{unit_code}", "type": ["Profile"], "name": unit_name, "parentOrg": issuer}
               if unit_code else issuer)
    description = describe(holder, outcomes, conversions, tenant_name, unit_name)
    page = page_url(site, code)
    ours = linked_data.our_context(site)
    inner_context = [linked_data.VC_V2, linked_data.OB_V3, ours]
    sign_outcome = sign_outcome or (lambda d: d)
    proof_achievement = {
        "id": f"{page}#achievement", "type": ["Achievement"], "achievementType": "Certificate",
        "name": TITLE, "description": description, "creator": creator,
        "criteria": {"narrative": f"由{unit_name}按{tenant_name}的审核流程审核通过后出具；编号 {code}。"},
    }
    subject = _drop_empty({
        "type": ["ClrSubject"],
        "identifier": _identifier(holder),
        "idNumberMasked": holder.id_number_masked,
        "achievement": [proof_achievement] + [
            _outcome_achievement(o, f"{page}#outcome-{i + 1}-achievement", tenant_name) for i, o in enumerate(outcomes)],
        "verifiableCredential": [sign_outcome(outcome_credential(
            page=page, index=i, issuer=issuer, holder=holder, outcome=o, tenant_name=tenant_name,
            issued_at=issued_at, context=inner_context)) for i, o in enumerate(outcomes)],
        "conversions": [_conversion(c) for c in conversions],
    })
    document = {
        "@context": CLR_CONTEXTS + [ours],
        "id": page,
        "type": ["VerifiableCredential", "ClrCredential"],
        "name": TITLE,
        "description": description,
        "issuer": issuer,
        "validFrom": xml_datetime(issued_at),
        "awardedDate": xml_datetime(issued_at),
        "credentialSubject": subject,
    }
    if status:
        document["credentialStatus"] = status
    return document


def _credits(value) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _first_proof(document: dict) -> dict:
    proof = document.get("proof", {})
    proof = proof[0] if isinstance(proof, list) and proof else proof
    return proof if isinstance(proof, dict) else {}


def read(code: str, document: dict) -> ProofContent:
    """What a credential this platform issued says. Only for documents read from our own
    records: a document from outside is never trusted for its content."""
    subject = document["credentialSubject"]
    if "ClrCredential" in document.get("type", []):  # CLR: the proof is the first achievement
        proof_achievement, *listed = subject.get("achievement", [{}])
    else:  # issued before CLR: the outcomes were in ``achievements``
        proof_achievement, listed = subject["achievement"], subject.get("achievements", [])
    creator = proof_achievement.get("creator", {})
    issuer = document["issuer"]
    holder = next((i["identityHash"] for i in subject.get("identifier", []) if i.get("identityType") == "name"), "")
    return ProofContent(
        code=code,
        title=document.get("name", TITLE),
        description=document.get("description", ""),
        holder=HolderOut(name=holder, id_number_masked=subject.get("idNumberMasked", "")),
        achievements=[OutcomeOut(
            name=a.get("name", ""), category=a.get("category", ""), subtype=a.get("subtype", ""),
            institution=a.get("institution", ""), credits=_credits(a.get("creditsAvailable")),
            obtained_on=a.get("obtainedOn"), certificate_no=a.get("certificateNumber", ""),
            recognition=a.get("recognition", ""),
        ) for a in listed],
        conversions=[ConversionOut(
            sources=c.get("sources", []), target=c.get("target", {}).get("name", ""),
            target_institution=c.get("target", {}).get("institution", ""),
            credits=_credits(c.get("target", {}).get("creditsAvailable")), ratio=c.get("ratio"),
            rule=c.get("rule", ""), agreement=c.get("agreement", ""), approved_on=c.get("approvedOn"),
            state=c.get("state", "approved"),
        ) for c in subject.get("conversions", [])],
        issuer=IssuerOut(id=issuer["id"], name=issuer.get("name", ""), unit=creator.get("name", issuer.get("name", ""))),
        issued_at=msgspec.convert(document["validFrom"], datetime),
        verify_url=document.get("id", ""),
        verification_method=_first_proof(document).get("verificationMethod", ""),
    )
