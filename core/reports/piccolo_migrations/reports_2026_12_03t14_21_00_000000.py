from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-03T14:21:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "drop the reports app's indexes on other apps' tables: reviews and achievements own them now"

# Their owners built the same indexes under their own names (reviews and achievements,
# 2026-12-03), and run first (this app depends on them), so the reports never go without.
DROPPED = ["report_application_open", "report_achievement_learner", "report_application_learner"]


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="reports", description=DESCRIPTION)

    async def drop():
        for name in DROPPED:
            await Table.raw(f"DROP INDEX IF EXISTS {name}")

    manager.add_raw(drop)
    return manager
