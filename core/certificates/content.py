"""The document a proof is: a W3C Verifiable Credential 2.0 in the shape of an Open Badges 3.0
``AchievementCredential``, and reading one back.

- ``issuer`` is the tenant (a ``Profile`` whose ``id`` is the tenant's site, ``…/t/{slug}``);
- ``credentialSubject`` is an ``AchievementSubject``: the holder's name (an ``IdentityObject``)
  and masked ID number; ``achievement`` is the proof itself (学习成果认证证明, created by the
  issuing unit); ``achievements`` lists the learning outcomes and ``conversions`` the
  conversions it states — terms outside the Open Badges context fall under the VC 2.0
  context's ``@vocab``;
- ``id`` is the human verification page, ``credentialStatus.id`` the JSON verification.

Pure functions; the signature is added by ``credential.sign``.
"""

from __future__ import annotations

from datetime import datetime

import msgspec

from core.certificates.credential import xml_datetime
from core.certificates.schemas import ConversionOut, HolderOut, IssuerOut, OutcomeOut, ProofContent

CONTEXTS = ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"]
TITLE = "学习成果认证证明"
STATUS_TYPE = "CreditBankProofStatus"


def page_url(site: str, code: str) -> str:
    return f"{site}/verify/{code}"


def status_url(site: str, code: str) -> str:
    return f"{site}/api/v1/verify/{code}"


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


def build(*, code: str, site: str, tenant_name: str, unit_name: str, unit_code: str | None, holder: HolderOut,
          outcomes: list[OutcomeOut], conversions: list[ConversionOut], issued_at: datetime) -> dict:
    """The unsigned credential."""
    issuer = {"id": site, "type": ["Profile"], "name": tenant_name}
    creator = ({"id": f"{site}/api/v1/org/units/{unit_code}", "type": ["Profile"], "name": unit_name, "parentOrg": issuer}
               if unit_code else issuer)
    description = describe(holder, outcomes, conversions, tenant_name, unit_name)
    page = page_url(site, code)
    return {
        "@context": CONTEXTS,
        "id": page,
        "type": ["VerifiableCredential", "AchievementCredential"],
        "name": TITLE,
        "description": description,
        "issuer": issuer,
        "validFrom": xml_datetime(issued_at),
        "awardedDate": xml_datetime(issued_at),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [{"type": "IdentityObject", "identityType": "name", "hashed": False,
                            "identityHash": holder.name}],
            "idNumberMasked": holder.id_number_masked,
            "achievement": {
                "id": f"{page}#achievement", "type": ["Achievement"], "achievementType": "Certificate",
                "name": TITLE, "description": description, "creator": creator,
                "criteria": {"narrative": f"由{unit_name}按{tenant_name}的审核流程审核通过后出具；编号 {code}。"},
            },
            "achievements": [_outcome(o) for o in outcomes],
            "conversions": [_conversion(c) for c in conversions],
        },
        "credentialStatus": {"id": status_url(site, code), "type": STATUS_TYPE},
    }


def _credits(value) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def read(code: str, document: dict) -> ProofContent:
    """What a credential this platform issued says. Only for documents read from our own
    records: a document from outside is never trusted for its content."""
    subject = document["credentialSubject"]
    proof_achievement = subject["achievement"]
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
        ) for a in subject.get("achievements", [])],
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
        verification_method=document.get("proof", {}).get("verificationMethod", ""),
    )
