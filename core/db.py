"""Database engines, table binding and migrations, for SQLite and PostgreSQL alike."""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import aiosqlite
from piccolo.engine import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine
from piccolo.querystring import QueryString
from piccolo.table import Table

from core.settings import Settings

SQLITE_CONNECTIONS = 4  # kept open per engine while ``connected`` runs


class PooledSQLiteEngine(SQLiteEngine):
    """Piccolo's SQLite engine, keeping connections open between statements.

    Piccolo opens a new connection (an aiosqlite thread, a ``PRAGMA``) for every statement
    outside a transaction — ~0.5 ms, more than most statements of a request. While
    ``connected`` runs, such statements borrow one of a few open connections instead, each
    used by one statement at a time, in autocommit mode as Piccolo's own are. Transactions
    keep their own connection, as in Piccolo.
    """

    def __init__(self, path: str, **kwargs) -> None:
        super().__init__(path=path, **kwargs)
        self._idle: asyncio.LifoQueue[aiosqlite.Connection] | None = None
        self._open: list[aiosqlite.Connection] = []

    @property
    def pooled(self) -> bool:
        return self._idle is not None

    async def open_pool(self, size: int = SQLITE_CONNECTIONS) -> None:
        self._idle = asyncio.LifoQueue()
        self._open = []
        for _ in range(size):
            connection = await self.get_connection()  # with Piccolo's row factory and foreign keys on
            self._open.append(connection)
            self._idle.put_nowait(connection)

    async def close_pool(self) -> None:
        self._idle, connections, self._open = None, self._open, []
        for connection in connections:
            await connection.close()

    async def _pooled(self, query: str, args: list) -> list[dict]:
        idle = self._idle
        connection = await idle.get()
        try:
            return await connection.execute_fetchall(query, args)  # one trip to the connection's thread
        finally:
            if self._idle is idle:
                idle.put_nowait(connection)

    async def run_querystring(self, querystring: QueryString, in_pool: bool = False):
        if self._idle is None or self.current_transaction.get() or self.log_queries or self.log_responses:
            return await super().run_querystring(querystring, in_pool)
        query, args = querystring.compile_string(engine_type=self.engine_type)
        return await self._pooled(query, args)

    async def run_ddl(self, ddl: str, in_pool: bool = False):
        if self._idle is None or self.current_transaction.get() or self.log_queries or self.log_responses:
            return await super().run_ddl(ddl, in_pool)
        return await self._pooled(ddl, [])


async def _keep_session(connection) -> None:
    """The pool's ``reset``: nothing beyond what asyncpg always does on release (roll back an
    open transaction, drop listener callbacks).

    asyncpg's default also sends ``SELECT pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *;
    RESET ALL`` — one more round trip on every release, i.e. after every statement Piccolo
    runs outside a transaction. Nothing here leaves session state behind for it to clear: no
    session-level ``SET`` (only ``SET LOCAL``), no advisory locks, no ``LISTEN``, no ``WITH
    HOLD`` cursors. Whoever adds one must reset it themselves, or restore the default here.
    """


def make_engine(settings: Settings) -> Engine:
    if settings.database_kind == "sqlite":
        path = Path(urlsplit(settings.database_url).path)
        path.parent.mkdir(parents=True, exist_ok=True)
        return PooledSQLiteEngine(path=str(path), timeout=30)
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
    """Connections kept open while the block runs: asyncpg's pool for PostgreSQL, a few open
    connections for SQLite (``PooledSQLiteEngine``)."""
    if isinstance(engine, PostgresEngine):
        await engine.start_connection_pool(min_size=1, max_size=10, reset=_keep_session)
        try:
            yield engine
        finally:
            await engine.close_connection_pool()
    elif isinstance(engine, PooledSQLiteEngine) and not engine.pooled:
        await engine.open_pool()
        try:
            yield engine
        finally:
            await engine.close_pool()
    else:
        yield engine
