"""The trust registry (信任名单): which issuers each tenant accepts records from — other
tenants of the platform, and outside Open Badges 3.0 issuers named by their ``did:web`` DID.
The national console keeps it (``core.platform.trust_api``, ``trust_pages``); an import
(``record_import``) refuses a credential whose issuer is not on the importing tenant's list.

A platform tenant is trusted as a tenant, not as a DID: its DID follows its base URL
(``identity.did_web``), so the entry names the tenant and the DID is worked out when a record
arrives. No HTTP here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import msgspec

from core.certificates import identity
from core.certificates.errors import ProofError
from core.certificates.record_tables import TrustEntry
from core.clock import utcnow
from core.tenancy.context import TenantContext
from core.tenancy.service import TenantRegistry
from core.tenancy.tables import Tenant

# did:web:host[%3Aport](:path)* — the method-specific id as the did:web method defines it.
DID_WEB = re.compile(r"^did:web:[a-z0-9.-]+(%3[aA][0-9]{1,5})?(:[A-Za-z0-9._~%-]+)*$")
MAX_DID = 300


class TrustEntryIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """Either ``issuer_tenant`` (a tenant's slug) or ``did`` (an outside did:web issuer, with
    its ``name``)."""

    issuer_tenant: str | None = None
    did: str | None = None
    name: str = ""


class TrustEntryOut(msgspec.Struct, kw_only=True):
    id: int
    kind: str  # tenant | outside
    issuer_did: str
    name: str
    issuer_tenant: str | None
    created_at: datetime


class TrustPage(msgspec.Struct, kw_only=True):
    items: list[TrustEntryOut]
    next_cursor: str | None = None


@dataclass(frozen=True)
class Accepted:
    """An issuer the importing tenant accepts: the platform tenant it is (None: outside)."""

    did: str
    name: str
    source: TenantContext | None


async def _slugs(tenant_ids: set[int]) -> dict[int, str]:
    if not tenant_ids:
        return {}
    return {r["id"]: r["slug"] for r in await Tenant.select(Tenant.id, Tenant.slug).where(Tenant.id.is_in(list(tenant_ids)))}


async def entries(tenant_id: int, base_url: str, registry: TenantRegistry) -> list[TrustEntryOut]:
    """The tenant's accepted issuers, in the order they were added; a tenant's DID as it is now."""
    rows = await TrustEntry.select().where(TrustEntry.tenant_id == tenant_id).order_by(TrustEntry.id)
    slugs = await _slugs({r["source_tenant_id"] for r in rows if r["source_tenant_id"]})
    out = []
    for r in rows:
        slug = slugs.get(r["source_tenant_id"]) if r["kind"] == "tenant" else None
        source = await registry.get(slug) if slug else None
        did = identity.did_web(source.site(base_url)) if source else r["issuer_did"]
        out.append(TrustEntryOut(id=r["id"], kind=r["kind"], issuer_did=did, name=source.name if source else r["name"],
                                 issuer_tenant=slug, created_at=r["created_at"]))
    return out


async def add(tenant: TenantContext, data: TrustEntryIn, base_url: str, registry: TenantRegistry,
              actor_id: int | None) -> TrustEntryOut:
    """Add an issuer to ``tenant``'s list. 400 naming the field for a bad slug or DID; 409 if
    it is already on the list."""
    if bool(data.issuer_tenant) == bool(data.did):
        raise ProofError("请选择平台上的一个学分银行，或填写外部签发方的 DID（二选一）", 400, extra={"field": "issuer_tenant"})
    if data.issuer_tenant:
        source = await registry.get(data.issuer_tenant)
        if source is None:
            raise ProofError(f"平台上没有学分银行 {data.issuer_tenant[:40]}", 400, extra={"field": "issuer_tenant"})
        if source.id == tenant.id:
            raise ProofError("不需要把本学分银行加入自己的信任名单", 400, extra={"field": "issuer_tenant"})
        row = TrustEntry(tenant_id=tenant.id, kind="tenant", source_tenant_id=source.id,
                         issuer_did=identity.did_web(source.site(base_url))[:MAX_DID], name=source.name[:200],
                         added_by=actor_id, created_at=utcnow())
        duplicate = await TrustEntry.exists().where(TrustEntry.tenant_id == tenant.id,
                                                    TrustEntry.source_tenant_id == source.id)
    else:
        did = (data.did or "").strip()
        if len(did) > MAX_DID or not DID_WEB.match(did):
            raise ProofError("DID 格式不正确：应为 did:web 标识，如 did:web:badges.example.edu", 400, extra={"field": "did"})
        if await platform_tenant_for(did, base_url, registry) is not None:
            raise ProofError("该 DID 是本平台上的学分银行，请直接选择该学分银行", 400, extra={"field": "did"})
        name = data.name.strip()
        if not name:
            raise ProofError("请填写外部签发方的名称", 400, extra={"field": "name"})
        row = TrustEntry(tenant_id=tenant.id, kind="outside", issuer_did=did, name=name[:200], added_by=actor_id,
                         created_at=utcnow())
        duplicate = await TrustEntry.exists().where(TrustEntry.tenant_id == tenant.id, TrustEntry.issuer_did == did)
    if duplicate:
        raise ProofError("该签发方已在信任名单中", 409)
    try:
        await row.save()
    except Exception as exc:  # a concurrent add of the same issuer: the unique index says so
        if "unique" in str(exc).lower():
            raise ProofError("该签发方已在信任名单中", 409) from exc
        raise
    return next(e for e in await entries(tenant.id, base_url, registry) if e.id == row.id)


async def remove(tenant_id: int, entry_id: int) -> None:
    """Take an issuer off the list (records it signed are refused from now on; outcomes
    imported before stay). 404 if the tenant has no such entry."""
    gone = await TrustEntry.delete().where(TrustEntry.tenant_id == tenant_id, TrustEntry.id == entry_id).returning(
        TrustEntry.id)
    if not gone:
        raise ProofError("信任名单中没有这一项", 404)


async def platform_tenant_for(did: str, base_url: str, registry: TenantRegistry) -> TenantContext | None:
    """The tenant of this platform whose DID is ``did`` (``did:web:<host>:t:<slug>`` under its
    configured address), or None."""
    match = re.fullmatch(r"did:web:[^:]+:t:([a-z][a-z0-9_]{1,62})", did or "")
    source = await registry.get(match.group(1)) if match else None
    return source if source and identity.did_web(source.site(base_url)) == did else None


async def accepted(tenant: TenantContext, did: str, base_url: str, registry: TenantRegistry) -> Accepted | None:
    """Whether ``tenant`` accepts credentials issued by ``did``, and as whom."""
    source = await platform_tenant_for(did, base_url, registry)
    if source is not None:
        if await TrustEntry.exists().where(TrustEntry.tenant_id == tenant.id, TrustEntry.kind == "tenant",
                                           TrustEntry.source_tenant_id == source.id):
            return Accepted(did, source.name, source)
        return None
    row = await TrustEntry.select(TrustEntry.name).where(
        TrustEntry.tenant_id == tenant.id, TrustEntry.kind == "outside", TrustEntry.issuer_did == did).first()
    return Accepted(did, row["name"], None) if row else None
