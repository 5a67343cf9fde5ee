from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-04T02:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "overdue reviews over a period from the index alone: the open applications' creation time beside their deadline"

# The unit report counts overdue reviews live (they depend on the clock) over the open
# applications only; with a period (from/to on created_at) application_open_due sent every
# overdue row to the heap for its creation time. This one answers both from the index.
INDEX = ("CREATE INDEX IF NOT EXISTS application_open_due_created ON application "
         "(tenant_id, step_unit_id, step_due_at, created_at) WHERE status IN ('submitted', 'in_review')")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="reviews", description=DESCRIPTION)

    async def index():
        await Table.raw(INDEX)

    manager.add_raw(index)
    return manager
