"""Seeding tenants from the ``tenants/`` folder: one tenant per file, with the org units, catalog
entries and rules its seed files name.

It sits above the domains it seeds (tenancy, hierarchy, catalog, rules), so that tenancy stays
a bottom layer that imports none of them. Called by ``creditbank tenants sync``, at startup,
and by the tests' and benchmarks' fixtures.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from core.catalog import service as catalog
from core.errors import DomainError
from core.hierarchy import service as hierarchy
from core.plugins import PluginError, PluginRegistry
from core.rules import service as rules
from core.tenancy.files import TenantFileError, read_seed_rows, read_tenant_file, tenant_file_paths
from core.tenancy.service import upsert_tenant
from core.tenancy.tables import Tenant

log = logging.getLogger("creditbank.tenancy")


@dataclass
class SyncResult:
    file: Path
    slug: str | None
    ok: bool
    message: str
    units_added: int = 0


async def sync_tenant_files(folder: Path, plugins: PluginRegistry) -> list[SyncResult]:
    """Create or update one tenant per file of ``folder`` and seed its org units.

    Each file is its own transaction: a broken file is reported and skipped, the others land.
    The tenant's ``status`` is never touched by a sync (suspension is an operator's act).
    """
    results = []
    for path in tenant_file_paths(folder):
        try:
            spec = read_tenant_file(path)
            hooks = plugins.hooks(spec.plugin)
            hooks.load_all()
            units = read_seed_rows(folder, spec.seed.org_units)
            entries = [catalog.entry_from_row(row, n) for n, row in enumerate(read_seed_rows(folder, spec.seed.catalog), 2)]
            async with Tenant._meta.db.transaction():
                tenant_id = await upsert_tenant(spec, source="file")
                added = await hierarchy.seed_units(tenant_id, units, hooks.org_levels)
                await catalog.upsert_entries(tenant_id, hooks, entries)
                await rules.seed_rules(tenant_id, read_seed_rows(folder, spec.seed.rules), hooks)
        except TenantFileError as exc:
            results.append(SyncResult(path, None, False, str(exc)))
            log.error("%s", exc)
            continue
        except (PluginError, DomainError) as exc:
            message = f"租户文件 {path}：{exc}"
            results.append(SyncResult(path, None, False, message))
            log.error("%s", message)
            continue
        results.append(SyncResult(path, spec.slug, True, "已同步", added))
    return results
