"""Importing a learner's record from another credit bank (跨省学分互认): a CLR 2.0 file is
verified as a whole and credential by credential — signature under a key its issuer publishes,
issuer on the importing tenant's trust registry (``trust``), revocation status checked and not
revoked ("could not check" refuses), the person the importing learner — and only then each
outcome is stored as an external, verified outcome (``ExternalOutcome``) of this tenant, linked
to this tenant's catalog entry of the same name and institution where there is one, so rules
match it like any other catalog outcome.

All or nothing: one credential that fails refuses the file (422) with a Chinese verdict naming
it and why (the credentials after it are not checked), and nothing is written. A credential
imported before is not imported again. The checks run on the event loop (RDF canonicalization:
some 70 ms per outcome credential on a loaded 2-core machine); a record holds at most
``MAX_CREDENTIALS``.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import date

import httpx
import msgspec

from core.accounts.audit import audit
from core.accounts.tables import Account
from core.achievements.tables import Achievement
from core.catalog.tables import CatalogEntry
from core.certificates import credential, identity, record, status, trust
from core.certificates.errors import ProofError
from core.certificates.record_tables import ExternalOutcome
from core.certificates.service import TenantResolver
from core.certificates.verify import KeyInfo, Report, Resolver, check_credential
from core.clock import utcnow
from core.db import one
from core.events import counted
from core.security.pii import PiiProtector
from core.tenancy.context import TenantContext
from core.tenancy.service import TenantRegistry

MAX_CREDENTIALS = record.MAX_RECORD
FETCH_LIMIT = 1024 * 1024  # a DID document or status list from outside: no more than this
FETCH_TIMEOUT = 5.0


class CredentialVerdict(msgspec.Struct, kw_only=True):
    """One credential of the file: ``position`` counts from 1 in the file's order."""

    position: int
    id: str
    name: str
    ok: bool
    message: str


class ImportedOut(msgspec.Struct, kw_only=True):
    achievement_id: int
    name: str
    institution: str
    catalog_entry_id: int | None
    credential_id: str
    already: bool = False  # imported before: nothing new was stored


class ImportOut(msgspec.Struct, kw_only=True):
    record_id: str
    issuer: str
    issuer_name: str
    imported: list[ImportedOut]
    credentials: list[CredentialVerdict]
    message: str


class ImportRefused(ProofError):
    """The file, or a credential in it, did not verify: nothing was imported."""

    status = 422


class WebResolver:
    """What a verifier looks up for an outside did:web issuer, over HTTPS: the DID document
    (``identity.did_document_url``) and the status lists, each at most ``FETCH_LIMIT`` bytes
    within ``FETCH_TIMEOUT`` seconds."""

    def __init__(self, did: str, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.did = did
        self._transport = transport
        self._documents: dict[str, dict | None] = {}

    async def _get(self, url: str) -> dict | None:
        if url in self._documents:
            return self._documents[url]
        found = None
        try:
            async with httpx.AsyncClient(timeout=FETCH_TIMEOUT, transport=self._transport,
                                         follow_redirects=False) as client:
                response = await client.get(url, headers={"Accept": "application/json"})
            if response.status_code == 200 and len(response.content) <= FETCH_LIMIT:
                decoded = msgspec.json.decode(response.content)
                found = decoded if isinstance(decoded, dict) else None
        except (httpx.HTTPError, msgspec.DecodeError, ValueError):
            found = None
        self._documents[url] = found
        return found

    async def key(self, method_id: str) -> KeyInfo | None:
        did, _, fragment = method_id.partition("#")
        if did != self.did or not fragment:
            return None
        document = await self._get(identity.did_document_url(did))
        if not document or document.get("id") != did:
            return None
        assertion = document.get("assertionMethod") or []
        for method in document.get("verificationMethod") or []:
            if not isinstance(method, dict) or method.get("id") not in (method_id, f"#{fragment}"):
                continue
            if method.get("type") != "Multikey" or not ({method_id, f"#{fragment}"} & set(
                    a for a in assertion if isinstance(a, str))):
                return None
            try:
                return KeyInfo(credential.public_from_multikey(str(method.get("publicKeyMultibase"))), did)
            except ValueError:
                return None
        return None

    async def status_list(self, url: str) -> dict:
        if not isinstance(url, str) or not url.startswith("https://"):
            raise status.StatusUnavailable("状态列表地址不是 HTTPS 地址")
        document = await self._get(url)
        if document is None:
            raise status.StatusUnavailable("状态列表无法读取")
        return document


@dataclass
class _Source:
    accepted: trust.Accepted
    resolver: Resolver


def _issuer_of(document: object) -> str:
    issuer = document.get("issuer") if isinstance(document, dict) else None
    issuer = issuer.get("id") if isinstance(issuer, dict) else issuer
    return issuer if isinstance(issuer, str) else ""


def _name_of(document: object) -> str:
    name = document.get("name") if isinstance(document, dict) else None
    return name[:100] if isinstance(name, str) else ""


def _first_failure(report: Report, require_status: bool = True) -> str | None:
    """The first reason ``report`` refuses an import, in plain Chinese, or None."""
    failed = next((c for c in report.checks if c.ok is False), None)
    if failed is not None and failed.name == "status":
        return f"{failed.label}——签发方已撤销该凭证（成果已被撤销、删除或不再处于认定状态），不能导入"
    if failed is not None:
        return f"{failed.label}——{failed.message}"
    if report.result != "valid":
        unsure = next((c for c in report.checks if c.ok is None and c.name == "status"), None)
        return f"撤销状态——{unsure.message}" if unsure else "未通过查验"
    if require_status and report.status != "ok":
        return "撤销状态——凭证没有可核对的撤销状态（BitstringStatusListEntry），无法确认未被撤销"
    return None


@dataclass
class _Person:
    """The importing learner as a credential may name them: the platform's keyed lookup hash of
    their ID number, and the number itself, opened only if a credential names the person by an
    OB 3.0 hashed ``nationalIdentityNumber`` (an outside issuer's form) and never kept."""

    id_number_hash: str | None
    id_number_enc: str | None
    pii: PiiProtector | None

    def id_number(self) -> str | None:
        if not self.id_number_enc or self.pii is None:
            return None
        try:
            return self.pii.decrypt(self.id_number_enc)
        except Exception:  # a key that no longer opens it: the person cannot be matched this way
            return None


def _identity_matches(document: dict, person: _Person) -> bool:
    """Whether the credential's subject is ``person``: by this platform's salted hash of the
    keyed ID-number hash (``record.identifiers``), or by an OB 3.0 ``IdentityHash``
    (``sha256$`` of the ID number and salt) of type ``nationalIdentityNumber``. A plain ID
    number in a credential is not accepted: it would be kept in clear with the credential."""
    subject = document.get("credentialSubject")
    items = subject.get("identifier") if isinstance(subject, dict) else None
    if not isinstance(items, list):
        return False
    for item in items:
        if not (isinstance(item, dict) and item.get("hashed") is True and isinstance(item.get("identityHash"), str)):
            continue
        raw_salt = item.get("salt")
        salt = raw_salt if isinstance(raw_salt, str) else ""
        if item.get("identityType") == record.SUBJECT_TYPE and person.id_number_hash and salt:
            return item["identityHash"] == record.subject_hash(person.id_number_hash, salt)
        if item.get("identityType") == "nationalIdentityNumber" and (number := person.id_number()):
            return item["identityHash"].lower() == "sha256$" + hashlib.sha256((number + salt).encode()).hexdigest()
    return False


def _day(value: object) -> date | None:
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _text(value: object, length: int) -> str:
    return value.strip()[:length] if isinstance(value, str) else ""


def _credits(value: object) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _proof_value(document: dict) -> str:
    proofs = document.get("proof")
    proofs = proofs if isinstance(proofs, list) else [proofs]
    return next((str(p.get("proofValue"))[:200] for p in proofs if isinstance(p, dict)
                 and p.get("cryptosuite") == credential.CRYPTOSUITE), "")


def _names_id_number(item: dict) -> bool:
    subject = item.get("credentialSubject")
    identifiers = subject.get("identifier") if isinstance(subject, dict) else None
    return isinstance(identifiers, list) and any(
        isinstance(i, dict) and i.get("identityType") == "nationalIdentityNumber" for i in identifiers)


def kept_credential(item: dict, pii: PiiProtector | None) -> str:
    """The credential as received, to keep with the outcome. One naming the person by a hash of
    their ID number (an outside issuer's form: a salted SHA-256 that a search over ID numbers
    would reverse) is kept encrypted like ID numbers are (``enc:`` + AES-GCM), or without that
    identifier when there is no key to hand."""
    text = msgspec.json.encode(item).decode()
    if not _names_id_number(item):
        return text
    if pii is not None:
        return "enc:" + pii.encrypt(text)
    subject = dict(item["credentialSubject"])
    subject["identifier"] = [i for i in subject["identifier"]
                             if not (isinstance(i, dict) and i.get("identityType") == "nationalIdentityNumber")]
    return msgspec.json.encode({**item, "credentialSubject": subject}).decode()


async def _source(tenant: TenantContext, did: str, base_url: str, registry: TenantRegistry,
                  sources: dict[str, _Source | None], transport: httpx.AsyncBaseTransport | None = None) -> _Source | None:
    if did not in sources:
        accepted = await trust.accepted(tenant, did, base_url, registry)
        if accepted is None:
            sources[did] = None
        elif accepted.source is not None:
            sources[did] = _Source(accepted, TenantResolver(accepted.source, accepted.source.site(base_url)))
        else:
            sources[did] = _Source(accepted, WebResolver(did, transport))
    return sources[did]


def _refuse(message: str, verdicts: list[CredentialVerdict]) -> ImportRefused:
    return ImportRefused(message, extra={"credentials": [msgspec.to_builtins(v) for v in verdicts]})


async def import_record(tenant: TenantContext, learner_id: int, document: object, base_url: str,
                        registry: TenantRegistry, *, pii: PiiProtector | None = None,
                        transport: httpx.AsyncBaseTransport | None = None) -> ImportOut:
    """Verify ``document`` and store its outcomes for the learner, all or nothing. 400 if it is
    not a CLR record; 422 naming the credential that failed and why. ``pii`` opens the learner's
    ID number for an outside issuer's hashed ``nationalIdentityNumber``; ``transport`` carries
    the HTTPS look-ups of outside issuers (the network by default)."""
    types = document.get("type") if isinstance(document, dict) else None
    if not isinstance(document, dict) or not isinstance(types, list) or "ClrCredential" not in types:
        raise ProofError("上传的文件不是学习档案：应为 CLR 2.0 学习档案（ClrCredential）的 JSON 文件", 400,
                         extra={"field": "file"})
    subject = document.get("credentialSubject")
    inner = subject.get("verifiableCredential") if isinstance(subject, dict) else None
    if not isinstance(inner, list) or not inner:
        raise ProofError("学习档案中没有成果凭证（verifiableCredential），没有可导入的成果", 400, extra={"field": "file"})
    if len(inner) > MAX_CREDENTIALS:
        raise ProofError(f"一份学习档案最多导入 {MAX_CREDENTIALS} 项成果", 400, extra={"field": "file"})
    site = tenant.site(base_url)
    did = _issuer_of(document)
    if did == identity.did_web(site):
        raise ProofError("这是本学分银行签发的学习档案，其中的成果已在您的账户中，无需导入", 400, extra={"field": "file"})
    sources: dict[str, _Source | None] = {}
    outer = await _source(tenant, did, base_url, registry, sources, transport)
    if outer is None:
        raise _refuse(f"未导入任何成果：签发方 {did[:120] or '（未写明）'} 不在{tenant.name}的信任名单中。"
                      "信任名单由全国学分银行平台维护，如需互认请联系本学分银行管理中心", [])
    account = one(await Account.select(Account.id_number_hash, Account.id_number_enc).where(
        Account.id == learner_id, Account.tenant_id == tenant.id).first())
    person = _Person(account["id_number_hash"], account["id_number_enc"], pii)

    verdicts: list[CredentialVerdict] = []
    lists: dict = {}  # each status list's signature checked once for the whole file
    for position, item in enumerate(inner, start=1):
        verdicts.append(await _verdict(tenant, position, item, person, base_url, registry, sources, lists, transport))
        if not verdicts[-1].ok:  # the file is refused: checking the rest would cost time for nothing
            break
    failed = next((v for v in verdicts if not v.ok), None)
    if failed is not None:
        raise _refuse(f"未导入任何成果：第 {failed.position} 份成果凭证“{failed.name or failed.id}”未通过查验：{failed.message}",
                      verdicts)
    whole = await check_credential(document, outer.resolver, bundled_too=False)  # each was checked above
    problem = _first_failure(whole, require_status=False)
    if problem is not None:
        raise _refuse(f"未导入任何成果：学习档案整体未通过查验：{problem}", verdicts)

    try:
        imported = await _store(tenant, learner_id, document, inner, sources, pii)
    except Exception as exc:  # the same file imported twice at once: the unique index keeps one
        if "unique" in str(exc).lower():
            raise ProofError("该学习档案正在导入，请稍后刷新页面查看结果", 409) from exc
        raise
    new = [i for i in imported if not i.already]
    names = "、".join(i.name for i in new[:5]) + ("等" if len(new) > 5 else "")
    message = (f"已导入 {len(new)} 项成果（{names}），来自{outer.accepted.name}" if new
               else "档案中的成果此前均已导入，本次没有新增")
    if len(new) < len(imported) and new:
        message += f"；另有 {len(imported) - len(new)} 项此前已导入"
    return ImportOut(record_id=_text(document.get("id"), 300), issuer=did, issuer_name=outer.accepted.name,
                     imported=imported, credentials=verdicts, message=message)


async def _verdict(tenant: TenantContext, position: int, item: object, person: _Person, base_url: str,
                   registry: TenantRegistry, sources: dict[str, _Source | None], lists: dict,
                   transport: httpx.AsyncBaseTransport | None) -> CredentialVerdict:
    credential_id = _text(item.get("id"), 300) if isinstance(item, dict) else ""
    name = _name_of(item)

    def verdict(ok: bool, message: str) -> CredentialVerdict:
        return CredentialVerdict(position=position, id=credential_id, name=name, ok=ok, message=message)

    types = item.get("type") if isinstance(item, dict) else None
    if not isinstance(item, dict) or not isinstance(types, list) or "AchievementCredential" not in types:
        return verdict(False, "不是 Open Badges 3.0 成果凭证（AchievementCredential）")
    if not credential_id:
        return verdict(False, "凭证缺少 id")
    did = _issuer_of(item)
    source = await _source(tenant, did, base_url, registry, sources, transport)
    if source is None:
        return verdict(False, f"签发方 {did[:120] or '（未写明）'} 不在{tenant.name}的信任名单中")
    report = await check_credential(item, source.resolver, lists=lists)
    problem = _first_failure(report)
    if problem is not None:
        return verdict(False, problem)
    if not _identity_matches(item, person):
        return verdict(False, "身份不符——凭证的持有人不是您本人（按证件号码核对），只能导入本人的学习档案")
    return verdict(True, f"查验通过，由{source.accepted.name}签发")


async def _entry_for(tenant_id: int, name: str, institution: str) -> dict | None:
    """This tenant's active catalog entry with the outcome's name and institution, if any."""
    if not name:
        return None
    return await CatalogEntry.select(CatalogEntry.id, CatalogEntry.category, CatalogEntry.subtype).where(
        CatalogEntry.tenant_id == tenant_id, CatalogEntry.name == name, CatalogEntry.institution == institution,
        CatalogEntry.active == True).order_by(CatalogEntry.id).first()  # noqa: E712


async def _store(tenant: TenantContext, learner_id: int, document: dict, inner: list[dict],
                 sources: dict[str, _Source | None], pii: PiiProtector | None) -> list[ImportedOut]:
    record_id = _text(document.get("id"), 300)
    now = utcnow()
    out: list[ImportedOut] = []
    async with Achievement._meta.db.transaction():
        for item in inner:
            did, credential_id = _issuer_of(item), _text(item.get("id"), 300)
            source = sources[did]
            assert source is not None  # every credential was accepted above
            held = await ExternalOutcome.select(ExternalOutcome.id, ExternalOutcome.achievement_id).where(
                ExternalOutcome.tenant_id == tenant.id, ExternalOutcome.learner_id == learner_id,
                ExternalOutcome.issuer_did == did, ExternalOutcome.credential_id == credential_id).first()
            if held is not None:
                row = await Achievement.select(Achievement.id, Achievement.name, Achievement.institution,
                                               Achievement.catalog_entry_id).where(
                    Achievement.tenant_id == tenant.id, Achievement.id == held["achievement_id"],
                    Achievement.learner_id == learner_id).first()
                if row is not None:
                    out.append(ImportedOut(achievement_id=row["id"], name=row["name"], institution=row["institution"],
                                           catalog_entry_id=row["catalog_entry_id"], credential_id=credential_id,
                                           already=True))
                    continue
                # the learner deleted the outcome since: import it anew
                await ExternalOutcome.delete().where(ExternalOutcome.tenant_id == tenant.id,
                                                     ExternalOutcome.id == held["id"])
            achievement = item["credentialSubject"].get("achievement", {})
            achievement = achievement if isinstance(achievement, dict) else {}
            name = _text(achievement.get("name"), 200) or _text(item.get("name"), 200)
            creator = achievement.get("creator")  # OB 3.0: the achievement's creator, where our term is absent
            institution = (_text(achievement.get("institution"), 200)
                           or (_text(creator.get("name"), 200) if isinstance(creator, dict) else ""))
            entry = await _entry_for(tenant.id, name, institution)
            credits = _credits(achievement.get("creditsAvailable"))
            fields: dict[str, object] = {"source_credit_bank": source.accepted.name}
            if credits is not None:
                fields["credits"] = credits
            certificate_no = _text(achievement.get("certificateNumber"), 100)
            if certificate_no:
                fields["certificate_no"] = certificate_no
            rows = await Achievement.insert(Achievement(
                tenant_id=tenant.id, learner_id=learner_id,
                category=entry["category"] if entry else _text(achievement.get("category"), 32) or "external",
                subtype=entry["subtype"] if entry else _text(achievement.get("subtype"), 64) or "external",
                catalog_entry_id=entry["id"] if entry else None, name=name or "（未命名成果）", institution=institution,
                fields=fields, obtained_at=_day(achievement.get("obtainedOn")), status="recognized", source="external",
                certificate_no=certificate_no, created_at=now, updated_at=now)).returning(Achievement.id)
            achievement_id = rows[0]["id"]
            await counted(tenant.id, "achievement", [achievement_id])  # the unit report's counters
            await ExternalOutcome.insert(ExternalOutcome(
                tenant_id=tenant.id, learner_id=learner_id, achievement_id=achievement_id, issuer_did=did[:300],
                issuer_name=source.accepted.name[:200],
                source_tenant_id=source.accepted.source.id if source.accepted.source else None,
                credential_id=credential_id, record_id=record_id, proof_value=_proof_value(item),
                credential=kept_credential(item, pii), imported_at=now))
            out.append(ImportedOut(achievement_id=achievement_id, name=name, institution=institution,
                                   catalog_entry_id=entry["id"] if entry else None, credential_id=credential_id))
        new = [o for o in out if not o.already]
        if new:
            await audit(tenant.id, learner_id, "record.import", f"account:{learner_id}",
                        f"导入学习档案 {record_id[:80]}：{len(new)} 项成果")
    return out


async def imported_outcomes(tenant: TenantContext, learner_id: int) -> list[dict]:
    """The learner's imported outcomes, newest first: achievement, source and when."""
    rows = await ExternalOutcome.select(
        ExternalOutcome.achievement_id, ExternalOutcome.issuer_name, ExternalOutcome.issuer_did,
        ExternalOutcome.credential_id, ExternalOutcome.imported_at).where(
        ExternalOutcome.tenant_id == tenant.id, ExternalOutcome.learner_id == learner_id).order_by(
        ExternalOutcome.id, ascending=False).limit(record.MAX_RECORD)
    names = {a["id"]: a for a in await Achievement.select(Achievement.id, Achievement.name, Achievement.institution,
                                                          Achievement.catalog_entry_id).where(
        Achievement.tenant_id == tenant.id, Achievement.learner_id == learner_id,
        Achievement.id.is_in([r["achievement_id"] for r in rows] or [0]))}
    return [{**r, "name": names[r["achievement_id"]]["name"], "institution": names[r["achievement_id"]]["institution"],
             "matched": bool(names[r["achievement_id"]]["catalog_entry_id"])}
            for r in rows if r["achievement_id"] in names]
