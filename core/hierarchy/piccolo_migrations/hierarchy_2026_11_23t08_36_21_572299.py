from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder
from piccolo.table import Table

ID = "2026-11-23T08:36:21:572299"
VERSION = "1.38.0"
DESCRIPTION = "org unit codes unique per tenant; subtree index"


async def forwards():
    manager = MigrationManager(
        migration_id=ID, app_name="hierarchy", description=DESCRIPTION
    )

    async def indexes():
        # Unique indexes rather than constraints: SQLite cannot add a constraint to a table.
        await Table.raw("CREATE UNIQUE INDEX org_unit_tenant_code ON org_unit (tenant_id, code)")
        # Subtree queries are `tenant_id = ? AND path LIKE 'prefix%'`; PostgreSQL needs the
        # pattern operator class to use an index for LIKE under a non-C collation.
        pattern_ops = " varchar_pattern_ops" if engine_finder().engine_type == "postgres" else ""
        await Table.raw("CREATE INDEX org_unit_parent ON org_unit (parent_id)")
        await Table.raw(
            f"CREATE INDEX org_unit_tenant_path ON org_unit (tenant_id, path{pattern_ops})"
        )

    manager.add_raw(indexes)

    return manager
