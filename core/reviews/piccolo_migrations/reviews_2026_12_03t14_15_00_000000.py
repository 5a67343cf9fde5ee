from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-03T14:15:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "the live-application unique index carries tenant_id (ready for distribution by tenant_id)"

# Same rows allowed as before (an achievement belongs to one tenant); with tenant_id first,
# a sharded PostgreSQL (Citus, distributed by tenant_id) can enforce it on each shard.
STATEMENTS = [
    "DROP INDEX application_live_target",
    "CREATE UNIQUE INDEX application_live_target ON application "
    "(tenant_id, achievement_id, kind, COALESCE(target_entry_id, 0)) WHERE status IN ('submitted', 'in_review', 'approved')",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="reviews", description=DESCRIPTION)

    async def statements():
        for statement in STATEMENTS:
            await Table.raw(statement)

    manager.add_raw(statements)
    return manager
