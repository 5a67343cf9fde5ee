from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-03T14:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "the report index on achievement, now owned by the achievements app (the reports app drops its own)"

# The same columns as the reports app's report_achievement_learner (2026-11-23), which a later
# reports migration drops: each app owns the indexes on its own tables.
INDEXES = [
    # Outcomes per learner for the reports, read from the index alone instead of rows that
    # carry fields (in the benchmark: 60 MB of index against 436 MB of outcomes).
    "CREATE INDEX IF NOT EXISTS achievement_learner_category ON achievement "
    "(tenant_id, learner_id, category, subtype, created_at)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="achievements", description=DESCRIPTION)

    async def indexes():
        for statement in INDEXES:
            await Table.raw(statement)

    manager.add_raw(indexes)
    return manager
