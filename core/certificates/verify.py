"""Verifying a credential document, check by check: the one function every verification goes
through (``check_credential``) — the public verification of a code or a posted file today, the
import of a record from another credit bank later.

It knows nothing of tenants or databases: a ``Resolver`` answers what a verifier must look up
(a verification method, a status list). Each check ends ``ok`` True (passed), False (failed)
or None (could not be checked), with a plain Chinese line saying so.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Protocol

import msgspec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from core.certificates import credential, linked_data, status
from core.clock import aware

LEGACY_STATUS = "CreditBankProofStatus"  # content.STATUS_TYPE: proofs issued before status lists
LABELS = {
    "context": "上下文",
    "terms": "术语定义",
    "schema": "文档结构",
    "signature": "电子签名",
    "issuer_key": "签发密钥",
    "outcomes": "所含成果凭证",
    "dates": "有效期",
    "status": "撤销状态",
}


@dataclass(frozen=True)
class KeyInfo:
    """A verification method as resolved: its key, its controller (the issuer it speaks for),
    and when it was retired (None while current)."""

    public: Ed25519PublicKey
    controller: str
    retired_at: datetime | None = None


class Resolver(Protocol):
    async def key(self, method_id: str) -> KeyInfo | None:
        """The verification method ``method_id`` names, or None when unknown."""

    async def status_list(self, url: str) -> dict:
        """The ``BitstringStatusListCredential`` at ``url``. Raises ``status.StatusUnavailable``."""


@dataclass
class Check:
    name: str
    ok: bool | None
    message: str

    @property
    def label(self) -> str:
        return LABELS.get(self.name, self.name)


@dataclass
class Report:
    """``signature``: valid | tampered | unknown_key | retired_key | wrong_issuer | malformed |
    unsupported_cryptosuite | unknown_context. ``status``: ok | revoked | unavailable |
    not_listed (a document without a status list entry)."""

    checks: list[Check] = field(default_factory=list)
    signature: str = "malformed"
    status: str = "not_listed"
    cryptosuites: list[str] = field(default_factory=list)
    legacy: bool = False  # issued before the standard form: status from the issuer's record only

    def add(self, name: str, ok: bool | None, message: str) -> None:
        self.checks.append(Check(name, ok, message))

    @property
    def failed(self) -> bool:
        """Whether a check other than the status failed."""
        return any(c.ok is False and c.name != "status" for c in self.checks)

    @property
    def result(self) -> str:
        """valid | revoked | invalid | status_unknown."""
        if self.failed or self.signature != "valid":
            return "invalid"
        if self.status == "revoked":
            return "revoked"
        if self.status == "unavailable":
            return "status_unknown"
        return "valid"


def _issuer_id(document: dict) -> str | None:
    issuer = document.get("issuer")
    issuer = issuer.get("id") if isinstance(issuer, dict) else issuer
    return issuer if isinstance(issuer, str) else None


def _moment(value: object) -> datetime | None:
    try:
        return aware(msgspec.convert(value, datetime)) if isinstance(value, str) else None
    except msgspec.ValidationError:
        return None


def shape_problems(document: dict) -> list[str]:
    """What the VC 2.0 data model and the OB 3.0 / CLR 2.0 JSON Schemas require of the
    document and is missing (their ``required`` and ``proof`` as an array)."""
    problems = []
    context = linked_data.contexts_of(document)
    types = document.get("type") if isinstance(document.get("type"), list) else [document.get("type")]
    if context[:1] != [linked_data.VC_V2]:
        problems.append("@context 的第一项应为 W3C VC 2.0 上下文")
    if "VerifiableCredential" not in types:
        problems.append("type 应含 VerifiableCredential")
    if "ClrCredential" in types and context[:3] != [linked_data.VC_V2, linked_data.CLR_V2, linked_data.OB_V3]:
        problems.append("CLR 2.0 凭证的 @context 前三项应为 VC 2.0、CLR 2.0、OB 3.0 上下文")
    if {"AchievementCredential", "OpenBadgeCredential"} & set(types) and linked_data.OB_V3 not in context:
        problems.append("OB 3.0 凭证的 @context 应含 OB 3.0 上下文")
    for name in ("id", "issuer", "validFrom", "credentialSubject", "name"):
        if name not in document:
            problems.append(f"缺少 {name}")
    if _moment(document.get("validFrom")) is None and "validFrom" in document:
        problems.append("validFrom 不是日期时间")
    if "proof" in document and not isinstance(document["proof"], list):
        problems.append("proof 应为数组（OB 3.0 / CLR 2.0 的 JSON Schema）")
    subject = document.get("credentialSubject")
    if isinstance(subject, dict):
        if "ClrCredential" in types:
            if not subject.get("verifiableCredential"):
                problems.append("ClrSubject 缺少 verifiableCredential")
        elif "achievement" not in subject:
            problems.append("credentialSubject 缺少 achievement")
        achievements = subject.get("achievement")
        for item in achievements if isinstance(achievements, list) else [achievements]:
            if isinstance(item, dict):
                missing = [k for k in ("id", "type", "name", "description", "criteria") if k not in item]
                if missing:
                    problems.append(f"成果（Achievement）缺少 {'、'.join(missing)}")
                    break
    return problems


async def _signatures(document: dict, resolver: Resolver, report: Report | None = None) -> str:
    """The verdict on every proof of ``document`` (valid only if each is valid); adds the
    signature and key checks to ``report``."""
    try:
        # canonicalization (RDFC: tens of milliseconds a proof) in a thread: the event loop serves others meanwhile
        parts_list = await asyncio.to_thread(credential.all_proof_parts, document)
    except credential.MalformedProof as exc:
        if report:
            report.add("signature", False, f"签名无效：{exc}")
        return "malformed"
    issuer = _issuer_id(document)
    verdicts, suites = [], []
    for parts in parts_list:
        if isinstance(parts, credential.UnsupportedCryptosuite):
            verdicts.append(("unsupported_cryptosuite", str(parts)))
            continue
        if isinstance(parts, credential.MalformedProof):
            verdicts.append(("malformed", str(parts)))
            continue
        suites.append(parts.cryptosuite)
        info = await resolver.key(parts.verification_method)
        if info is None:
            verdicts.append(("unknown_key", "签名密钥不是该签发方公布的密钥"))
            continue
        if info.controller != issuer:
            verdicts.append(("wrong_issuer", "签名密钥不属于凭证所写的签发方"))
            continue
        created = _moment(parts.created)
        if info.retired_at is not None and (created is None or created > aware(info.retired_at)):
            verdicts.append(("retired_key", "签名时间晚于该密钥停用时间"))
            continue
        if not credential.check(parts, info.public):
            verdicts.append(("tampered", f"{parts.cryptosuite} 签名与内容不符，内容可能已被篡改"))
            continue
        verdicts.append(("valid", parts.cryptosuite))
    failed = [v for v in verdicts if v[0] != "valid"]
    if report is not None:
        report.cryptosuites = suites
        if failed:
            report.add("signature", False, f"签名无效：{failed[0][1]}")
        else:
            report.add("signature", True, f"电子签名验证通过（{'、'.join(v[1] for v in verdicts)}）")
        key_failed = next((v for v in failed if v[0] in ("unknown_key", "wrong_issuer", "retired_key")), None)
        if key_failed:
            report.add("issuer_key", False, key_failed[1])
        elif all(v[0] in ("valid", "tampered") for v in verdicts):
            report.add("issuer_key", True, "签名密钥由签发方公布，签名时未停用")
        else:
            report.add("issuer_key", None, "签名无法解析，未核对密钥")
    return failed[0][0] if failed else "valid"


async def _status(document: dict, resolver: Resolver, report: Report, lists: dict | None = None) -> None:
    entry = document.get("credentialStatus")
    if not isinstance(entry, dict) or entry.get("type") != "BitstringStatusListEntry":
        report.status = "not_listed"
        return
    try:
        url = entry["statusListCredential"]
        index = int(entry["statusListIndex"])
        if entry.get("statusPurpose") != status.PURPOSE:
            raise status.StatusUnavailable("不支持的状态用途")
        listed = await resolver.status_list(url)
        if lists is not None and (url, id(listed)) in lists:  # the same list, already checked in this run
            signed = lists[(url, id(listed))][1]
        else:
            signed = await _signatures(listed, resolver)
            if lists is not None:
                lists[(url, id(listed))] = (listed, signed)  # holding ``listed`` keeps its id unique
        if signed != "valid" or _issuer_id(listed) != _issuer_id(document):
            raise status.StatusUnavailable("状态列表的签名无效或不是签发方签发的")
        subject = listed.get("credentialSubject", {})
        if subject.get("statusPurpose") != status.PURPOSE:
            raise status.StatusUnavailable("状态列表的用途不符")
        revoked = status.is_set(status.decode(subject.get("encodedList")), index)
    except (status.StatusUnavailable, KeyError, TypeError, ValueError, AttributeError) as exc:
        report.status = "unavailable"
        report.add("status", None, f"无法核对撤销状态：{exc}。在能核对之前，请勿视为有效")
        return
    report.status = "revoked" if revoked else "ok"
    report.add("status", not revoked, "已撤销" if revoked else "未撤销（已核对签发方公布的状态列表）")


async def check_credential(document: object, resolver: Resolver, *, now: datetime | None = None,
                           status_too: bool = True, bundled_too: bool = True, lists: dict | None = None) -> Report:
    """Every check of ``document``: contexts shipped, every term defined, the required shape,
    each proof of the set (and of each credential bundled in a CLR, unless ``bundled_too`` is
    false: the caller checks each of them itself) under a key the issuer published and had not
    retired when signing, the dates, the revocation status (unless ``status_too`` is false:
    ``check_status`` adds it later). ``lists``, a dict the caller keeps across calls, spares
    checking the signature of one status list again for each credential that names it."""
    report = Report()
    if not isinstance(document, dict):
        report.add("schema", False, "证明文件应为 JSON 对象")
        return report
    now = now or datetime.now(UTC)
    try:
        linked_data.check_contexts(document)
    except linked_data.UnknownContext as exc:
        report.signature = "unknown_context"
        report.add("context", False, f"不认识的 JSON-LD 上下文：{str(exc)[:200]}，无法确认其含义")
        return report
    report.add("context", True, "所用上下文均为标准上下文或本平台公布的上下文")
    try:
        undefined = await asyncio.to_thread(linked_data.undefined_terms, document)
    except Exception as exc:  # pyld's errors: a document JSON-LD cannot read
        undefined = [f"（JSON-LD 无法处理：{type(exc).__name__}）"]
    report.add("terms", not undefined, "每个字段都有定义（JSON-LD 严格模式展开成功）" if not undefined
               else f"有未定义的字段：{'、'.join(undefined[:5])}")
    problems = shape_problems(document)
    report.add("schema", not problems, "结构符合 VC 2.0 / OB 3.0 / CLR 2.0 的要求" if not problems
               else "结构不符：" + "；".join(problems[:3]))
    status_entry = document.get("credentialStatus")
    report.legacy = isinstance(status_entry, dict) and status_entry.get("type") == LEGACY_STATUS
    if report.legacy:  # kept verifiable as issued; their form is not the standard one
        for check in report.checks:
            if check.name in ("terms", "schema") and check.ok is False:
                check.ok, check.message = None, f"早期格式的证明，不作标准格式检查（{check.message}）"
    report.signature = await _signatures(document, resolver, report)
    subject = document.get("credentialSubject")
    inner = subject.get("verifiableCredential") if isinstance(subject, dict) else None
    if isinstance(inner, list) and inner and bundled_too:
        bad = [i + 1 for i, c in enumerate(inner)
               if not isinstance(c, dict) or await _signatures(c, resolver) != "valid"]
        report.add("outcomes", not bad, f"所含 {len(inner)} 份成果凭证的签名均有效" if not bad
                   else f"第 {'、'.join(map(str, bad))} 份成果凭证的签名无效")
    valid_from, valid_until = _moment(document.get("validFrom")), _moment(document.get("validUntil"))
    if valid_from and valid_from > now:
        report.add("dates", False, "尚未生效（validFrom 晚于现在）")
    elif valid_until and valid_until < now:
        report.add("dates", False, "已过有效期")
    else:
        report.add("dates", True, "在有效期内" if valid_from else "未写明生效时间")
    if status_too:
        await _status(document, resolver, report, lists)
    return report


async def check_status(document: dict, resolver: Resolver, report: Report) -> Report:
    """``report`` with the revocation status of ``document`` checked (now)."""
    await _status(document, resolver, report)
    return report
