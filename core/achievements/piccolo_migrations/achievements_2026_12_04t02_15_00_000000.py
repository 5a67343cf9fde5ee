from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-04T02:15:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "the 考核 report's index on collected outcomes carries their status: read from the index alone"

INDEXES = [
    # Outcomes per collecting unit, category and whether recognized (core.reports.service.
    # collected_statement), an index-only scan; it replaces the index without the status.
    "CREATE INDEX achievement_collected_status ON achievement (tenant_id, collected_by_unit_id, category, status, "
    "created_at) WHERE collected_by_unit_id IS NOT NULL",
    "DROP INDEX IF EXISTS achievement_collected_unit",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="achievements", description=DESCRIPTION)

    async def indexes():
        for statement in INDEXES:
            await Table.raw(statement)

    manager.add_raw(indexes)
    return manager
