from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.table import Table

ID = "2026-11-24T10:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "catalog: bigram index for two-character search words (PostgreSQL)"

# Two-character words are the commonest Chinese searches (会计, 护理, 杭州), and trigrams cannot
# serve them: pg_trgm finds no trigram inside '%会计%', so the search fell back to a scan of
# the whole table (~200 ms over 200,000 entries). Every two-character substring of
# ``search_text`` goes into a GIN index; ``bigrams @> ARRAY['会计']`` holds exactly when
# ``search_text LIKE '%会计%'`` does, and core.catalog.service.search adds it for such words.
BIGRAMS = (
    "CREATE OR REPLACE FUNCTION catalog_bigrams(t text) RETURNS text[] "
    "LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS "
    "$$ SELECT ARRAY(SELECT substr(t, i, 2) FROM generate_series(1, length(t) - 1) AS i) $$"
)


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="catalog", description=DESCRIPTION)

    async def indexes():
        if engine_finder().engine_type == "postgres":
            await Table.raw(BIGRAMS)
            await Table.raw(
                "CREATE INDEX catalog_entry_bigrams ON catalog_entry USING gin (catalog_bigrams(search_text))"
            )

    manager.add_raw(indexes)
    return manager
