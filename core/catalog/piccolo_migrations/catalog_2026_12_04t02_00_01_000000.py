from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.table import Table

ID = "2026-12-04T02:00:01:000000"
VERSION = "1.38.0"
DESCRIPTION = "catalog: FTS5 trigram index for search on SQLite (two-character words through search_grams)"

# Kept here as they were run (core/catalog/fts.py has the same statements for the service).
SEP = "\x1f"
DDL = (
    "CREATE VIRTUAL TABLE catalog_entry_fts USING fts5(search_text, search_grams, content='catalog_entry', "
    "content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER catalog_entry_fts_insert AFTER INSERT ON catalog_entry BEGIN "
    "INSERT INTO catalog_entry_fts(rowid, search_text, search_grams) VALUES (new.id, new.search_text, new.search_grams); END",
    "CREATE TRIGGER catalog_entry_fts_delete AFTER DELETE ON catalog_entry BEGIN "
    "INSERT INTO catalog_entry_fts(catalog_entry_fts, rowid, search_text, search_grams) "
    "VALUES ('delete', old.id, old.search_text, old.search_grams); END",
    "CREATE TRIGGER catalog_entry_fts_update AFTER UPDATE OF search_text, search_grams ON catalog_entry BEGIN "
    "INSERT INTO catalog_entry_fts(catalog_entry_fts, rowid, search_text, search_grams) "
    "VALUES ('delete', old.id, old.search_text, old.search_grams); "
    "INSERT INTO catalog_entry_fts(rowid, search_text, search_grams) VALUES (new.id, new.search_text, new.search_grams); END",
)


def grams(text: str) -> str:
    text = text.replace(SEP, " ")
    pairs = dict.fromkeys(text[i:i + 2] for i in range(len(text) - 1))
    return SEP + SEP.join(pairs) + SEP if pairs else ""


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="catalog", description=DESCRIPTION)

    async def index():
        if engine_finder().engine_type != "sqlite":
            return  # PostgreSQL has its trigram and bigram GIN indexes
        for row in await Table.raw("SELECT id, search_text FROM catalog_entry"):
            await Table.raw("UPDATE catalog_entry SET search_grams = {} WHERE id = {}", grams(row["search_text"] or ""),
                            row["id"])
        for statement in DDL:
            await Table.raw(statement)
        await Table.raw("INSERT INTO catalog_entry_fts(catalog_entry_fts) VALUES ('rebuild')")

    manager.add_raw(index)
    return manager
