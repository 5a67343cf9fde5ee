from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-23T09:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "achievement lists per learner and status; certificate numbers; evidence per achievement"

INDEXES = [
    "CREATE INDEX achievement_learner ON achievement (tenant_id, learner_id, id)",
    "CREATE INDEX achievement_learner_status ON achievement (tenant_id, learner_id, status, id)",
    "CREATE INDEX achievement_certificate ON achievement (tenant_id, certificate_no)",
    "CREATE INDEX evidence_achievement ON evidence (achievement_id)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="achievements", description=DESCRIPTION)

    async def indexes():
        for statement in INDEXES:
            await Table.raw(statement)

    manager.add_raw(indexes)
    return manager
