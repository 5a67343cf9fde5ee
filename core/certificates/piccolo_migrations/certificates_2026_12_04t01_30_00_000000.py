from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-04T01:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "portable records: unique places, imported credentials and trusted issuers"

INDEXES = [
    # One place per outcome, and two credentials never share a bit.
    "CREATE UNIQUE INDEX outcome_status_achievement ON outcome_status (tenant_id, achievement_id)",
    "CREATE UNIQUE INDEX outcome_status_place ON outcome_status (tenant_id, status_list, status_index)",
    # Re-importing a credential never makes a second outcome.
    "CREATE UNIQUE INDEX external_outcome_credential ON external_outcome "
    "(tenant_id, learner_id, issuer_did, credential_id)",
    "CREATE UNIQUE INDEX trust_entry_issuer ON trust_entry (tenant_id, issuer_did)",
    "CREATE UNIQUE INDEX trust_entry_source_tenant ON trust_entry (tenant_id, source_tenant_id)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="certificates", description=DESCRIPTION)

    async def indexes():
        for statement in INDEXES:
            await Table.raw(statement)

    manager.add_raw(indexes)
    return manager
