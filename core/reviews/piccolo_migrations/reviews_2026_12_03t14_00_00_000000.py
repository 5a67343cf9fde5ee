from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Timestamptz
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-03T14:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "the current step's start and due date, stored when the step begins"

_COMMON = {"primary_key": False, "unique": False, "index": False, "index_method": IndexMethod.btree,
           "choices": None, "db_column_name": None, "secret": False, "default": None, "null": True}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="reviews", description=DESCRIPTION)
    for name in ("step_started_at", "step_due_at"):
        manager.add_column(
            table_class_name="Application", tablename="application", column_name=name, db_column_name=name,
            column_class_name="Timestamptz", column_class=Timestamptz, params=_COMMON, schema=None,
        )
    return manager
