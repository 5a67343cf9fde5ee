"""The column type of every database column that holds a key of the file store."""

from __future__ import annotations

from piccolo.columns import Varchar


class StorageKey(Varchar):
    """A key of the file store (evidence, review materials, ID-card scans, …).

    ``creditbank storage check`` finds every file the database refers to through the columns of
    this type, so a table that keeps a stored file declares its column this way and is covered
    without anyone editing the check. In SQL it is an ordinary ``VARCHAR``.
    """
