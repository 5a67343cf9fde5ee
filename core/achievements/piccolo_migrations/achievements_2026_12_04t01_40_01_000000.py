from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-04T01:40:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "indexes of collected outcomes and their disputes"

INDEXES = [
    # A file imported twice adds nothing twice (NULL for the learners' own outcomes).
    "CREATE UNIQUE INDEX achievement_collected_key ON achievement (tenant_id, collected_key)",
    # The 考核 report: outcomes per collecting unit, read from the index alone.
    "CREATE INDEX achievement_collected_unit ON achievement (tenant_id, collected_by_unit_id, category, subtype, "
    "created_at) WHERE collected_by_unit_id IS NOT NULL",
    "CREATE UNIQUE INDEX achievement_dispute_pending ON achievement_dispute (tenant_id, achievement_id) "
    "WHERE status = 'pending'",
    "CREATE INDEX achievement_dispute_unit ON achievement_dispute (tenant_id, unit_id, status, id)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="achievements", description=DESCRIPTION)

    async def indexes():
        for statement in INDEXES:
            await Table.raw(statement)

    manager.add_raw(indexes)
    return manager
