"""Start-up preparation, done once however many processes start at once.

``prepare`` migrates the database, checks that the secret key is the data's, fails import jobs
whose process died and syncs the ``tenants/`` folder. Several processes starting together (the
workers of ``creditbank serve --workers 4``, a CLI command beside a server) would otherwise
migrate at the same time and fail (``DuplicateTableError``), so it runs under a lock: a
PostgreSQL advisory lock held on a connection of its own, or on SQLite an ``flock`` on
``<database file>.setup-lock``. ``creditbank serve`` prepares once in its supervisor and tells
its workers (``CREDITBANK_SERVE_PREPARED=1``), which then skip it.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

from piccolo.engine import Engine

from core import db
from core.plugins import PluginRegistry
from core.settings import Settings

log = logging.getLogger("creditbank")

PREPARED_ENV = "CREDITBANK_SERVE_PREPARED"
# pg_advisory_lock's key: any constant, the same in every process of the platform.
_ADVISORY_KEY = 0x63726564_69740001  # "credit" + 1


def prepared_by_supervisor() -> bool:
    return os.environ.get(PREPARED_ENV) == "1"


@contextlib.asynccontextmanager
async def setup_lock(settings: Settings) -> AsyncIterator[None]:
    """Held by one process at a time, across processes, until the block ends (or the process
    dies: the server drops a dead session's advisory locks, the kernel a dead process's flock)."""
    if settings.database_kind == "postgres":
        import asyncpg

        # Its own connection, to the server itself: a pooled one would go back to the pool
        # still holding the lock, and behind a transaction pooler the lock would not hold.
        connection = await asyncpg.connect(settings.database_direct_url or settings.database_url, timeout=10)
        try:
            await connection.execute("SELECT pg_advisory_lock($1)", _ADVISORY_KEY)
            yield
        finally:
            with contextlib.suppress(Exception):
                await connection.execute("SELECT pg_advisory_unlock($1)", _ADVISORY_KEY)
            await connection.close()
        return
    path = Path(urlsplit(settings.database_url).path + ".setup-lock")
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        while True:  # polled, not blocking a thread that a cancelled start could not get back
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                await asyncio.sleep(0.05)
        yield
    finally:
        os.close(fd)  # releases the lock


async def _encrypted_sample() -> str | None:
    from core.accounts.tables import Account

    row = await Account.select(Account.id_number_enc).where(Account.id_number_enc.is_not_null()).first()
    return row["id_number_enc"] if row else None


async def prepare(settings: Settings, plugins: PluginRegistry, engine: Engine, *, migrate: bool = True,
                  sync_tenants: bool = True) -> None:
    """Under ``setup_lock``: migrate and then check the secret key and sweep dead import jobs
    (``migrate``), and sync ``tenants/`` (``sync_tenants``). Raises ``KeyMismatch`` when the
    secret key is not the data's; the caller must then not start. Needs ``db.connected``."""
    if not (migrate or sync_tenants):
        return
    from core.imports.jobs import fail_dead_jobs
    from core.security.keycheck import check_secret_key
    from core.seeding import sync_tenant_files

    async with setup_lock(settings):
        if migrate:
            await db.migrate(engine, settings.secret_key)
            await check_secret_key(settings.secret_key, _encrypted_sample)
            await fail_dead_jobs(settings.var_dir, settings.job_stale_seconds)
        if sync_tenants:
            for result in await sync_tenant_files(settings.tenants_dir, plugins):
                if not result.ok:
                    log.error("租户文件未加载：%s", result.message)


async def sweep_dead_jobs_forever(settings: Settings) -> None:
    """Every half of ``job_stale_seconds``: fail the import jobs whose process died (any worker
    may find another's). A failed sweep is logged and tried again next time."""
    from core.imports.jobs import fail_dead_jobs

    while True:
        await asyncio.sleep(max(settings.job_stale_seconds / 2, 0.5))
        try:
            await fail_dead_jobs(settings.var_dir, settings.job_stale_seconds)
        except Exception as exc:  # noqa: BLE001 — the database may be away; the next sweep retries
            if not db.is_unavailable(exc):
                log.exception("检查中断的导入任务时出错")
