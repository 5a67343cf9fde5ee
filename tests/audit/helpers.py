"""The audit chain from outside: the ``creditbank audit`` commands, and tampering straight in
the database (with the append-only triggers out of the way where the tamper needs it)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from click.testing import CliRunner, Result

from core.accounts.tables import AuditEntry
from core.audit import guard
from core.cli import main
from tests.conftest import TENANTS_DIR, database_env


def cli_env(settings) -> dict[str, str]:
    return {"CREDITBANK_HOME": str(settings.home), "CREDITBANK_TENANTS_DIR": str(TENANTS_DIR),
            "CREDITBANK_SECRET_KEY": settings.secret_key, "CREDITBANK_STORAGE_URL": settings.storage_url,
            **database_env()}


async def cli(settings, *args: str) -> Result:
    """``creditbank *args`` in a thread of its own (the command runs its own event loop)."""
    return await asyncio.to_thread(CliRunner().invoke, main, list(args), env=cli_env(settings))


def postgres() -> bool:
    return AuditEntry._meta.db.engine_type == "postgres"


@contextlib.asynccontextmanager
async def untriggered() -> AsyncIterator[None]:
    """The append-only triggers off, as a DBA with the owner's rights could do."""
    if postgres():
        for table in ("audit_entry", "audit_checkpoint", "audit_archive"):
            await AuditEntry.raw(f"ALTER TABLE {table} DISABLE TRIGGER {table}_append_only")
    else:
        for name in guard.SQLITE_NAMES:
            await AuditEntry.raw(f"DROP TRIGGER IF EXISTS {name}")
    try:
        yield
    finally:
        if postgres():
            for table in ("audit_entry", "audit_checkpoint", "audit_archive"):
                await AuditEntry.raw(f"ALTER TABLE {table} ENABLE TRIGGER {table}_append_only")
        else:
            for statement in guard.SQLITE:
                await AuditEntry.raw(statement)


async def chain_rows(tenant_id: int) -> list[dict]:
    return await AuditEntry.select().where(AuditEntry.tenant_id == tenant_id).order_by(AuditEntry.chain_seq)
