"""What the import API answers: a started job, its progress and its rejected rows."""

from __future__ import annotations

from datetime import datetime

import msgspec


class JobCreated(msgspec.Struct):
    job_id: int


class RowErrorOut(msgspec.Struct):
    row: int
    message: str


class JobOut(msgspec.Struct, kw_only=True):
    job_id: int
    kind: str
    filename: str
    status: str
    total: int
    done: int
    failed: int
    created: int
    message: str
    errors: list[RowErrorOut]
    created_at: datetime
    finished_at: datetime | None
    created_by: int | None = None
