from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-03T14:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "a proof's place in its tenant's Bitstring Status List"

STATEMENTS = [
    # NULL for proofs issued before status lists (their status is the record's alone).
    "ALTER TABLE proof ADD COLUMN status_list INTEGER NULL DEFAULT NULL",
    "ALTER TABLE proof ADD COLUMN status_index INTEGER NULL DEFAULT NULL",
    # Two proofs never share a bit: revoking one never revokes the other.
    "CREATE UNIQUE INDEX proof_status_place ON proof (tenant_id, status_list, status_index)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="certificates", description=DESCRIPTION)

    async def statements():
        for statement in STATEMENTS:
            await Table.raw(statement)

    manager.add_raw(statements)
    return manager
