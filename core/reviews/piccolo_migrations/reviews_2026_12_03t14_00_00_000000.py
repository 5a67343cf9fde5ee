from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer, Timestamptz, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-03T14:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "the current step's start and due date, stored when the step begins; escalation; reviewers' claims"

_COMMON = {"primary_key": False, "unique": False, "index": False, "index_method": IndexMethod.btree,
           "choices": None, "db_column_name": None, "secret": False, "default": None, "null": True}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="reviews", description=DESCRIPTION)
    for name, column_class in (("step_started_at", Timestamptz), ("step_due_at", Timestamptz),
                               ("escalated_at", Timestamptz), ("escalated_unit_id", Integer),
                               ("claimed_by", Integer), ("claimed_at", Timestamptz)):
        manager.add_column(
            table_class_name="Application", tablename="application", column_name=name, db_column_name=name,
            column_class_name=column_class.__name__, column_class=column_class, params=_COMMON, schema=None,
        )
    manager.add_column(
        table_class_name="Application", tablename="application", column_name="claimed_by_name",
        db_column_name="claimed_by_name", column_class_name="Varchar", column_class=Varchar,
        params={**_COMMON, "length": 100, "null": False, "default": ""}, schema=None,
    )
    return manager
