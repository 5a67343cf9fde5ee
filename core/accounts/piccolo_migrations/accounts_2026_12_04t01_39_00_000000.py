from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-04T01:39:00:000000"
VERSION = "1.38.0"
DESCRIPTION = ("audit log: who/what/result columns (actor kind, role, unit; target table and id; result; what "
               "changed) and the per-tenant hash chain (core.audit), positions unique per chain")

COLUMNS = [
    "chain INTEGER NOT NULL DEFAULT 0",
    "chain_seq INTEGER NULL DEFAULT NULL",
    "prev_hash VARCHAR(64) NOT NULL DEFAULT ''",
    "entry_hash VARCHAR(64) NOT NULL DEFAULT ''",
    "actor_kind VARCHAR(16) NOT NULL DEFAULT ''",
    "actor_role VARCHAR(32) NOT NULL DEFAULT ''",
    "actor_unit VARCHAR(64) NOT NULL DEFAULT ''",
    "target_table VARCHAR(32) NOT NULL DEFAULT ''",
    "target_id INTEGER NULL DEFAULT NULL",
    "result VARCHAR(16) NOT NULL DEFAULT 'done'",
    "changes VARCHAR(1000) NOT NULL DEFAULT ''",
]



async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="accounts", description=DESCRIPTION)

    async def columns():
        # Raw SQL: the same statements run on SQLite and PostgreSQL. The entries already
        # written are chained by the audit app's first migration (chain_seq stays NULL until then).
        for column in COLUMNS:
            await Table.raw(f"ALTER TABLE audit_entry ADD COLUMN {column}")
        await Table.raw("CREATE UNIQUE INDEX audit_entry_chain_seq ON audit_entry (chain, chain_seq)")

    manager.add_raw(columns)
    return manager
