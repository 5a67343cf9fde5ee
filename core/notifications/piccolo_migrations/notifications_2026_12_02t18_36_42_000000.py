from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Integer, Timestamptz, Varchar
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-02T18:36:42:000000"
VERSION = "1.38.0"
DESCRIPTION = "outbox: recipient account (delivery log scope), claim token (fenced leases), requeued_at (retry window)"

_COMMON = {"primary_key": False, "unique": False, "index": False, "index_method": IndexMethod.btree,
           "choices": None, "db_column_name": None, "secret": False}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="notifications", description=DESCRIPTION)
    for name, column_class, params in (
        ("account_id", Integer, {"default": None, "null": True}),
        ("claim_token", Varchar, {"length": 32, "default": "", "null": False}),
        ("requeued_at", Timestamptz, {"default": None, "null": True}),
    ):
        manager.add_column(
            table_class_name="Notification", tablename="notification", column_name=name, db_column_name=name,
            column_class_name=column_class.__name__, column_class=column_class, params={**_COMMON, **params},
            schema=None,
        )
    return manager
