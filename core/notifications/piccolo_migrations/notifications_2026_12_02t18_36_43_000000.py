from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-02T18:36:43:000000"
VERSION = "1.38.0"
DESCRIPTION = "outbox index: a unit admin's delivery log by recipient account"


async def forwards():
    # Apart from the migration adding the column: Piccolo runs raw steps before added columns.
    manager = MigrationManager(migration_id=ID, app_name="notifications", description=DESCRIPTION)

    async def indexes():
        await Table.raw("CREATE INDEX notification_account ON notification (tenant_id, account_id)")

    manager.add_raw(indexes)
    return manager
