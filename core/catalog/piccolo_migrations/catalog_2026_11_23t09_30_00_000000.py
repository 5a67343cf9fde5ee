from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.table import Table

ID = "2026-11-23T09:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "catalog: natural key per tenant, listing and substring-search indexes"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="catalog", description=DESCRIPTION)

    async def indexes():
        await Table.raw(
            "CREATE UNIQUE INDEX catalog_entry_natural ON catalog_entry "
            "(tenant_id, category, subtype, project_name, name, institution)"
        )
        await Table.raw("CREATE INDEX catalog_entry_listing ON catalog_entry (tenant_id, category, subtype, id)")
        if engine_finder().engine_type == "postgres":
            # Substring search on Chinese text: trigrams (pg_trgm is a trusted extension).
            await Table.raw("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            await Table.raw("CREATE INDEX catalog_entry_search ON catalog_entry USING gin (search_text gin_trgm_ops)")

    manager.add_raw(indexes)
    return manager
