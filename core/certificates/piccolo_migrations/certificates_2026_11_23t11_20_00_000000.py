from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-23T11:20:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "one active signing key per tenant, unique proof codes, proofs per learner and application"

INDEXES = [
    # Rotation and first-need creation race on this: a second active key cannot be written.
    "CREATE UNIQUE INDEX proof_key_active ON proof_key (tenant_id) WHERE status = 'active'",
    "CREATE UNIQUE INDEX proof_key_public ON proof_key (tenant_id, public_multibase)",
    "CREATE UNIQUE INDEX proof_code ON proof (code)",
    "CREATE INDEX proof_learner ON proof (tenant_id, learner_id, id)",
    "CREATE INDEX proof_application ON proof (application_id)",
    "CREATE INDEX proof_request_item_application ON proof_request_item (application_id, position)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="certificates", description=DESCRIPTION)

    async def indexes():
        for statement in INDEXES:
            await Table.raw(statement)

    manager.add_raw(indexes)
    return manager
