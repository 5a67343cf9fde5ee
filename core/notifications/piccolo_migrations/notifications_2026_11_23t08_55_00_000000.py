from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-23T08:55:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "outbox indexes: due messages, delivery log per tenant"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="notifications", description=DESCRIPTION)

    async def indexes():
        await Table.raw("CREATE INDEX notification_due ON notification (status, next_attempt_at)")
        await Table.raw("CREATE INDEX notification_tenant ON notification (tenant_id, created_at)")

    manager.add_raw(indexes)
    return manager
