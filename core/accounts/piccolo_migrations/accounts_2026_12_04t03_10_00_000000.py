from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-04T03:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "closure_request: a learner's request to close their account (core/privacy/closure.py)"

COLUMNS = ("tenant_id INTEGER NOT NULL REFERENCES tenant (id) ON DELETE CASCADE ON UPDATE CASCADE, "
           "account_id INTEGER NOT NULL, status VARCHAR(16) NOT NULL DEFAULT 'pending', "
           "reason VARCHAR(500) NOT NULL DEFAULT '', opinion VARCHAR(500) NOT NULL DEFAULT '', "
           "decided_by INTEGER NULL DEFAULT NULL, created_at TIMESTAMPTZ NOT NULL, "
           "decided_at TIMESTAMPTZ NULL DEFAULT NULL")
# One open request per learner; the staff list reads a tenant's pending requests.
INDEXES = ("CREATE UNIQUE INDEX closure_request_open ON closure_request (tenant_id, account_id) "
           "WHERE status = 'pending'",
           "CREATE INDEX closure_request_status ON closure_request (tenant_id, status, id)")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="accounts", description=DESCRIPTION)

    async def create():
        if Table._meta.db.engine_type == "postgres":
            await Table.raw(f"CREATE TABLE closure_request (id SERIAL PRIMARY KEY, {COLUMNS})")
        else:
            await Table.raw(f"CREATE TABLE closure_request (id INTEGER PRIMARY KEY, {COLUMNS})")
        for statement in INDEXES:
            await Table.raw(statement)

    manager.add_raw(create)
    return manager
