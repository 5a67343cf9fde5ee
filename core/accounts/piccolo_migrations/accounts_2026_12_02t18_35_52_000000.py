from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-02T18:35:52:000000"
VERSION = "1.38.0"
DESCRIPTION = "audit log: the account an entry is about, for reading the log by subtree"

STATEMENTS = [
    "ALTER TABLE audit_entry ADD COLUMN subject_id INTEGER NULL DEFAULT NULL",
    # Entries written before the column: their target names the account as "account:{id}".
    "UPDATE audit_entry SET subject_id = CAST(substr(target, 9) AS INTEGER) WHERE target LIKE 'account:%'",
    "CREATE INDEX audit_entry_tenant_seq ON audit_entry (tenant_id, id)",
    "CREATE INDEX audit_entry_subject ON audit_entry (tenant_id, subject_id, id)",
    "CREATE INDEX audit_entry_actor ON audit_entry (tenant_id, actor_id, id)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="accounts", description=DESCRIPTION)

    async def subject():
        # Raw SQL: the same statements run on SQLite and PostgreSQL.
        for statement in STATEMENTS:
            await Table.raw(statement)

    manager.add_raw(subject)
    return manager
