"""Proofs on the application path: what a certificate application may list, and issuing the
proof when its review chain — or a conversion chain whose outcome is ``issue_proof`` — ends in
approval. ``core.reviews.service`` calls these inside its own transactions; nothing here opens
one, so the proof is written with the decision or not at all.
"""

from __future__ import annotations

import asyncio
import secrets
from datetime import datetime

import msgspec

from core.accounts.tables import Account
from core.achievements.schemas import STATUS_LABELS
from core.achievements.tables import Achievement
from core.catalog.tables import CatalogEntry
from core.certificates import content, credential, identity, status
from core.certificates.errors import ProofError
from core.certificates.keys import vault
from core.certificates.schemas import ConversionOut, HolderOut, OutcomeOut
from core.certificates.tables import Proof
from core.db import one
from core.events import ApplicationDecided, ApplicationDeciding, ProofIssued, publish
from core.reviews.engine import ResolvedChain
from core.reviews.proof_requests import USABLE
from core.reviews.tables import Application, ProofRequestItem
from core.rules.tables import Rule
from core.tenancy.context import TenantContext

# Crockford's base32: no I, L, O, U, so a code read aloud or retyped survives.
_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def new_code() -> str:
    """16 random characters (80 bits) in four groups: ``7K2M-…``; unguessable, easy to type."""
    raw = "".join(secrets.choice(_CODE_ALPHABET) for _ in range(16))
    return "-".join(raw[i:i + 4] for i in range(0, 16, 4))


def normalize_code(text: str) -> str | None:
    """A code as stored, from what someone typed (any case, with or without hyphens, O for 0,
    I or L for 1); None when it cannot be one."""
    raw = text.strip().upper().replace("-", "").replace(" ", "").translate(str.maketrans("OIL", "011"))
    if len(raw) != 16 or any(c not in _CODE_ALPHABET for c in raw):
        return None
    return "-".join(raw[i:i + 4] for i in range(0, 16, 4))


# ---------------------------------------------------------------------------------------------
# What a proof lists


def _fields(value) -> dict:
    return msgspec.json.decode(value) if isinstance(value, (str, bytes)) else value or {}


def _float(value) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _day(value) -> str | None:
    if value is None:
        return None
    return (value.date() if isinstance(value, datetime) else value).isoformat()


async def _rules(rule_ids: set[int]) -> dict[int, dict]:
    return {r["id"]: r for r in await Rule.select(Rule.id, Rule.name, Rule.credits, Rule.ratio, Rule.agreement_id.name).where(
        Rule.id.is_in(list(rule_ids) or [0]))}


async def _outcomes(tenant: TenantContext, learner_id: int, ids: list[int]) -> tuple[list[OutcomeOut], list[ConversionOut]]:
    """The outcomes to list, re-checked now (one may have been deleted or rejected since the
    application), and the conversions that produced any of them."""
    rows = {r["id"]: r for r in await Achievement.select().where(
        Achievement.tenant_id == tenant.id, Achievement.learner_id == learner_id, Achievement.id.is_in(ids or [0]))}
    gone = [i for i in ids if i not in rows or rows[i]["status"] not in USABLE]
    if gone:
        raise ProofError("证明所列成果已被删除或不再处于认定状态，不能出具证明，请驳回后由学习者重新申请", 409)
    converted = [rows[i] for i in ids if rows[i]["source"] == "converted" and rows[i]["application_id"]]
    origins, sources, rules = {}, {}, {}
    if converted:  # the conversions that produced them: the applications, their sources and rules
        origins = {a["id"]: a for a in await Application.select(
            Application.id, Application.achievement_id, Application.rule_id, Application.decided_at).where(
            Application.id.is_in([r["application_id"] for r in converted]))}
        sources = {a["id"]: a["name"] for a in await Achievement.select(Achievement.id, Achievement.name).where(
            Achievement.id.is_in([o["achievement_id"] for o in origins.values() if o["achievement_id"]] or [0]))}
        rules = await _rules({r["rule_id"] for r in converted if r["rule_id"]})
    outcomes, conversions = [], []
    for i in ids:
        row = rows[i]
        fields = _fields(row["fields"])
        category, subtype = tenant.hooks.taxonomy.labels(row["category"], row["subtype"])
        rule = rules.get(row["rule_id"])
        credits = _float(fields.get("credits"))
        if credits is None and rule and row["source"] == "converted":
            credits = rule["credits"]
        outcomes.append(OutcomeOut(
            name=row["name"], category=category, subtype=subtype, institution=row["institution"], credits=credits,
            obtained_on=_day(row["obtained_at"]), certificate_no=row["certificate_no"] or "",
            recognition="转换取得" if row["source"] == "converted" else STATUS_LABELS.get(row["status"], ""),
        ))
        origin = origins.get(row["application_id"]) if row["source"] == "converted" else None
        if origin:
            conversions.append(ConversionOut(
                sources=[sources.get(origin["achievement_id"], "")], target=row["name"],
                target_institution=row["institution"], credits=rule["credits"] if rule else credits,
                ratio=rule["ratio"] if rule else None, rule=rule["name"] if rule else "",
                agreement=(rule["agreement_id.name"] or "") if rule else "", approved_on=_day(origin["decided_at"]),
                state="converted"))
    return outcomes, conversions


async def _approved_conversion(tenant: TenantContext, row: dict, now: datetime) -> tuple[list[OutcomeOut], list[ConversionOut]]:
    """A conversion approved for a proof (national OUC): its source outcome, and the conversion."""
    outcomes, _ = await _outcomes(tenant, row["learner_id"], [row["achievement_id"]])
    rule = (await _rules({row["rule_id"]})).get(row["rule_id"])
    target = await CatalogEntry.select(CatalogEntry.name, CatalogEntry.institution).where(
        CatalogEntry.id == row["target_entry_id"]).first()
    if rule is None or target is None:
        raise ProofError("转换规则或目标成果已不存在，不能出具证明", 409)
    return outcomes, [ConversionOut(
        sources=[o.name for o in outcomes], target=target["name"], target_institution=target["institution"],
        credits=rule["credits"], ratio=rule["ratio"], rule=rule["name"], agreement=rule["agreement_id.name"] or "",
        approved_on=_day(now), state="approved")]


# ---------------------------------------------------------------------------------------------
# Issuing


async def ensure_key(tenant: TenantContext) -> None:
    """Make the tenant's first signing key, if it has none, before a decision's transaction
    (so two first issuers racing on PostgreSQL never abort a decision)."""
    await vault().signing_key(tenant.id)


async def issue(tenant: TenantContext, row: dict, chain: ResolvedChain, now: datetime, site: str) -> dict:
    """Issue the proof an approved application ends in — a CLR 2.0 credential with its outcome
    credentials, each with the proof set, a place in the tenant's status list — and return
    ``{proof_code, verify_url}`` for the learner's notification. ``site`` is the tenant's
    address as ``core.certificates.api.tenant_base`` gives it (``…/t/{slug}``)."""
    if row["kind"] == "certificate":
        ids = [i["achievement_id"] for i in await ProofRequestItem.select(ProofRequestItem.achievement_id).where(
            ProofRequestItem.application_id == row["id"]).order_by(ProofRequestItem.position)]
        outcomes, conversions = await _outcomes(tenant, row["learner_id"], ids)
    else:
        outcomes, conversions = await _approved_conversion(tenant, row, now)
    learner = one(await Account.select(Account.real_name, Account.id_number_masked).where(
        Account.id == row["learner_id"], Account.tenant_id == tenant.id).first())
    holder = HolderOut(name=learner["real_name"], id_number_masked=learner["id_number_masked"] or "")
    last = chain.steps[-1]
    unit_name = last.unit_name or tenant.name
    code = new_code()
    list_id, index = await status.allocate(tenant.id)
    key = await vault().signing_key(tenant.id)
    method = identity.method_id(site, key.multibase)

    def signed_proof() -> dict:  # pure and CPU-bound (RDF canonicalization): off the event loop
        document = content.build(
            code=code, site=site, tenant_name=tenant.name, unit_name=unit_name, unit_code=last.unit_code,
            holder=holder, outcomes=outcomes, conversions=conversions, issued_at=now,
            issuer_id=identity.did_web(site), status=status.entry(site, list_id, index),
            sign_outcome=lambda outcome: credential.sign_set(outcome, key.private, method, now))
        return credential.sign_set(document, key.private, method, now)

    signed = await asyncio.to_thread(signed_proof)
    names = "、".join(o.name for o in outcomes)
    summary = (f"{outcomes[0].name} → {conversions[0].target_institution}“{conversions[0].target}”"
               if row["kind"] != "certificate" else f"{len(outcomes)} 项成果：{names}")
    await Proof.insert(Proof(
        tenant_id=tenant.id, code=code, learner_id=row["learner_id"], application_id=row["id"],
        kind=row["kind"], key_id=key.id, credential=msgspec.json.encode(signed).decode(), unit_name=unit_name[:200],
        summary=summary[:300], status="issued", issued_at=now, status_list=list_id, status_index=index))
    return {"proof_code": code, "verify_url": content.page_url(site, code)}


# ---------------------------------------------------------------------------------------------
# Reactions to reviews' decisions (registered by core.wiring)


async def on_application_deciding(tenant: TenantContext, event: ApplicationDeciding) -> None:
    """``ApplicationDeciding`` → a decision that will issue a proof finds the tenant's signing
    key made, before its transaction."""
    if event.issues_proof:
        await ensure_key(tenant)


async def on_application_decided(tenant: TenantContext, event: ApplicationDecided) -> None:
    """``ApplicationDecided`` → the final approval of an application that ends in a proof
    issues it, in the decision's transaction, and publishes ``ProofIssued``."""
    if not event.issues_proof:
        return
    issued = await issue(tenant, event.application, event.chain, event.decided_at, event.site)
    await publish(tenant, ProofIssued(
        tenant_id=tenant.id, actor=event.actor, target_id=None, application_id=event.application["id"],
        learner_id=event.application["learner_id"], proof_code=issued["proof_code"], verify_url=issued["verify_url"]))
