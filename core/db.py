"""Database engines, table binding and migrations, for SQLite and PostgreSQL alike."""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

from piccolo.engine import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine
from piccolo.table import Table

from core.settings import Settings


def make_engine(settings: Settings) -> Engine:
    if settings.database_kind == "sqlite":
        path = Path(urlsplit(settings.database_url).path)
        path.parent.mkdir(parents=True, exist_ok=True)
        return SQLiteEngine(path=str(path), timeout=30)
    return PostgresEngine(config={"dsn": settings.database_url}, log_queries=False)


def all_tables() -> list[type[Table]]:
    from core.piccolo_conf import APP_REGISTRY

    return [table for app in APP_REGISTRY.app_configs.values() for table in app.table_classes]


def bind(engine: Engine) -> None:
    """Point every table of the project, and Piccolo's migration machinery, at ``engine``."""
    import core.piccolo_conf as conf

    os.environ["PICCOLO_CONF"] = conf.__name__  # Piccolo's migration code finds DB there
    conf.DB = engine
    from piccolo.apps.migrations.tables import Migration

    # Piccolo's own record of applied migrations, and the base class raw migrations use.
    for table in [*all_tables(), Migration, Table]:
        table._meta.db = engine


async def migrate(engine: Engine) -> None:
    """Run every migration not yet applied. Piccolo prints progress; it is kept quiet."""
    from piccolo.apps.migrations.commands.forwards import run_forwards

    bind(engine)
    with contextlib.redirect_stdout(io.StringIO()) as out:
        response = await run_forwards(app_name="all", migration_id="all", fake=False)
    if not response.success:
        raise RuntimeError(f"数据库迁移失败：{response.message}\n{out.getvalue()}")


@contextlib.asynccontextmanager
async def connected(engine: Engine) -> AsyncIterator[Engine]:
    """A connection pool for PostgreSQL while the block runs (SQLite needs none)."""
    if isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(min_size=1, max_size=10)
        try:
            yield engine
        finally:
            await engine.close_connection_pool()
    else:
        yield engine
