"""Issued proofs: the learner's own, verification by anyone, revocation and signing keys by a
tenant admin. No HTTP here; every query is scoped by tenant (and by learner for the learner's).

A verification always checks the signature — of the stored credential for a code, of the
document someone holds for a posted one — against the tenant's own keys (a key of another
tenant is unknown here), and reports what the tenant's record says and whether it was revoked.
"""

from __future__ import annotations

import asyncio
import re

import msgspec

from core.accounts.login import Principal
from core.certificates import content, credential
from core.certificates.errors import ProofError
from core.certificates.issuing import normalize_code
from core.certificates.keys import list_keys, vault
from core.certificates.pdf import BEIJING, render_pdf
from core.certificates.schemas import KeyOut, KeyPage, ProofContent, ProofPage, ProofSummary, Verdict
from core.certificates.tables import Proof
from core.clock import aware, utcnow
from core.tenancy.service import TenantContext

_CODE_IN_URL = re.compile(r"/verify/([0-9A-Za-z-]{16,24})/?(?:[?#].*)?$")


def _not_found(tenant: TenantContext, code: str) -> ProofError:
    return ProofError(f"{tenant.name}没有编号为 {code.strip()[:40]} 的学习成果认证证明，请核对证明上的编号", 404)


async def _record(tenant: TenantContext, code: str, learner_id: int | None = None) -> dict:
    normalized = normalize_code(code)
    if normalized is None:
        raise _not_found(tenant, code)
    query = Proof.select().where(Proof.tenant_id == tenant.id, Proof.code == normalized)
    if learner_id is not None:
        query = query.where(Proof.learner_id == learner_id)
    row = await query.first()
    if row is None:
        raise _not_found(tenant, code)
    return row


def _document(row: dict) -> dict:
    return msgspec.json.decode(row["credential"])


async def _signature(tenant: TenantContext, document: object) -> tuple[bool, str | None]:
    """(valid, problem) of ``document``'s signature under this tenant's keys."""
    try:
        parts = credential.proof_parts(document)
    except credential.MalformedProof:
        return False, "malformed"
    key_id = parts.verification_method.rpartition("#")[2]
    key = await vault().public_key(tenant.id, key_id) if key_id else None
    if key is None:
        return False, "unknown_key"
    return (True, None) if credential.check(parts, key) else (False, "tampered")


def _message(tenant: TenantContext, row: dict, signature_valid: bool, problem: str | None) -> str:
    if not signature_valid:
        return {
            "tampered": "签名无效：证明内容与签名不符，可能已被篡改，请以本学分银行的记录为准",
            "unknown_key": f"签名无效：该证明不是用{tenant.name}的签名密钥签发的",
        }.get(problem or "", "签名无效：证明文件缺少可识别的电子签名")
    if row["status"] == "revoked":
        return f"该证明已于 {aware(row['revoked_at']).astimezone(BEIJING):%Y-%m-%d} 撤销：{row['revoked_reason']}"
    return f"证明有效：电子签名验证通过，由{tenant.name}出具"


def _verdict(tenant: TenantContext, row: dict, signature_valid: bool, problem: str | None) -> Verdict:
    said: ProofContent = content.read(row["code"], _document(row))
    revoked = row["status"] == "revoked"
    return Verdict(
        code=row["code"], valid=signature_valid and not revoked, signature_valid=signature_valid, problem=problem,
        status=row["status"], revoked_reason=row["revoked_reason"] if revoked else None,
        revoked_at=aware(row["revoked_at"]) if revoked else None, message=_message(tenant, row, signature_valid, problem),
        title=said.title, holder=said.holder, achievements=said.achievements, conversions=said.conversions,
        issuer=said.issuer, issued_at=aware(row["issued_at"]), verify_url=said.verify_url,
        verification_method=said.verification_method,
    )


async def verify_code(tenant: TenantContext, code: str) -> Verdict:
    """The proof with ``code``, its stored credential's signature checked; 404 if unknown."""
    row = await _record(tenant, code)
    return _verdict(tenant, row, *await _signature(tenant, _document(row)))


def code_of(document: object) -> str | None:
    """The verification code a credential names (in ``id`` or ``credentialStatus.id``)."""
    if not isinstance(document, dict):
        return None
    status = document.get("credentialStatus")
    for url in (document.get("id"), status.get("id") if isinstance(status, dict) else None):
        if isinstance(url, str) and (match := _CODE_IN_URL.search(url)):
            return match.group(1)
    return None


async def verify_document(tenant: TenantContext, document: object) -> Verdict:
    """The verdict on a credential someone holds: its own signature, this tenant's record of
    the code it names. 400 if it names no code; 404 if this tenant issued no such proof."""
    code = code_of(document)
    if code is None:
        raise ProofError("不是本平台出具的学习成果认证证明：文件中没有证明编号", 400, extra={"field": "id"})
    row = await _record(tenant, code)
    return _verdict(tenant, row, *await _signature(tenant, document))


# ---------------------------------------------------------------------------------------------
# The learner's


def _summary(row: dict) -> ProofSummary:
    revoked = row["status"] == "revoked"
    return ProofSummary(
        code=row["code"], kind=row["kind"], title=content.TITLE, summary=row["summary"], status=row["status"],
        revoked_reason=row["revoked_reason"] if revoked else None, revoked_at=aware(row["revoked_at"]) if revoked else None,
        application_id=row["application_id"], unit=row["unit_name"], issued_at=aware(row["issued_at"]),
        verify_url=_document(row).get("id", ""),
    )


async def my_proofs(tenant: TenantContext, learner_id: int, *, cursor: int | None, limit: int) -> ProofPage:
    """Newest first; the cursor is the last proof's row id."""
    query = Proof.select().where(Proof.tenant_id == tenant.id, Proof.learner_id == learner_id)
    if cursor:
        query = query.where(Proof.id < cursor)
    rows = await query.order_by(Proof.id, ascending=False).limit(limit + 1)
    return ProofPage(items=[_summary(r) for r in rows[:limit]],
                     next_cursor=str(rows[limit - 1]["id"]) if len(rows) > limit else None)


async def my_credential(tenant: TenantContext, learner_id: int, code: str) -> bytes:
    """The signed credential exactly as issued (JSON bytes); 404 unless it is the learner's."""
    return (await _record(tenant, code, learner_id))["credential"].encode()


async def my_pdf(tenant: TenantContext, learner_id: int, code: str) -> tuple[str, bytes]:
    """(file name, PDF) of the learner's proof, drawn now from the stored credential."""
    row = await _record(tenant, code, learner_id)
    said = content.read(row["code"], _document(row))
    revoked = (aware(row["revoked_at"]), row["revoked_reason"]) if row["status"] == "revoked" else None
    # ~50 ms of drawing: off the event loop
    pdf = await asyncio.to_thread(render_pdf, said, tenant.name, tenant.branding, revoked)
    return f"学习成果认证证明-{row['code']}.pdf", pdf


# ---------------------------------------------------------------------------------------------
# Tenant administration


def _require_admin(actor: Principal) -> None:
    if not actor.has_role("tenant_admin"):
        raise ProofError("仅限学分银行管理中心管理员（tenant_admin）操作", 403)


async def revoke(tenant: TenantContext, actor: Principal, code: str, reason: str) -> Verdict:
    """Revoke an issued proof; verification says so (with the reason and time) from now on.
    409 if it was already revoked."""
    _require_admin(actor)
    if not reason.strip():
        raise ProofError("请填写撤销原因", 400, extra={"field": "reason"})
    row = await _record(tenant, code)
    changed = await Proof.update({Proof.status: "revoked", Proof.revoked_reason: reason.strip(),
                                  Proof.revoked_at: utcnow(), Proof.revoked_by: actor.id}).returning(Proof.id).where(
        Proof.id == row["id"], Proof.tenant_id == tenant.id, Proof.status == "issued")
    if not changed:
        raise ProofError("该证明已撤销", 409)
    return await verify_code(tenant, row["code"])


def _key_out(site: str, row: dict) -> KeyOut:
    controller = site
    public = credential.public_from_multikey(row["public_multibase"])
    return KeyOut(
        id=f"{site}/api/v1/proof-keys#{row['public_multibase']}", key_id=row["public_multibase"],
        controller=controller, public_key_multibase=row["public_multibase"], public_key_jwk=credential.public_jwk(public),
        status=row["status"], created_at=aware(row["created_at"]),
        retired_at=aware(row["retired_at"]) if row["retired_at"] else None,
    )


async def public_keys(tenant: TenantContext, site: str) -> KeyPage:
    """Every signing key the tenant has had, the active one first: old proofs verify with
    retired keys. Empty until the first proof is issued."""
    return KeyPage(items=[_key_out(site, r) for r in await list_keys(tenant.id)])


async def rotate_key(tenant: TenantContext, actor: Principal, site: str) -> KeyOut:
    _require_admin(actor)
    return _key_out(site, await vault().rotate(tenant.id, actor.id))
