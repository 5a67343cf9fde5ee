from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-04T01:30:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "rule versions unique per rule; one recorded version per application"

INDEXES = [
    "CREATE UNIQUE INDEX rule_version_number ON conversion_rule_version (tenant_id, rule_id, version)",
    "CREATE UNIQUE INDEX rule_use_application ON conversion_rule_use (tenant_id, application_id)",
    "CREATE INDEX rule_use_rule ON conversion_rule_use (tenant_id, rule_id, version)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="rules", description=DESCRIPTION)

    async def indexes():
        for statement in INDEXES:
            await Table.raw(statement)

    manager.add_raw(indexes)
    return manager
