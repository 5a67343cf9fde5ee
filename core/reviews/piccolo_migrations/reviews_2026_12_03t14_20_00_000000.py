from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-03T14:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "the report indexes on application, now owned by the reviews app (the reports app drops its own)"

# The same columns as the reports app's report_application_* (2026-11-23), which a later
# reports migration drops: each app owns the indexes on its own tables. IF NOT EXISTS: a
# database that already has them (re-run, hand-made) is left as it is.
INDEXES = [
    # Overdue reviews: the open applications of a unit by when their current step began, with
    # what tells a stored-outcome review (kind, achievement) so the index alone answers.
    "CREATE INDEX IF NOT EXISTS application_open_step ON application "
    "(tenant_id, step_unit_id, updated_at, kind, achievement_id) WHERE status IN ('submitted', 'in_review')",
    # Applications per learner for the reports, read from the index alone.
    "CREATE INDEX IF NOT EXISTS application_learner_status ON application (tenant_id, learner_id, status, created_at)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="reviews", description=DESCRIPTION)

    async def indexes():
        for statement in INDEXES:
            await Table.raw(statement)

    manager.add_raw(indexes)
    return manager
