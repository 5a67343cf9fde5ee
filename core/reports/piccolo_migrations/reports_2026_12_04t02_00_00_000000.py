from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.table import Table

ID = "2026-12-04T02:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "unit_counter: the unit report's counters per unit, day and month (core/reports/counters.py)"

COLUMNS = ("tenant_id INTEGER NOT NULL REFERENCES tenant (id) ON DELETE CASCADE ON UPDATE CASCADE, "
           "span VARCHAR(1) NOT NULL, day DATE NOT NULL, unit_id INTEGER NOT NULL, measure VARCHAR(16) NOT NULL, "
           "k1 VARCHAR(64) NOT NULL DEFAULT '', k2 VARCHAR(64) NOT NULL DEFAULT '', n BIGINT NOT NULL DEFAULT 0")
# The key every delta upserts on, and the range the report reads (tenant, span, days).
KEY = "CREATE UNIQUE INDEX unit_counter_key ON unit_counter (tenant_id, span, day, unit_id, measure, k1, k2)"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="reports", description=DESCRIPTION)

    async def create():
        if Table._meta.db.engine_type == "postgres":
            await Table.raw(f"CREATE TABLE unit_counter (id SERIAL PRIMARY KEY, {COLUMNS})")
        else:
            await Table.raw(f"CREATE TABLE unit_counter (id INTEGER PRIMARY KEY, {COLUMNS})")
        await Table.raw(KEY)

    manager.add_raw(create)
    return manager
