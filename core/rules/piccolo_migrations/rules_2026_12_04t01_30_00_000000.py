from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.base import OnDelete, OnUpdate
from piccolo.columns.column_types import Date, ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.columns.indexes import IndexMethod
from piccolo.table import Table


class Tenant(Table, tablename="tenant", schema=None):
    id = Serial(null=False, primary_key=True, unique=False, index=False, index_method=IndexMethod.btree,
                choices=None, db_column_name="id", secret=False)


ID = "2026-12-04T01:30:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "rule conditions (JSON) and versions; the version each conversion application used (indexes: next migration)"

_COMMON = {"primary_key": False, "unique": False, "index": False, "index_method": IndexMethod.btree,
           "choices": None, "db_column_name": None, "secret": False}
_TENANT = {**_COMMON, "references": Tenant, "on_delete": OnDelete.cascade, "on_update": OnUpdate.cascade,
           "target_column": None, "null": False}



async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="rules", description=DESCRIPTION)
    # Existing rules keep working unchanged: no conditions (all sources held), version 1.
    manager.add_column(table_class_name="Rule", tablename="conversion_rule", column_name="conditions",
                       db_column_name="conditions", column_class_name="Text", column_class=Text,
                       params={**_COMMON, "default": "", "null": False}, schema=None)
    manager.add_column(table_class_name="Rule", tablename="conversion_rule", column_name="version",
                       db_column_name="version", column_class_name="Integer", column_class=Integer,
                       params={**_COMMON, "default": 1, "null": False}, schema=None)
    for class_name, tablename, columns in (
        ("RuleVersion", "conversion_rule_version", (
            ("rule_id", Integer, {"default": 0, "null": False}), ("version", Integer, {"default": 0, "null": False}),
            ("valid_from", Date, {"default": None, "null": True}), ("valid_to", Date, {"default": None, "null": True}),
            ("terms", Text, {"default": "", "null": False}), ("note", Varchar, {"default": "", "null": False, "length": 200}),
            ("created_at", Timestamptz, {"default": TimestamptzNow(), "null": False}))),
        ("RuleUse", "conversion_rule_use", (
            ("application_id", Integer, {"default": 0, "null": False}), ("rule_id", Integer, {"default": 0, "null": False}),
            ("version", Integer, {"default": 0, "null": False}), ("created_at", Timestamptz, {"default": TimestamptzNow(), "null": False}))),
    ):
        manager.add_table(class_name=class_name, tablename=tablename, schema=None, columns=None)
        manager.add_column(table_class_name=class_name, tablename=tablename, column_name="tenant_id",
                           db_column_name="tenant_id", column_class_name="ForeignKey", column_class=ForeignKey,
                           params=_TENANT, schema=None)
        for name, column_class, params in columns:
            manager.add_column(table_class_name=class_name, tablename=tablename, column_name=name, db_column_name=name,
                               column_class_name=column_class.__name__, column_class=column_class,
                               params={**_COMMON, **params}, schema=None)
    return manager
