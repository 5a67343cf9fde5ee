from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-04T02:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "rules by target (explanations of an outcome that is a rule's target; the public search by target)"

INDEXES = ["CREATE INDEX rule_target_entry ON conversion_rule (tenant_id, target_entry_id)"]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="rules", description=DESCRIPTION)

    async def indexes():
        for statement in INDEXES:
            await Table.raw(statement)

    manager.add_raw(indexes)
    return manager
