"""Import jobs that outlive their process: heartbeats, the sweep of dead jobs, sealed uploads.

A job's process may die mid-way (killed, out of memory, the machine restarted). Its row would
then say ``running`` for ever and its upload — learner lists hold ID numbers — would stay on
disk. So:

- A running job refreshes ``import_job.heartbeat_at``. On PostgreSQL a task does it every
  quarter of ``Settings.job_stale_seconds``; on SQLite the heartbeat rides the job's own row
  writes (after every batch, every 500 catalog rows), because a second writer on the job row
  would wait for, or fail on, the batch writer's lock.
- ``fail_dead_jobs`` (at start-up, and periodically in every web worker) marks failed, in one
  statement, each pending or running job whose heartbeat is older than that, and deletes its
  upload. A job is not resumed: its upload is sealed under a key only the dead process held.
- An upload is kept, while its job runs, under ``var/imports/`` (never a served folder) as
  ``job-<id>.bin``, sealed with AES-GCM in 64 KiB chunks under a random key held in memory
  only; it is deleted when the job ends either way.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
import re
import struct
import time
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from core.accounts.tables import ImportJob
from core.clock import utcnow

log = logging.getLogger("creditbank.imports")

DEAD_MESSAGE = ("导入任务已中断：处理它的进程意外停止（超过 {seconds} 秒没有心跳），任务已标记为失败，"
                "上传的文件已删除。已写入的批次保留，请重新上传文件再次导入（已存在的记录会跳过）。")


def uploads_folder(var_dir: Path) -> Path:
    return var_dir / "imports"


def job_upload_path(var_dir: Path, job_id: int) -> Path:
    return uploads_folder(var_dir) / f"job-{job_id}.bin"


# ---------------------------------------------------------------------------------------------
# Heartbeats and the sweep


@contextlib.asynccontextmanager
async def heartbeat(job_id: int, stale_seconds: int) -> AsyncIterator[None]:
    """Keep ``job_id`` alive while the block runs: on PostgreSQL a task refreshes the heartbeat;
    on SQLite nothing here (the job's own row writes carry it, see the module's docstring)."""
    if ImportJob._meta.db.engine_type == "sqlite":
        yield
        return

    async def beat() -> None:
        while True:
            await asyncio.sleep(max(stale_seconds / 4, 0.25))
            try:
                await ImportJob.update({ImportJob.heartbeat_at: utcnow()}).where(ImportJob.id == job_id)
            except Exception as exc:  # noqa: BLE001 — a missed beat is not the job's failure
                log.warning("导入任务 %s：心跳未写入（%s）", job_id, type(exc).__name__)

    task = asyncio.create_task(beat())
    try:
        yield
    finally:
        task.cancel()


async def fail_dead_jobs(var_dir: Path, stale_seconds: int) -> list[int]:
    """Fail every pending or running job whose heartbeat is older than ``stale_seconds`` (one
    statement: two workers sweeping at once fail each job once), delete their uploads and any
    stray upload of no running job. Returns the ids failed."""
    now = utcnow()
    cutoff = now - timedelta(seconds=stale_seconds)
    stale = ImportJob.heartbeat_at < cutoff
    never_beat = ImportJob.heartbeat_at.is_null() & (ImportJob.created_at < cutoff)
    rows = await ImportJob.update({
        ImportJob.status: "failed", ImportJob.finished_at: now,
        ImportJob.message: DEAD_MESSAGE.format(seconds=stale_seconds),
    }).where(ImportJob.status.is_in(["pending", "running"]), stale | never_beat).returning(ImportJob.id)
    failed = [row["id"] for row in rows]
    for job_id in failed:
        log.warning("导入任务 %s 的进程已停止：已标记为失败", job_id)
    folder = uploads_folder(var_dir)
    if folder.is_dir():
        active = {row["id"] for row in await ImportJob.select(ImportJob.id).where(
            ImportJob.status.is_in(["pending", "running"]))}
        await asyncio.to_thread(_remove_uploads, folder, set(failed), active, stale_seconds)
    return failed


_JOB_FILE = re.compile(r"job-(\d+)\.bin")


def _remove_uploads(folder: Path, failed: set[int], active: set[int], stale_seconds: int) -> None:
    """Delete the uploads of the jobs just failed, and any other file no running job owns once
    it is older than ``stale_seconds`` (a fresh one may belong to a job created after
    ``active`` was read, or to an upload still being received)."""
    cutoff = time.time() - stale_seconds
    for path in folder.iterdir():
        match = _JOB_FILE.fullmatch(path.name)
        job_id = int(match.group(1)) if match else None
        try:
            if job_id in failed or (job_id not in active and path.stat().st_mtime < cutoff):
                path.unlink()
        except FileNotFoundError:
            pass


# ---------------------------------------------------------------------------------------------
# Sealed uploads

_MAGIC = b"CBSEAL1\n"
_CHUNK = 64 * 1024
_TAG = 16


def _aad(index: int, last: bool) -> bytes:
    # The chunk's place and whether it ends the file are authenticated: chunks cannot be
    # reordered, dropped or the file cut short without failing to decrypt.
    return struct.pack(">Q?", index, last)


def _nonce(index: int) -> bytes:
    return index.to_bytes(12, "big")  # unique per chunk; every file has its own key


class SealedUpload:
    """An upload at rest, encrypted under a random key that lives only in this object.

    It stands in for the file's ``Path`` wherever the import reader opens it: ``open("rb")``
    gives a seekable binary stream (what zipfile and openpyxl need), ``open()`` with an
    encoding a text stream; both decrypt one 64 KiB chunk at a time, so memory stays flat."""

    def __init__(self, path: Path, key: bytes) -> None:
        self.path = path
        self._key = key

    @classmethod
    def write(cls, source: BinaryIO, path: Path) -> SealedUpload:
        """Seal ``source`` (read to its end) into ``path``, created readable by its owner only."""
        key = AESGCM.generate_key(256)
        aead = AESGCM(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(_MAGIC)
            index, chunk = 0, source.read(_CHUNK)
            while True:
                following = source.read(_CHUNK) if len(chunk) == _CHUNK else b""
                last = not following
                out.write(aead.encrypt(_nonce(index), chunk, _aad(index, last)))
                if last:
                    break
                index, chunk = index + 1, following
        return cls(path, key)

    def rename(self, target: Path) -> SealedUpload:
        os.replace(self.path, target)
        self.path = target
        return self

    def open(self, mode: str = "r", encoding: str | None = None, newline: str | None = None):
        raw = io.BufferedReader(_SealedReader(self.path, AESGCM(self._key)), _CHUNK)
        if "b" in mode:
            return raw
        return io.TextIOWrapper(raw, encoding=encoding or "utf-8", newline=newline)

    def delete(self) -> None:
        self.path.unlink(missing_ok=True)

    def __fspath__(self) -> str:  # never read as a plain file: the reader only opens it
        raise TypeError("a sealed upload is read through open(), not as a path")


class _SealedReader(io.RawIOBase):
    """Random access to a sealed file's plaintext, one decrypted chunk kept."""

    def __init__(self, path: Path, aead: AESGCM) -> None:
        self._fh = path.open("rb")
        self._aead = aead
        body = os.fstat(self._fh.fileno()).st_size - len(_MAGIC)
        if self._fh.read(len(_MAGIC)) != _MAGIC or body < _TAG:
            self._fh.close()
            raise OSError("上传的文件已损坏")
        self._chunks = -(-body // (_CHUNK + _TAG))
        self._size = body - _TAG * self._chunks
        self._pos = 0
        self._cached: tuple[int, bytes] = (-1, b"")

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._size}[whence]
        self._pos = max(base + offset, 0)
        return self._pos

    def _chunk(self, index: int) -> bytes:
        if self._cached[0] != index:
            self._fh.seek(len(_MAGIC) + index * (_CHUNK + _TAG))
            sealed = self._fh.read(_CHUNK + _TAG)
            self._cached = (index, self._aead.decrypt(_nonce(index), sealed, _aad(index, index == self._chunks - 1)))
        return self._cached[1]

    def readinto(self, buffer) -> int:
        if self._pos >= self._size:
            return 0
        index, start = divmod(self._pos, _CHUNK)
        data = self._chunk(index)[start:start + len(buffer)]
        buffer[:len(data)] = data
        self._pos += len(data)
        return len(data)

    def close(self) -> None:
        self._fh.close()
        super().close()


def new_upload_path(var_dir: Path) -> Path:
    """Where an upload is sealed while it is checked, before its job exists."""
    return uploads_folder(var_dir) / f"upload-{uuid.uuid4().hex}.bin"


__all__ = ["DEAD_MESSAGE", "SealedUpload", "fail_dead_jobs", "heartbeat", "job_upload_path", "new_upload_path",
           "uploads_folder"]
