"""Issued proofs: the learner's own, verification by anyone, revocation and signing keys by a
tenant admin. No HTTP here; every query is scoped by tenant (and by learner for the learner's).

A verification runs every check of ``verify.check_credential`` — on the stored credential for a
code, on the document someone holds for a posted one — with this tenant's keys and status lists
(a key of another tenant is unknown here), and reports what the tenant's record says.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import re

import msgspec

from core.accounts.audit import audit
from core.certificates import content, credential, identity, status
from core.certificates.errors import ProofError
from core.certificates.issuing import normalize_code
from core.certificates.keys import list_keys, vault
from core.certificates.pdf import BEIJING, render_pdf
from core.certificates.schemas import CheckOut, KeyOut, KeyPage, ProofContent, ProofPage, ProofSummary, Verdict
from core.certificates.tables import Proof, ProofKey
from core.certificates.verify import KeyInfo, Report, check_credential, check_status
from core.clock import aware, utcnow
from core.paging import keyset
from core.security.permissions import require
from core.security.principal import Principal
from core.tenancy.context import TenantContext

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


class TenantResolver:
    """What a verifier looks up, answered from this tenant's own rows (no HTTP): its keys, as
    its DID documents name them (and, for proofs issued before DIDs, as the old key list named
    them), and its status lists, signed as they are published.

    A tenant is reached under more than one host (the platform's, its own), so ids are matched
    by the tenant's path (``did:web:<host>:t:<slug>``, ``<host>/t/<slug>/…``) — the key itself
    must still be one of this tenant's. With a configured base URL this narrows to that host."""

    def __init__(self, tenant: TenantContext, site: str) -> None:
        self.tenant, self.site = tenant, site
        slug = re.escape(tenant.slug)
        self._did = re.compile(rf"^did:web:[^:#/]+:t:{slug}$")
        self._legacy = re.compile(rf"^(https?://[^/#?]+/t/{slug})/api/v1/proof-keys$")
        self._list = re.compile(rf"^(https?://[^/#?]+/t/{slug})/api/v1/status-lists/(\d{{1,9}})$")
        self._keys: dict[str, KeyInfo | None] = {}

    async def key(self, method_id: str) -> KeyInfo | None:
        if method_id not in self._keys:
            self._keys[method_id] = await self._key(method_id)
        return self._keys[method_id]

    async def _key(self, method_id: str) -> KeyInfo | None:
        head, _, multibase = method_id.partition("#")
        legacy = self._legacy.match(head)
        controller = head if self._did.match(head) else legacy.group(1) if legacy else None
        if controller is None or not multibase:
            return None
        row = await ProofKey.select(ProofKey.retired_at).where(
            ProofKey.tenant_id == self.tenant.id, ProofKey.public_multibase == multibase).first()
        if row is None:
            return None
        return KeyInfo(credential.public_from_multikey(multibase), controller, row["retired_at"])

    async def status_list(self, url: str) -> dict:
        match = self._list.match(url) if isinstance(url, str) else None
        if match is None:
            raise status.StatusUnavailable("状态列表不是本学分银行公布的")
        try:
            document = await status_list_credential(self.tenant, match.group(1), int(match.group(2)))
        except ProofError as exc:
            raise status.StatusUnavailable(str(exc)) from exc
        except Exception as exc:  # the database or the key store away: say so, never "valid"
            raise status.StatusUnavailable("状态列表暂时无法读取") from exc
        return document


_PROBLEM_MESSAGES = {
    "tampered": "签名无效：证明内容与签名不符，可能已被篡改，请以本学分银行的记录为准",
    "unknown_context": "无法查验：证明文件使用了本平台不认识的 JSON-LD 上下文，其内容含义无法确认",
    "unsupported_cryptosuite": "签名无效：证明使用了不支持的签名算法（应为 eddsa-rdfc-2022 / eddsa-jcs-2022）",
    "retired_key": "签名无效：签名时间晚于该签名密钥的停用时间",
    "wrong_issuer": "签名无效：签名密钥不属于证明所写的出具单位",
}


def _message(tenant: TenantContext, row: dict, report: Report) -> str:
    if report.signature == "unknown_key":
        return f"签名无效：该证明不是用{tenant.name}的签名密钥签发的"
    if report.signature != "valid":
        return _PROBLEM_MESSAGES.get(report.signature, "签名无效：证明文件缺少可识别的电子签名")
    if report.failed:
        first = next(c for c in report.checks if c.ok is False and c.name != "status")
        return f"证明无效：{first.label}——{first.message}"
    if row["status"] == "revoked" or report.status == "revoked":
        when = f" {aware(row['revoked_at']).astimezone(BEIJING):%Y-%m-%d} " if row["revoked_at"] else ""
        return f"该证明已于{when}撤销：{row['revoked_reason']}"
    if report.status == "unavailable":
        return "暂时无法核对该证明是否已被撤销：签名有效，但在核对撤销状态之前不能确认证明有效，请稍后再试"
    return f"证明有效：电子签名验证通过，由{tenant.name}出具"


def _verdict(tenant: TenantContext, row: dict, report: Report) -> Verdict:
    said: ProofContent = content.read(row["code"], _document(row))
    revoked = row["status"] == "revoked"
    signature_valid = report.signature == "valid"
    result = "revoked" if revoked and report.result != "invalid" else report.result
    return Verdict(
        code=row["code"], valid=result == "valid", signature_valid=signature_valid,
        problem=None if signature_valid else report.signature, result=result,
        status=row["status"], status_check=report.status, revoked_reason=row["revoked_reason"] if revoked else None,
        revoked_at=aware(row["revoked_at"]) if revoked else None, message=_message(tenant, row, report),
        checks=[CheckOut(name=c.name, label=c.label, ok=c.ok, message=c.message) for c in report.checks],
        cryptosuites=report.cryptosuites,
        title=said.title, holder=said.holder, achievements=said.achievements, conversions=said.conversions,
        issuer=said.issuer, issued_at=aware(row["issued_at"]), verify_url=said.verify_url,
        verification_method=said.verification_method,
    )


# Checks other than the status, by (tenant, number of keys, document digest): they depend on the
# bytes and the keys only (a rotation changes the count), and RDF canonicalization of a proof
# costs a large part of a second; the status is always checked anew.
_REPORTS: dict[tuple, Report] = {}


async def _check(tenant: TenantContext, site: str, document: object) -> Report:
    resolver = TenantResolver(tenant, site)
    if not isinstance(document, dict):
        return await check_credential(document, resolver)
    keys = await ProofKey.count().where(ProofKey.tenant_id == tenant.id)
    cache_key = (tenant.id, site, keys, hashlib.sha256(msgspec.json.encode(document)).digest())
    cached = _REPORTS.get(cache_key)
    if cached is None:
        if len(_REPORTS) > 1024:
            _REPORTS.clear()
        cached = _REPORTS[cache_key] = await check_credential(document, resolver, status_too=False)
    report = copy.deepcopy(cached)
    return await check_status(document, resolver, report)


async def verify_code(tenant: TenantContext, code: str, site: str) -> Verdict:
    """The proof with ``code``, its stored credential checked as any verifier would; 404 if unknown."""
    row = await _record(tenant, code)
    return _verdict(tenant, row, await _check(tenant, site, _document(row)))


def code_of(document: object) -> str | None:
    """The verification code a credential names (in ``id`` or ``credentialStatus.id``)."""
    if not isinstance(document, dict):
        return None
    status_entry = document.get("credentialStatus")
    for url in (document.get("id"), status_entry.get("id") if isinstance(status_entry, dict) else None):
        if isinstance(url, str) and (match := _CODE_IN_URL.search(url)):
            return match.group(1)
    return None


async def verify_document(tenant: TenantContext, document: object, site: str) -> Verdict:
    """The verdict on a credential someone holds: every check of the document itself, this
    tenant's record of the code it names. 400 if it names no code; 404 if this tenant issued
    no such proof."""
    code = code_of(document)
    if code is None:
        raise ProofError("不是本平台出具的学习成果认证证明：文件中没有证明编号", 400, extra={"field": "id"})
    row = await _record(tenant, code)
    return _verdict(tenant, row, await _check(tenant, site, document))


# ---------------------------------------------------------------------------------------------
# What a verifier resolves: the DID document, each key, the status lists


async def did_document(tenant: TenantContext, site: str) -> dict:
    """The tenant's controller document; its first key is made now if it has none yet, so the
    DID always resolves to a key."""
    await vault().signing_key(tenant.id)
    return identity.did_document(site, tenant.name, await list_keys(tenant.id))


async def key_document(tenant: TenantContext, site: str, multibase: str) -> dict:
    row = await ProofKey.select(ProofKey.public_multibase).where(
        ProofKey.tenant_id == tenant.id, ProofKey.public_multibase == multibase).first()
    if row is None:
        raise ProofError(f"{tenant.name}没有这把签名密钥", 404)
    return identity.key_document(site, row)


_LISTS: dict[tuple, dict] = {}  # signed lists by (tenant, site, list, revoked bits, key): re-signed on change


async def status_list_credential(tenant: TenantContext, site: str, list_id: int) -> dict:
    """The signed ``BitstringStatusListCredential`` of one of the tenant's lists; 404 if it has
    no such list."""
    indexes = await status.revoked(tenant.id, list_id)
    if indexes is None:
        raise ProofError(f"{tenant.name}没有编号为 {list_id} 的状态列表", 404)
    key = await vault().signing_key(tenant.id)
    cache_key = (tenant.id, site, list_id, tuple(indexes), key.multibase)
    cached = _LISTS.get(cache_key)
    if cached is None:
        if len(_LISTS) > 256:
            _LISTS.clear()
        now = utcnow()
        unsigned = status.list_credential(site, identity.did_web(site), list_id, indexes, credential.xml_datetime(now))
        cached = _LISTS[cache_key] = await asyncio.to_thread(
            credential.sign_set, unsigned, key.private, identity.method_id(site, key.multibase), now)
    return cached


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
    return await keyset(query, Proof.id, cursor=cursor, limit=limit, out=_summary)


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
    require(actor, "proofs.manage")


async def revoke(tenant: TenantContext, actor: Principal, code: str, reason: str, site: str) -> Verdict:
    """Revoke an issued proof; verification says so (with the reason and time) from now on.
    409 if it was already revoked."""
    _require_admin(actor)
    if not reason.strip():
        raise ProofError("请填写撤销原因", 400, extra={"field": "reason"})
    row = await _record(tenant, code)
    async with Proof._meta.db.transaction():
        changed = await Proof.update({Proof.status: "revoked", Proof.revoked_reason: reason.strip(),
                                      Proof.revoked_at: utcnow(), Proof.revoked_by: actor.id}).returning(Proof.id).where(
            Proof.id == row["id"], Proof.tenant_id == tenant.id, Proof.status == "issued")
        if not changed:
            raise ProofError("该证明已撤销", 409)
        await audit(tenant.id, actor.id, "proof.revoke", f"proof:{row['id']}", reason.strip(),
                    changes={"status": ["issued", "revoked"]})
    return await verify_code(tenant, row["code"], site)


def _key_out(site: str, row: dict) -> KeyOut:
    public = credential.public_from_multikey(row["public_multibase"])
    return KeyOut(
        id=identity.method_id(site, row["public_multibase"]), key_id=row["public_multibase"],
        controller=identity.did_web(site), url=identity.key_url(site, row["public_multibase"]), public_key_multibase=row["public_multibase"], public_key_jwk=credential.public_jwk(public),
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
