"""Tenants: creating and changing them, and the registry that resolves a request's tenant.
Seeding them from the ``tenants/`` files is ``core/seeding.py``, above the domains it seeds.

No HTTP here. A tenant whose plugin is missing or broken is *broken*: it is kept out of the
registry (its requests answer 503 with the reason) while every other tenant is served.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

import msgspec

from core.db import one
from core.errors import DomainError
from core.plugins import PluginError, PluginRegistry, ProvinceHooks
from core.province import Contact
from core.tenancy.context import TenantContext
from core.tenancy.schemas import Branding, TenantCreate, TenantMeta, TenantOut, TenantPatch
from core.tenancy.tables import Tenant

log = logging.getLogger("creditbank.tenancy")


class TenantError(DomainError):
    """A tenant request that cannot be honoured."""


def _decode(value, type_):
    # Piccolo returns JSON columns as text on SQLite and on PostgreSQL.
    if isinstance(value, (str, bytes)):
        return msgspec.json.decode(value, type=type_)
    return msgspec.convert(value, type_)


def build_context(row: dict, hooks: ProvinceHooks) -> TenantContext:
    """Load the plugin's data for a tenant row; raises ``PluginError`` if the plugin is broken."""
    hooks.load_all()
    branding = _decode(row["branding"], Branding)
    contact = _decode(row["contact"], Contact | None) or hooks.tenant_defaults.contact
    meta = TenantMeta(
        slug=row["slug"], name=row["name"], plugin=row["plugin"], branding=branding, contact=contact,
        taxonomy=hooks.taxonomy, registration=hooks.registration_policy, username=hooks.username_scheme,
        password_policy=hooks.password_policy, org_levels=hooks.org_levels, framework_levels=hooks.framework_levels,
    )
    return TenantContext(
        id=row["id"],
        slug=row["slug"],
        name=row["name"],
        plugin=row["plugin"],
        hosts=tuple(_decode(row["hosts"], list[str])),
        branding=branding,
        contact=contact,
        status=row["status"],
        hooks=hooks,
        meta_json=msgspec.json.encode(meta),
        base_url=row.get("base_url") or "",
    )


class TenantRegistry:
    """Every tenant of the database, by slug and by host name, rebuilt from the table.

    A worker reloads when a slug or host it does not know is asked for, and at most every
    ``ttl`` seconds otherwise, so a tenant created or suspended through another worker is
    seen within that time.
    """

    def __init__(self, plugins: PluginRegistry, ttl: float = 5.0) -> None:
        self.plugins = plugins
        self.ttl = ttl
        self.by_slug: dict[str, TenantContext] = {}
        self.by_host: dict[str, str] = {}
        self.host_names: frozenset[str] = frozenset()
        self.broken: dict[str, str] = {}
        self.messages: dict[str, str] = {}  # slug → what a suspended tenant tells its users
        self._loaded_at = float("-inf")

    async def reload(self) -> None:
        by_slug, by_host, broken, messages = {}, {}, {}, {}
        for row in await Tenant.select().order_by(Tenant.slug):
            if row.get("status_message"):
                messages[row["slug"]] = row["status_message"]
            try:
                ctx = build_context(row, self.plugins.hooks(row["plugin"]))
            except PluginError as exc:
                broken[row["slug"]] = str(exc)
                log.error("租户 %s 无法加载：%s", row["slug"], exc)
                continue
            by_slug[ctx.slug] = ctx
            by_host.update({host: ctx.slug for host in ctx.hosts})
        self.host_names = frozenset(name for ctx in by_slug.values() for name in ctx.host_names)
        self.by_slug, self.by_host, self.broken, self.messages = by_slug, by_host, broken, messages
        self._loaded_at = time.monotonic()

    async def _refresh_if_stale(self, force: bool = False) -> None:
        age = time.monotonic() - self._loaded_at
        # A miss forces a reload, but not more than once a second (unknown slugs are cheap).
        if age > self.ttl or (force and age > 1.0):
            await self.reload()

    async def get(self, slug: str) -> TenantContext | None:
        await self._refresh_if_stale(force=slug not in self.by_slug)
        return self.by_slug.get(slug)

    def slug_for_host(self, host: str) -> str | None:
        return self.by_host.get(host.lower())

    def knows_host(self, name: str) -> bool:
        """``name`` (no port) is one of a tenant's hosts or its base URL's host."""
        return name in self.host_names

    async def refresh(self) -> None:
        """Reload if nothing was loaded for a second (a miss: something new may exist)."""
        await self._refresh_if_stale(force=True)


# ---------------------------------------------------------------------------------------------
# Writing tenants (from files: core/seeding.py; from the platform API: below)


async def _check_hosts_free(hosts: list[str], slug: str) -> None:
    if not hosts:
        return
    for row in await Tenant.select(Tenant.slug, Tenant.hosts).where(Tenant.slug != slug):
        taken = set(_decode(row["hosts"], list[str])) & set(hosts)
        if taken:
            raise TenantError(f"域名 {'、'.join(sorted(taken))} 已被租户 {row['slug']} 使用", 409,
                              extra={"field": "hosts"})


async def upsert_tenant(spec, source: str) -> int:
    """Create the tenant of ``spec`` (a tenant file or an API request) or update it in place;
    its id. Its status is never touched here."""
    await _check_hosts_free(spec.hosts, spec.slug)
    now = datetime.now(UTC)
    values = {
        Tenant.name: spec.name,
        Tenant.plugin: spec.plugin,
        Tenant.hosts: msgspec.json.encode(spec.hosts).decode(),
        Tenant.base_url: spec.base_url,
        Tenant.branding: msgspec.json.encode(spec.branding).decode(),
        Tenant.contact: msgspec.json.encode(spec.contact).decode(),
        Tenant.updated_at: now,
    }
    row = await Tenant.select(Tenant.id).where(Tenant.slug == spec.slug).first()
    if row:
        await Tenant.update(values).where(Tenant.id == row["id"])
        return row["id"]
    tenant = Tenant(slug=spec.slug, source=source, status="active", created_at=now,
                    **{col._meta.name: value for col, value in values.items()})
    await tenant.save()
    return tenant.id


# ---------------------------------------------------------------------------------------------
# Platform administration


def _out(row: dict, broken: dict[str, str]) -> TenantOut:
    return TenantOut(
        slug=row["slug"],
        name=row["name"],
        plugin=row["plugin"],
        hosts=_decode(row["hosts"], list[str]),
        branding=_decode(row["branding"], Branding),
        contact=_decode(row["contact"], Contact | None) or Contact(),
        status=row["status"],
        status_message=row.get("status_message") or "",
        source=row["source"],
        error=broken.get(row["slug"]),
        base_url=row.get("base_url") or "",
    )


async def list_tenants(registry: TenantRegistry) -> list[TenantOut]:
    await registry.reload()
    return [_out(row, registry.broken) for row in await Tenant.select().order_by(Tenant.slug)]


async def get_tenant(slug: str, registry: TenantRegistry) -> TenantOut | None:
    row = await Tenant.select().where(Tenant.slug == slug).first()
    return _out(row, registry.broken) if row else None


async def create_tenant(data: TenantCreate, registry: TenantRegistry) -> TenantOut:
    """A new tenant, served at once by this worker (and by others within the registry TTL)."""
    try:
        registry.plugins.hooks(data.plugin).load_all()
    except PluginError as exc:
        raise TenantError(str(exc), 400, extra={"field": "plugin"}) from exc
    async with Tenant._meta.db.transaction():
        if await Tenant.exists().where(Tenant.slug == data.slug):
            raise TenantError(f"租户 {data.slug} 已存在", 409, extra={"field": "slug"})
        # A credit bank created on the platform shows its own contacts only (set on the console),
        # never its plugin's: those are the plugin's own province's phone numbers.
        await upsert_tenant(msgspec.structs.replace(data, contact=data.contact or Contact()), source="api")
    await registry.reload()
    return one(await get_tenant(data.slug, registry))


async def update_tenant(slug: str, patch: TenantPatch, registry: TenantRegistry) -> TenantOut | None:
    row = await Tenant.select(Tenant.id).where(Tenant.slug == slug).first()
    if row is None:
        return None
    values: dict = {Tenant.updated_at: datetime.now(UTC)}
    if patch.name is not None:
        values[Tenant.name] = patch.name
    if patch.hosts is not None:
        await _check_hosts_free(patch.hosts, slug)
        values[Tenant.hosts] = msgspec.json.encode(patch.hosts).decode()
    if patch.base_url is not None:
        values[Tenant.base_url] = patch.base_url
    if patch.branding is not None:
        values[Tenant.branding] = msgspec.json.encode(patch.branding).decode()
    if patch.contact is not None:
        values[Tenant.contact] = msgspec.json.encode(patch.contact).decode()
    if patch.status is not None:
        values[Tenant.status] = patch.status
    if patch.status_message is not None:
        values[Tenant.status_message] = patch.status_message.strip()
    await Tenant.update(values).where(Tenant.id == row["id"])
    await registry.reload()
    return await get_tenant(slug, registry)
