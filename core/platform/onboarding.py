"""Onboarding a credit bank from the national console: contacts, its first units (from a file
or the plugin's defaults), its first tenant admin, suspension with a message, the platform's
audit trail, and ``creditbank tenants export`` (what a tenant is, as a folder to keep in git).

No HTTP here. Imports go through ``core.imports`` (the same jobs and row report as a tenant
admin's imports) and the invitation through ``core.accounts.staff.invite_staff`` (the same
activation code, through the outbox, as any staff invitation): the platform acts as the
tenant's administrator, recorded as such in the tenant's audit and the platform's.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import msgspec
import msgspec.toml

from core.accounts.audit import ACTION_LABELS, audit
from core.accounts.schemas import StaffInvite, StaffInvited
from core.accounts.staff import invite_staff
from core.accounts.tables import AuditEntry
from core.catalog.service import BASE_COLUMNS
from core.catalog.tables import CatalogEntry
from core.clock import aware
from core.errors import DomainError
from core.hierarchy import service as hierarchy
from core.hierarchy.tables import OrgUnit
from core.rules.tables import Agreement, Rule, RuleSource
from core.security.pii import PiiProtector
from core.security.principal import Grant, Principal
from core.tenancy import service as tenancy
from core.tenancy.context import TenantContext
from core.tenancy.schemas import TenantOut, TenantPatch
from core.tenancy.service import TenantRegistry
from core.tenancy.tables import Tenant

ACTIONS = {k: v.removeprefix("平台：") for k, v in ACTION_LABELS.items() if k.startswith("platform.")}
UNIT_HEADER = ["code", "level", "name", "parent_code", "host_institution"]
RULE_HEADER = ["agreement", "name", "description", "sources", "target", "credits", "ratio", "valid_from", "valid_to"]


class OnboardingError(DomainError):
    pass


@dataclass(frozen=True)
class PlatformAdminRef:
    """Who acted, for the audit: a national administrator's id and username."""

    id: int
    username: str


def acting_admin(tenant: TenantContext) -> Principal:
    """The national administrator acting as ``tenant``'s administrator (for its imports and its
    first invitation); no account of the tenant's, so ``id`` is none (audited as the platform)."""
    return Principal(id=None, tenant_id=tenant.id, kind="staff", username="platform", real_name="全国学分银行平台",  # type: ignore[arg-type]
                     unit_id=None, grants=(Grant(role="tenant_admin", unit_id=0, unit_code="", unit_path="/"),))


async def record(admin: PlatformAdminRef, action: str, slug: str, detail: str = "", client: str = "") -> None:
    """An entry of the platform's audit (``audit_entry`` with a ``platform.`` action), also seen in
    the tenant's own log."""
    row = await Tenant.select(Tenant.id).where(Tenant.slug == slug).first()
    await audit(row["id"] if row else None, admin.id, action, f"tenant:{slug}",
                f"平台管理员 {admin.username}" + (f"：{detail}" if detail else ""), client, actor_kind="platform")


def status_change(status: str | None) -> str | None:
    return {"suspended": "platform.tenant.suspend", "active": "platform.tenant.resume"}.get(status or "")


class PlatformAuditEntry(msgspec.Struct, kw_only=True):
    seq: int
    at: datetime
    action: str
    action_label: str
    tenant: str
    detail: str
    client: str


async def platform_audit(*, slug: str | None = None, limit: int = 100) -> list[PlatformAuditEntry]:
    """The platform's own entries, newest first (one tenant's with ``slug``)."""
    query = AuditEntry.select(AuditEntry.id, AuditEntry.created_at, AuditEntry.action, AuditEntry.target,
                              AuditEntry.detail, AuditEntry.client).where(AuditEntry.action.like("platform.%"))
    if slug:
        query = query.where(AuditEntry.target == f"tenant:{slug}")
    rows = await query.order_by(AuditEntry.id, ascending=False).limit(limit)
    return [PlatformAuditEntry(seq=r["id"], at=aware(r["created_at"]), action=r["action"],
                               action_label=ACTIONS.get(r["action"], r["action"]), tenant=r["target"].removeprefix("tenant:"),
                               detail=r["detail"], client=r["client"]) for r in rows]


# ---------------------------------------------------------------------------------------------
# Suspension


async def set_status(slug: str, status: str, message: str, registry: TenantRegistry, admin: PlatformAdminRef,
                     client: str = "") -> TenantOut:
    """Suspend (with what its users are told) or resume a tenant; one transaction with its audit."""
    if status not in ("active", "suspended"):
        raise OnboardingError("请选择要设置的状态", 400, extra={"field": "status"})
    message = message.strip()
    if len(message) > 500:
        raise OnboardingError("告知用户的说明不能超过 500 字", 400, extra={"field": "status_message"})
    async with Tenant._meta.db.transaction():
        found = await tenancy.update_tenant(slug, TenantPatch(status=status, status_message=message if status == "suspended" else ""),  # type: ignore[arg-type]
                                            registry)
        if found is None:
            raise OnboardingError(f"未找到租户 {slug}", 404)
        await record(admin, f"platform.tenant.{'suspend' if status == 'suspended' else 'resume'}", slug, message, client)
    await registry.reload()
    return found


# ---------------------------------------------------------------------------------------------
# First units and first admin


async def start_from_defaults(tenant: TenantContext, code: str, name: str, admin: PlatformAdminRef,
                              client: str = "") -> int:
    """The tenant's top unit at its plugin's top organisation level (rank 0), so staff can be
    allocated at once; the rest of the tree comes by import or from the units page. Returns how
    many units were added (0 if it exists)."""
    top = min(tenant.hooks.org_levels, key=lambda lvl: lvl.rank)
    code, name = code.strip(), name.strip() or tenant.name
    if not code:
        raise OnboardingError("请填写管理中心的单位编码", 400, extra={"field": "code"})
    async with Tenant._meta.db.transaction():
        added = await hierarchy.seed_units(tenant.id, [{"code": code, "level": top.code, "name": name, "parent_code": ""}],
                                           tenant.hooks.org_levels)
        await record(admin, "platform.tenant.defaults", tenant.slug, f"{top.label} {code} {name}", client)
    return added


async def invite_first_admin(tenant: TenantContext, pii: PiiProtector, unit_code: str, data: StaffInvite,
                             platform_base_url: str, admin: PlatformAdminRef, client: str = "") -> StaffInvited:
    """A tenant admin invited at ``unit_code`` (default: the top unit): an activation code by SMS
    or e-mail through the outbox, never a password; they activate at ``/t/<slug>/activate``."""
    if not unit_code:
        top = await OrgUnit.select(OrgUnit.code).where(OrgUnit.tenant_id == tenant.id, OrgUnit.parent_id.is_null()).order_by(
            OrgUnit.id).first()
        if top is None:
            raise OnboardingError("该学分银行还没有单位：请先导入组织机构或按插件默认设置建立管理中心", 409,
                                  extra={"field": "unit_code"})
        unit_code = top["code"]
    data = msgspec.structs.replace(data, role="tenant_admin")
    login_url = tenant.site(platform_base_url) + "/login"
    async with Tenant._meta.db.transaction():
        invited = await invite_staff(tenant, pii, acting_admin(tenant), unit_code, data, login_url)
        await record(admin, "platform.tenant.invite", tenant.slug, f"{invited.username} @ {unit_code} → {invited.sent_to}", client)
    return invited


# ---------------------------------------------------------------------------------------------
# Export: what a tenant is, as a folder (tenant file + CSVs) that ``tenants load`` re-creates


def tenant_file_text(tenant: TenantOut) -> str:
    """The tenant file ``tenants load`` reads back (``core.tenancy.files``), seed files beside it."""
    document: dict = {"slug": tenant.slug, "name": tenant.name, "plugin": tenant.plugin, "hosts": tenant.hosts}
    if tenant.base_url:
        document["base_url"] = tenant.base_url
    document |= {"branding": msgspec.structs.asdict(tenant.branding), "contact": msgspec.structs.asdict(tenant.contact),
                 "seed": {name: f"{tenant.slug}/{name}.csv" for name in ("org_units", "catalog", "rules")}}
    return msgspec.toml.encode(document).decode()


def _write_csv(path: Path, header: list[str], rows: list[list]) -> int:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    return len(rows)


async def export_tenant(slug: str, folder: Path, registry: TenantRegistry) -> dict[str, int]:
    """Write ``folder/<slug>.toml`` and ``folder/<slug>/{org_units,catalog,rules}.csv``: the
    tenant's settings, its units (parents first), its active catalog and its published rules.
    Learners, staff and their records are not part of it (they are data, not configuration).
    Returns the row counts written."""
    tenant = await tenancy.get_tenant(slug, registry)
    if tenant is None:
        raise OnboardingError(f"未找到租户 {slug}", 404)
    found = await Tenant.select(Tenant.id).where(Tenant.slug == slug).first()
    tenant_id = found["id"] if found else 0
    (folder / slug).mkdir(parents=True, exist_ok=True)
    (folder / f"{slug}.toml").write_text(tenant_file_text(tenant), encoding="utf-8")

    units = await OrgUnit.select(OrgUnit.id, OrgUnit.code, OrgUnit.level, OrgUnit.name, OrgUnit.parent_id,
                                 OrgUnit.host_institution, OrgUnit.path).where(OrgUnit.tenant_id == tenant_id)
    codes = {u["id"]: u["code"] for u in units}
    units.sort(key=lambda u: (u["path"].count("/"), u["path"]))  # parents before children
    counts = {"org_units": _write_csv(folder / slug / "org_units.csv", UNIT_HEADER, [
        [u["code"], u["level"], u["name"], codes.get(u["parent_id"], ""), u["host_institution"] or ""] for u in units])}

    entries = await CatalogEntry.select().where(CatalogEntry.tenant_id == tenant_id, CatalogEntry.active.eq(True)).order_by(
        CatalogEntry.id)
    decoded = [(e, json.loads(e["fields"]) if isinstance(e["fields"], str) else (e["fields"] or {})) for e in entries]
    extra = sorted({k for _, fields in decoded for k in fields} - set(BASE_COLUMNS))
    counts["catalog"] = _write_csv(folder / slug / "catalog.csv", [*BASE_COLUMNS, *extra], [
        [*(("" if e[c] is None else e[c]) for c in BASE_COLUMNS), *(fields.get(k, "") for k in extra)] for e, fields in decoded])

    keys = {e["id"]: f"{e['project_name']}|{e['name']}|{e['institution']}" for e, _ in decoded}
    rules = await Rule.select().where(Rule.tenant_id == tenant_id, Rule.status == "published").order_by(Rule.id)
    sources: dict[int, list[str]] = {}
    for s in await RuleSource.select(RuleSource.rule_id, RuleSource.catalog_entry_id).where(
            RuleSource.tenant_id == tenant_id).order_by(RuleSource.id):
        sources.setdefault(s["rule_id"], []).append(keys.get(s["catalog_entry_id"], str(s["catalog_entry_id"])))
    agreements = {a["id"]: a["name"] for a in await Agreement.select(Agreement.id, Agreement.name).where(
        Agreement.tenant_id == tenant_id)}
    counts["rules"] = _write_csv(folder / slug / "rules.csv", RULE_HEADER, [
        [agreements.get(r["agreement_id"], ""), r["name"], r["description"], ";".join(sources.get(r["id"], [])),
         keys.get(r["target_entry_id"], str(r["target_entry_id"])), f"{r['credits']:g}", r["ratio"],
         str(r["valid_from"] or "")[:10], str(r["valid_to"] or "")[:10]]
        for r in rules])
    return counts
