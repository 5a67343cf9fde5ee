"""Files and rows that should go together: every stored file has a row that refers to it, every
row's file is in the store. The referring columns are found, not listed: every ``StorageKey``
column of every table (see ``core.storage.columns``)."""

from __future__ import annotations

import msgspec
from piccolo.columns import Column
from piccolo.table import Table

from core import db
from core.storage.backends import Storage
from core.storage.columns import StorageKey


class StorageReport(msgspec.Struct):
    files: int
    rows: int
    orphan_files: list[str]  # in storage, no row points at it
    missing_files: list[str]  # a row points at it, storage lacks it


def referencing_columns() -> list[tuple[type[Table], Column]]:
    """Every (table, column) of the project whose values are keys of the file store."""
    return [(table, column) for table in db.all_tables() for column in table._meta.columns
            if isinstance(column, StorageKey)]


async def referenced_keys() -> set[str]:
    keys: set[str] = set()
    for table, column in referencing_columns():
        keys |= {r[column._meta.name] for r in await table.select(column).where(column.is_not_null())}
    return keys


async def check_storage(storage: Storage) -> StorageReport:
    """Compare what the database references with what the store holds. The keys are read
    before the store is listed, so a file uploaded in between shows as an orphan, never the
    reverse; ID-card scans uploaded for a registration not yet finished are orphans too —
    which is why deleting orphans is a separate, explicit step."""
    referenced = await referenced_keys()
    stored = set(await storage.keys())
    return StorageReport(
        files=len(stored), rows=len(referenced),
        orphan_files=sorted(stored - referenced), missing_files=sorted(referenced - stored),
    )
