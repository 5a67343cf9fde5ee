from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-23T09:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "rule lookups: by source entry (matching), by name per tenant"

INDEXES = [
    "CREATE INDEX rule_source_entry ON conversion_rule_source (tenant_id, catalog_entry_id, rule_id)",
    "CREATE INDEX rule_source_rule ON conversion_rule_source (rule_id)",
    "CREATE UNIQUE INDEX rule_tenant_name ON conversion_rule (tenant_id, name)",
    "CREATE UNIQUE INDEX agreement_tenant_name ON agreement (tenant_id, name)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="rules", description=DESCRIPTION)

    async def indexes():
        for statement in INDEXES:
            await Table.raw(statement)

    manager.add_raw(indexes)
    return manager
