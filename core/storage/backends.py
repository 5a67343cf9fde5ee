"""Storage backends. Both are used through the async ``Storage`` interface; the minio client
is synchronous, so its calls run in worker threads — threads of the store's own, so that a
store that hangs can hold at most those, never the pool that password hashing and the rest of
the application share."""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import anyio
import anyio.to_thread

from core.errors import StorageUnavailable  # raised here; the error handlers answer it with 503

CHUNK = 256 * 1024
S3_THREADS = 8  # calls to the object store in flight at once, per worker
CONNECT_TIMEOUT = 3.0  # seconds; both can be set in the storage URL
READ_TIMEOUT = 10.0


class Storage(Protocol):
    async def put(self, key: str, data: bytes, content_type: str) -> None: ...
    async def read(self, key: str) -> AsyncIterator[bytes]: ...
    async def exists(self, key: str) -> bool: ...
    async def delete(self, key: str) -> None: ...
    async def keys(self, prefix: str = "") -> list[str]: ...
    async def presigned_url(self, key: str, expires: timedelta) -> str | None: ...
    async def ping(self) -> None:
        """Return when the store can be used; raise ``StorageUnavailable`` saying why."""


def _check_key(key: str) -> str:
    parts = key.split("/")
    if not key or key.startswith("/") or any(p in ("", ".", "..") for p in parts):
        raise ValueError(f"invalid storage key {key!r}")
    return key


class LocalStorage:
    """Files under a folder; writes land whole or not at all (temp file, then rename)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / _check_key(key)

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)

        def write() -> None:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
            try:
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                os.replace(tmp, path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise

        try:
            await anyio.to_thread.run_sync(write)
        except OSError as exc:
            raise StorageUnavailable(f"无法写入文件存储：{exc}") from exc

    async def read(self, key: str) -> AsyncIterator[bytes]:
        try:
            async with await anyio.open_file(self._path(key), "rb") as fh:
                while chunk := await fh.read(CHUNK):
                    yield chunk
        except FileNotFoundError:
            raise
        except OSError as exc:
            raise StorageUnavailable(f"无法读取文件存储：{exc}") from exc

    async def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    async def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    async def keys(self, prefix: str = "") -> list[str]:
        if not self.root.exists():
            return []
        found = (p.relative_to(self.root).as_posix() for p in self.root.rglob("*") if p.is_file())
        return sorted(k for k in found if k.startswith(prefix) and not Path(k).name.startswith(".upload-"))

    async def presigned_url(self, key: str, expires: timedelta) -> str | None:
        return None  # served through the application instead

    async def ping(self) -> None:
        def writable() -> bool:
            self.root.mkdir(parents=True, exist_ok=True)
            return os.access(self.root, os.W_OK)

        try:
            ok = await anyio.to_thread.run_sync(writable)
        except OSError as exc:
            raise StorageUnavailable(f"无法使用文件夹 {self.root}：{exc}") from exc
        if not ok:
            raise StorageUnavailable(f"文件夹 {self.root} 不可写")


class S3Storage:
    """Any S3-compatible store (MinIO, Ceph, AWS) through the minio client."""

    def __init__(self, endpoint: str, access_key: str, secret_key: str, bucket: str, secure: bool,
                 region: str | None = None, connect_timeout: float = CONNECT_TIMEOUT,
                 read_timeout: float = READ_TIMEOUT) -> None:
        import urllib3
        from minio import Minio

        self.bucket = bucket
        # Fail fast when the store is down or hangs: a request waits on it, and the user gets a
        # 503. A refused connection or a 5xx is tried once more; a read that timed out is not
        # (the store is hanging: trying again would only double the wait).
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=connect_timeout, read=read_timeout),
            retries=urllib3.Retry(total=1, connect=1, read=0, backoff_factor=0.1,
                                  status_forcelist=[500, 502, 503, 504]),
            maxsize=S3_THREADS,
        )
        self.client = Minio(endpoint, access_key=access_key, secret_key=secret_key, secure=secure, region=region,
                            http_client=http)
        self._bucket_checked = False
        self._threads: anyio.CapacityLimiter | None = None

    async def _call(self, func, *args, **kwargs):
        from minio.error import S3Error

        if self._threads is None:  # made in the event loop that uses it
            self._threads = anyio.CapacityLimiter(S3_THREADS)
        try:
            return await anyio.to_thread.run_sync(lambda: func(*args, **kwargs), limiter=self._threads)
        except S3Error as exc:
            if exc.code in ("NoSuchKey", "NoSuchObject"):
                raise FileNotFoundError(exc.message) from exc
            raise StorageUnavailable(f"对象存储拒绝了请求：{exc.code}") from exc
        except FileNotFoundError:
            raise
        except Exception as exc:  # urllib3's connection errors when the endpoint is down
            raise StorageUnavailable(f"无法连接对象存储：{type(exc).__name__}") from exc

    async def _ensure_bucket(self) -> None:
        if not self._bucket_checked:
            if not await self._call(self.client.bucket_exists, self.bucket):
                await self._call(self.client.make_bucket, self.bucket)
            self._bucket_checked = True

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        await self._ensure_bucket()
        await self._call(self.client.put_object, self.bucket, _check_key(key), io.BytesIO(data), len(data),
                         content_type=content_type)

    async def read(self, key: str) -> AsyncIterator[bytes]:
        await self._ensure_bucket()
        response = await self._call(self.client.get_object, self.bucket, _check_key(key))
        try:
            while chunk := await anyio.to_thread.run_sync(response.read, CHUNK, limiter=self._threads):
                yield chunk
        finally:
            response.close()
            response.release_conn()

    async def exists(self, key: str) -> bool:
        await self._ensure_bucket()
        try:
            await self._call(self.client.stat_object, self.bucket, _check_key(key))
            return True
        except FileNotFoundError:
            return False

    async def delete(self, key: str) -> None:
        await self._ensure_bucket()
        await self._call(self.client.remove_object, self.bucket, _check_key(key))

    async def keys(self, prefix: str = "") -> list[str]:
        await self._ensure_bucket()
        objects = await self._call(lambda: list(self.client.list_objects(self.bucket, prefix=prefix or None, recursive=True)))
        return sorted(o.object_name for o in objects)

    async def ping(self) -> None:
        await self._call(self.client.bucket_exists, self.bucket)

    async def presigned_url(self, key: str, expires: timedelta) -> str | None:
        await self._ensure_bucket()
        return await self._call(self.client.presigned_get_object, self.bucket, _check_key(key), expires=expires)


def storage_from_url(url: str) -> Storage:
    """``file:///path`` or ``s3://ACCESS:SECRET@host:port/bucket?secure=0&region=…``; an S3 URL
    may also set ``connect_timeout`` and ``read_timeout`` in seconds (3 and 10 by default)."""
    parts = urlsplit(url)
    if parts.scheme == "file":
        return LocalStorage(Path(unquote(parts.path)))
    if parts.scheme == "s3":
        bucket = parts.path.strip("/")
        if not (parts.hostname and bucket and parts.username):
            raise ValueError("CREDITBANK_STORAGE_URL 应为 s3://ACCESS:SECRET@host:port/bucket")
        query = parse_qs(parts.query)
        endpoint = parts.hostname + (f":{parts.port}" if parts.port else "")
        return S3Storage(
            endpoint, unquote(parts.username), unquote(parts.password or ""), bucket,
            secure=query.get("secure", ["1"])[0] not in ("0", "false"),
            region=query.get("region", [None])[0],
            connect_timeout=_seconds(query, "connect_timeout", CONNECT_TIMEOUT),
            read_timeout=_seconds(query, "read_timeout", READ_TIMEOUT),
        )
    raise ValueError(f"CREDITBANK_STORAGE_URL 不受支持：{url!r}（应为 file:///路径 或 s3://…）")


def _seconds(query: dict[str, list[str]], name: str, default: float) -> float:
    try:
        value = float(query.get(name, [default])[0])
    except ValueError:
        value = -1
    if not 0 < value <= 600:
        raise ValueError(f"CREDITBANK_STORAGE_URL 的 {name} 应为 0 到 600 之间的秒数")
    return value
