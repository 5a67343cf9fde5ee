from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.columns.column_types import Text
from piccolo.columns.indexes import IndexMethod

ID = "2026-12-04T02:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "catalog: search_grams, the two-character substrings of search_text for SQLite's FTS5 index"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="catalog", description=DESCRIPTION)
    manager.add_column(
        table_class_name="CatalogEntry", tablename="catalog_entry", column_name="search_grams",
        db_column_name="search_grams", column_class_name="Text", column_class=Text,
        params={"default": "", "null": False, "primary_key": False, "unique": False, "index": False,
                "index_method": IndexMethod.btree, "choices": None, "db_column_name": None, "secret": False},
        schema=None,
    )
    return manager
