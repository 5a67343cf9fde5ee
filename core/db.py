"""Database engines, table binding and migrations, for SQLite and PostgreSQL alike."""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import io
import logging
import os
import re
import sqlite3
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import aiosqlite
from piccolo.columns import Column
from piccolo.columns.combination import Where
from piccolo.columns.operators.comparison import ComparisonOperator
from piccolo.engine import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType
from piccolo.querystring import QueryString
from piccolo.table import Table

from core.settings import Settings

log = logging.getLogger("creditbank.db")

SQLITE_CONNECTIONS = 4  # kept open per engine while ``connected`` runs
HELD_CONNECTIONS = 4  # PostgreSQL: kept out of asyncpg's pool for single statements


class HeldPostgresEngine(PostgresEngine):
    """Piccolo's PostgreSQL engine, with single statements on connections held ready.

    Piccolo runs every statement outside a transaction in ``async with pool.acquire()``:
    asyncpg's acquire and release (a queue, timeouts, a shielded release task) cost about as
    much as an indexed read on loopback. Here such statements take one of a few connections
    kept checked out of the pool, one statement at a time each, and put it back after; only
    when all are busy do they go to the pool as before. A statement that fails or is
    cancelled hands its connection back to the pool, which cleans it up (or discards it).
    Transactions and ``pool.acquire()`` callers are unchanged. The held connections count
    against the pool's ``max_size``.
    """

    def __init__(self, config: dict, **kwargs) -> None:
        super().__init__(config=config, **kwargs)
        self._held: list = []
        # Beyond one server (docs/scale.md); ``make_engine`` sets them from the settings.
        self.direct_config: dict | None = None  # the server itself when ``config`` names a pooler
        self.replica: HeldPostgresEngine | None = None  # a hot standby for public reads
        self.replica_watch: ReplicaWatch | None = None
        self.replica_statements = 0  # statements the replica answered for this engine

    async def fetch_sql(self, sql: str, args: Sequence) -> list:
        """``sql`` (``$1, $2, …``) as it is, no query builder: in the current transaction if
        there is one, else on a held connection. asyncpg ``Record`` rows."""
        transaction = self.current_transaction.get()
        if transaction:
            return await transaction.connection.fetch(sql, *args)
        if self.pool:
            return await self._run_in_pool(sql, args)
        return await self._run_in_new_connection(sql, args)

    async def _run_in_pool(self, query: str, args=None):
        replica = self._reader_for(query)
        if replica is not None:
            try:
                rows = await replica._run_in_pool(query, args) if replica.pool else \
                    await replica._run_in_new_connection(query, args)
            except Exception as exc:
                if not is_unavailable(exc):
                    raise
                self.replica_watch.went_away(exc)  # and read here
            else:
                self.replica_statements += 1
                return rows
        pool = self.pool
        if not pool:
            raise ValueError("A pool isn't currently running.")
        held = self._held
        connection = held.pop() if held else await pool.acquire()
        try:
            rows = await connection.fetch(query, *(args or ()))
        except BaseException:
            await pool.release(connection)
            raise
        if len(held) < HELD_CONNECTIONS and self.pool is pool:
            held.append(connection)
        else:
            await pool.release(connection)
        return rows

    def _reader_for(self, query: str) -> HeldPostgresEngine | None:
        """The replica, when this statement may read from it: the request is a public read
        (``public_reads``), the replica is within its lag bound, and the statement is a plain
        ``SELECT`` outside a transaction (anything that writes, or reads what it is about to
        write, stays here)."""
        if self.replica is None or not _public_read.get() or not self.replica_watch.usable:
            return None
        return self.replica if query.lstrip()[:7].upper() == "SELECT " else None

    async def close_connection_pool(self) -> None:
        held, self._held = self._held, []
        if self.pool:
            for connection in held:
                await self.pool.release(connection)
        await super().close_connection_pool()


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
        if sqlite3.sqlite_version_info < (3, 35):  # no RETURNING: Piccolo reads inserted ids its own way
            return
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

    def transaction(self, transaction_type: TransactionType = TransactionType.immediate, allow_nested: bool = True):
        """Transactions take the write lock when they begin (``BEGIN IMMEDIATE``), waiting for
        it up to the engine's timeout. Piccolo's default ``DEFERRED`` takes it at the first
        write; a transaction that read first then fails at once with "database is locked"
        when another connection wrote meanwhile (SQLite cannot upgrade a stale read), which
        concurrent requests — reads, then an insert — hit."""
        return super().transaction(transaction_type=transaction_type, allow_nested=allow_nested)

    async def fetch_sql(self, sql: str, args: Sequence) -> list[dict]:
        """``sql`` (``$1, $2, …``, read as SQLite's ``?1, ?2, …``) as it is, no query builder."""
        sql = _DOLLAR.sub(r"?\1", sql)
        transaction = self.current_transaction.get()
        if transaction:
            return await self._run_in_existing_connection(transaction.connection, sql, list(args))
        if self._idle is not None:
            return await self._pooled(sql, args)
        return await self._run_in_new_connection(sql, list(args))

    async def _pooled(self, query: str, args: Sequence) -> list[dict]:
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


_DOLLAR = re.compile(r"\$(\d+)")


async def fetch(table: type[Table], sql: str, *args) -> list:
    """The rows of one raw statement on ``table``'s engine, placeholders ``$1, $2, …``.

    For hot reads behind the service layer: Piccolo's ``Table.raw`` parses and re-renders
    the statement and copies every row into a dict, which costs as much as a short indexed
    read. Rows are asyncpg ``Record`` objects on PostgreSQL and dicts on SQLite: read them by
    column name. Runs inside the current transaction when there is one."""
    return await table._meta.db.fetch_sql(sql, args)


T = TypeVar("T")


def one(row: T | None) -> T:
    """A row the caller knows is there (it was just written, or found under a lock or by an id
    read in the same request); Piccolo's ``first()`` is typed optional. A row that is gone
    after all is a bug: say so instead of failing on ``None`` further on."""
    if row is None:
        raise LookupError("the row read back was not found")
    return row


def make_engine(settings: Settings) -> Engine:
    if settings.database_kind == "sqlite":
        path = Path(urlsplit(settings.database_url).path)
        path.parent.mkdir(parents=True, exist_ok=True)
        return PooledSQLiteEngine(path=str(path), timeout=30)
    engine = HeldPostgresEngine(config=_postgres_config(settings, settings.database_url), log_queries=False)
    if settings.database_pooler != "none":
        engine.direct_config = {"dsn": settings.database_direct_url}
    if settings.database_replica_url:
        engine.replica = HeldPostgresEngine(config=_postgres_config(settings, settings.database_replica_url),
                                            log_queries=False)
        engine.replica_watch = ReplicaWatch(engine.replica, settings.database_replica_max_lag)
    return engine


def _postgres_config(settings: Settings, dsn: str) -> dict:
    """asyncpg's connection arguments. Through PgBouncer in transaction mode (1.18: no
    prepared statements there) asyncpg's statement cache is off: a named statement prepared on
    one server connection is unknown on the next one PgBouncer hands out ("prepared statement
    … does not exist"). Unnamed statements still work: asyncpg parses, binds and executes one
    before its Sync, so PgBouncer keeps the same server connection for all of it."""
    config: dict = {"dsn": dsn}
    if settings.database_pooler == "pgbouncer":
        config["statement_cache_size"] = 0
    return config


@contextlib.asynccontextmanager
async def session_connection(engine: HeldPostgresEngine) -> AsyncIterator:
    """An asyncpg connection that is one server session for as long as the block runs (temp
    tables kept across transactions, ``COPY`` into them): from the pool, or — through a
    transaction pooler, which would hand each transaction another server session — a
    connection of its own to the server itself (``CREDITBANK_DATABASE_DIRECT_URL``)."""
    import asyncpg

    if engine.direct_config is not None:
        connection = await asyncpg.connect(**engine.direct_config)
        release = connection.close
    elif engine.pool is not None:
        pool = engine.pool
        connection = await pool.acquire()
        release = functools.partial(pool.release, connection)
    else:
        connection = await engine.get_new_connection()
        release = connection.close
    try:
        yield connection
    finally:
        await release()


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


_migration_secret: contextvars.ContextVar[str | None] = contextvars.ContextVar("migration_secret", default=None)


def migration_secret() -> str | None:
    """The secret key ``migrate`` was given: migrations that convert personal data to keyed
    hashes need it (and fail, saying so, when there are rows to convert and no key)."""
    return _migration_secret.get()


async def migrate(engine: Engine, secret_key: str | None = None) -> None:
    """Run every migration not yet applied. Piccolo prints progress; it is kept quiet."""
    from piccolo.apps.migrations.commands.forwards import run_forwards

    direct = direct_engine(engine)
    bind(direct)
    token = _migration_secret.set(secret_key)
    try:
        async with contextlib.AsyncExitStack() as stack:
            if direct is not engine:
                await stack.enter_async_context(connected(direct))  # a connection per statement is slow
            with contextlib.redirect_stdout(io.StringIO()) as out:
                response = await run_forwards(app_name="all", migration_id="all", fake=False)
    finally:
        _migration_secret.reset(token)
        if direct is not engine:
            bind(engine)
    if not response.success:
        raise RuntimeError(f"数据库迁移失败：{response.message}\n{out.getvalue()}")


def direct_engine(engine: Engine) -> Engine:
    """Where migrations run: the server itself when ``engine`` goes through a transaction
    pooler (DDL, Piccolo's own bookkeeping and any lock held across statements need one
    session), else ``engine``. ``migrate`` opens and closes its pool."""
    direct_config = getattr(engine, "direct_config", None)
    if direct_config is None:
        return engine
    return HeldPostgresEngine(config=dict(direct_config), log_queries=False)


@contextlib.asynccontextmanager
async def connected(engine: Engine) -> AsyncIterator[Engine]:
    """Connections kept open while the block runs: asyncpg's pool for PostgreSQL, a few open
    connections for SQLite (``PooledSQLiteEngine``)."""
    if isinstance(engine, PostgresEngine):
        # min_size=0: no connection is opened here, so a worker starts (and answers 503) while
        # the database is away, and the pool connects when it is back.
        await engine.start_connection_pool(min_size=0, max_size=10, reset=_keep_session)
        replica = getattr(engine, "replica", None)
        try:
            if replica is not None:
                await replica.start_connection_pool(min_size=0, max_size=10, reset=_keep_session)
            yield engine
        finally:
            if replica is not None and replica.pool is not None:
                await replica.close_connection_pool()
            await engine.close_connection_pool()
    elif isinstance(engine, PooledSQLiteEngine) and not engine.pooled:
        try:
            await engine.open_pool()
        except sqlite3.OperationalError as exc:
            if not is_unavailable(exc):
                raise
            # The file cannot be opened now: statements open their own connections (and fail
            # with a 503 until it can).
            await engine.close_pool()
            yield engine
            return
        try:
            yield engine
        finally:
            await engine.close_pool()
    else:
        yield engine


def is_unique_violation(exc: BaseException) -> bool:
    """Whether ``exc`` is a unique index refusing a row, on either engine (asyncpg's
    ``UniqueViolationError``; SQLite's ``IntegrityError: UNIQUE constraint failed``)."""
    import asyncpg

    if isinstance(exc, asyncpg.UniqueViolationError):
        return True
    return isinstance(exc, sqlite3.IntegrityError) and str(exc).startswith("UNIQUE constraint failed")


# ---------------------------------------------------------------------------------------------
# Outages


def is_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` means the database cannot be reached (down, restarting, the network cut,
    the file not openable), as opposed to a fault in a statement: the former is a 503, the
    latter a 500."""
    import asyncpg

    if isinstance(exc, (OSError, asyncpg.PostgresConnectionError, asyncpg.InterfaceError,
                        asyncpg.exceptions.OperatorInterventionError)):
        return True  # OSError: refused, reset, timed out (TimeoutError is one)
    if isinstance(exc, sqlite3.OperationalError):
        text = str(exc)
        return any(t in text for t in ("unable to open", "disk I/O error", "database is locked"))
    return False


class DatabaseWatch:
    """Tells the log once that the database went away and once that it is back.

    The first request that fails with ``is_unavailable`` calls ``went_away``; from then on a
    task pings the database every ``interval`` seconds until a ping succeeds. Requests keep
    being answered 503 meanwhile; the connection pool reconnects by itself.
    """

    def __init__(self, engine: Engine, interval: float = 0.5) -> None:
        self.engine = engine
        self.interval = interval
        self.down_since: float | None = None
        self._task: asyncio.Task | None = None

    @property
    def down(self) -> bool:
        return self.down_since is not None

    def went_away(self, exc: BaseException) -> None:
        if self.down:
            return
        self.down_since = asyncio.get_running_loop().time()
        log.error("数据库不可用（%s: %s）：请求将答复 503，数据库恢复后自动继续", type(exc).__name__, exc)
        self._task = asyncio.create_task(self._wait_until_back())

    async def ping(self, timeout: float = 2.0) -> str | None:
        """None when a trivial statement runs, else what went wrong."""
        try:
            await asyncio.wait_for(self.engine.fetch_sql("SELECT 1", ()), timeout)
        except Exception as exc:  # noqa: BLE001 — any failure is "not ready"
            return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        return None

    async def _wait_until_back(self) -> None:
        while await self.ping() is not None:
            await asyncio.sleep(self.interval)
        seconds = asyncio.get_running_loop().time() - (self.down_since or 0)
        self.down_since = None
        log.warning("数据库已恢复（中断约 %.0f 秒）", seconds)

    def stop(self) -> None:
        if self._task:
            self._task.cancel()

# ---------------------------------------------------------------------------------------------
# A read replica for public reads

_public_read: contextvars.ContextVar[bool] = contextvars.ContextVar("public_read", default=False)


@contextlib.contextmanager
def public_reads() -> Iterator[None]:
    """While the block runs, plain ``SELECT``s outside a transaction may be answered by the
    engine's replica (when it has one and it is within its lag bound). The web layer opens it
    for anonymous requests to the public read routes; nothing else needs to know."""
    token = _public_read.set(True)
    try:
        yield
    finally:
        _public_read.reset(token)


class ReplicaWatch:
    """Whether the replica may answer: reachable, and no more than ``max_lag`` seconds behind.

    Lag is how long ago the last replayed transaction committed on the primary, counted only
    while the replica has received WAL it has not replayed yet (an idle primary sends none, so
    an idle replica is not "behind"). It is measured at most every ``interval`` seconds, by the
    first public read after that (``refresh``); a replica that cannot be reached is left
    alone until then, and reads go to the primary meanwhile."""

    LAG_SQL = (
        "SELECT pg_is_in_recovery() AS standby, CASE WHEN pg_last_wal_receive_lsn() IS NULL "
        "OR pg_last_wal_receive_lsn() <= pg_last_wal_replay_lsn() THEN 0.0 "
        "ELSE EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp())::float8 END AS lag"
    )

    def __init__(self, replica: HeldPostgresEngine, max_lag: float, interval: float = 1.0) -> None:
        self.replica = replica
        self.max_lag = max_lag
        self.interval = interval
        self.lag: float | None = None  # seconds at the last check; None: unknown or unreachable
        self.usable = False
        self._checked_at: float | None = None
        self._check: asyncio.Task | None = None

    async def refresh(self) -> bool:
        """``usable``, measured again when the last measure is older than ``interval``
        (concurrent callers share one measure)."""
        now = asyncio.get_running_loop().time()
        if self._checked_at is not None and now - self._checked_at < self.interval:
            return self.usable
        if self._check is None or self._check.done():
            self._check = asyncio.ensure_future(self._measure())
        await asyncio.shield(self._check)
        return self.usable

    async def _measure(self) -> None:
        try:
            rows = await asyncio.wait_for(self.replica.fetch_sql(self.LAG_SQL, ()), 2.0)
            standby, lag = rows[0]["standby"], float(rows[0]["lag"] or 0.0)
        except Exception as exc:  # noqa: BLE001 — any failure means "read from the primary"
            self._note_down(exc)
        else:
            if not self.usable and self.lag is None:
                log.info("只读副本可用（延迟 %.1f 秒）", lag)
            self.lag = lag
            # A promoted standby is a primary of its own: never read from it as a replica.
            self.usable = bool(standby) and lag <= self.max_lag
        self._checked_at = asyncio.get_running_loop().time()

    def went_away(self, exc: BaseException) -> None:
        """A read on the replica failed for want of it: primary until the next measure."""
        self._note_down(exc)
        self._checked_at = asyncio.get_running_loop().time()

    def _note_down(self, exc: BaseException) -> None:
        if self.lag is not None or self._checked_at is None:
            log.warning("只读副本不可用（%s: %s）：公开查询改由主库答复", type(exc).__name__, exc)
        self.usable, self.lag = False, None


# ---------------------------------------------------------------------------------------------
# LIKE with what people type taken literally

LIKE_ESCAPE = "\\"
ESCAPE_CLAUSE = "ESCAPE '\\'"  # SQLite has no escape character unless one is named


def like_escaped(text: str) -> str:
    """``text`` with LIKE's wildcards (``%``, ``_``) and the escape character itself escaped,
    so that it matches only itself. Every LIKE on what a user typed goes through this (with
    ``ESCAPE_CLAUSE`` in raw SQL): unescaped, ``q=%`` lists everything and ``q=_1`` probes one
    character at a time."""
    return text.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", LIKE_ESCAPE + "%").replace("_", LIKE_ESCAPE + "_")


class _LikeEscaped(ComparisonOperator):
    template = "{name} LIKE {value} " + ESCAPE_CLAUSE


def contains(column: Column, text: str) -> Where:
    """``column`` contains ``text`` literally (LIKE's own case rules: SQLite ignores ASCII case)."""
    return Where(column=column, value=f"%{like_escaped(text)}%", operator=_LikeEscaped)


def starts_with(column: Column, text: str) -> Where:
    """``column`` begins with ``text`` literally; a prefix LIKE can use the column's index."""
    return Where(column=column, value=f"{like_escaped(text)}%", operator=_LikeEscaped)
