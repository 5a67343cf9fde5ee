from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-02T18:47:16:000000"
VERSION = "1.38.0"
DESCRIPTION = "auth tokens by account: revoking every login of one account on a new password or when disabled"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="security", description=DESCRIPTION)

    async def indexes():
        # Raw SQL: the same statement runs on SQLite and PostgreSQL.
        await Table.raw("CREATE INDEX auth_token_account ON auth_token (tenant_id, subject, subject_id)")

    manager.add_raw(indexes)
    return manager
