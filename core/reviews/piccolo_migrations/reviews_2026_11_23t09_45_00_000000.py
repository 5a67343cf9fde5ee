from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-11-23T09:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "review queues, one live application per achievement and target, idempotent submission"

INDEXES = [
    # The queue: what the caller's role and unit may decide now.
    "CREATE INDEX application_queue ON application (tenant_id, step_role, step_unit_id, status, id)",
    "CREATE INDEX application_learner ON application (tenant_id, learner_id, id)",
    "CREATE INDEX application_achievement ON application (achievement_id)",
    "CREATE UNIQUE INDEX application_idempotency ON application (tenant_id, learner_id, idempotency_key)",
    # A rule (or a target) is used once per achievement while an application for it lives.
    "CREATE UNIQUE INDEX application_live_target ON application "
    "(achievement_id, kind, COALESCE(target_entry_id, 0)) WHERE status IN ('submitted', 'in_review', 'approved')",
    "CREATE INDEX review_record_application ON review_record (application_id, id)",
    "CREATE INDEX review_record_actor ON review_record (tenant_id, actor_id, application_id)",
    "CREATE INDEX review_material_application ON review_material (application_id)",
]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="reviews", description=DESCRIPTION)

    async def indexes():
        for statement in INDEXES:
            await Table.raw(statement)

    manager.add_raw(indexes)
    return manager
