from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-23T08:55:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "account lookups: unique username and ID number per tenant"

INDEXES = [
    "CREATE UNIQUE INDEX account_tenant_username ON account (tenant_id, username)",
    "CREATE UNIQUE INDEX account_tenant_id_number ON account (tenant_id, id_number_hash)",
    "CREATE INDEX account_tenant_email ON account (tenant_id, email)",
    "CREATE INDEX account_tenant_phone ON account (tenant_id, phone)",
    "CREATE INDEX account_tenant_unit ON account (tenant_id, unit_id, status)",
    "CREATE INDEX staff_role_account ON staff_role (account_id)",
    "CREATE INDEX verification_code_target ON verification_code (tenant_id, target, purpose, created_at)",
    "CREATE INDEX verification_code_client ON verification_code (client, created_at)",
    "CREATE INDEX import_job_tenant ON import_job (tenant_id, created_at)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="accounts", description=DESCRIPTION)

    async def indexes():
        # Composite indexes as raw SQL: the same statements run on SQLite and PostgreSQL.
        for statement in INDEXES:
            await Table.raw(statement)

    manager.add_raw(indexes)
    return manager
