"""Files and rows that should go together: every evidence row (and ID-card scan) has its file,
every stored file has its row."""

from __future__ import annotations

import msgspec

from core.accounts.tables import Account
from core.achievements.tables import Evidence
from core.storage import Storage


class StorageReport(msgspec.Struct):
    files: int
    rows: int
    orphan_files: list[str]  # in storage, no row points at it
    missing_files: list[str]  # a row points at it, storage lacks it


async def check_storage(storage: Storage) -> StorageReport:
    """Compare what the database references with what the store holds. Uploads younger than
    a request's lifetime may show as orphans while they are being written: run it quietly."""
    referenced = {r["storage_key"] for r in await Evidence.select(Evidence.storage_key)}
    referenced |= {r["id_scan_key"] for r in await Account.select(Account.id_scan_key).where(Account.id_scan_key.is_not_null())}
    stored = set(await storage.keys())
    # ID-card scans are uploaded before the account exists; an unused one is an orphan too.
    return StorageReport(
        files=len(stored), rows=len(referenced),
        orphan_files=sorted(stored - referenced), missing_files=sorted(referenced - stored),
    )
