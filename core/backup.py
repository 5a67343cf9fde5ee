"""``creditbank backup`` and ``creditbank restore``: everything the platform needs, in one file.

A backup is one ``tar.gz`` holding ``manifest.json`` (first), the database (``database.sqlite3``
made with SQLite's online backup API, or ``database.pgdump`` from ``pg_dump -Fc``), every
stored file (``files/<key>``, from the local folder or the S3 bucket alike) and the secret key
(``secret_key``). The manifest gives the SHA-256 and size of every member, the versions and
when it was made. The archive holds the secret key: keep it as safe as the key itself.

A restore checks the whole archive against its manifest before it changes anything, refuses a
target that already holds data unless told ``force``, then puts back the database, the files
and the key (``var/secret_key``). Stop the platform while restoring.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from core.errors import DomainError
from core.security.keycheck import fingerprint
from core.settings import Settings
from core.storage import sniff_type, storage_from_url

FORMAT = "creditbank-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
KEY_MEMBER = "secret_key"
FILES = "files/"
_COPY = 1024 * 1024


class BackupError(DomainError):
    """A backup cannot be made or restored; the message says why, in Chinese."""


@dataclass(frozen=True)
class BackupSummary:
    path: Path
    database: str
    files: int
    size: int


@dataclass(frozen=True)
class RestoreSummary:
    created_at: str
    database: str
    files: int
    key_path: Path
    key_differs_from_env: bool


# ---------------------------------------------------------------------------------------------
# Backing up


async def backup(settings: Settings, target: Path) -> BackupSummary:
    """Write a backup of ``settings``' database, stored files and secret key to ``target``
    (replaced only once the archive is complete; readable by its owner only)."""
    target = target.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".creditbank-backup-", dir=target.parent) as tmp:
        staged = Path(tmp) / "staged"
        staged.mkdir()
        # The database first: every file its rows name was stored before the row committed.
        if settings.database_kind == "sqlite":
            database = "database.sqlite3"
            await asyncio.to_thread(_sqlite_backup, _sqlite_path(settings), staged / database)
        else:
            database = "database.pgdump"
            await _run_tool("pg_dump", ["-Fc", "--no-owner", "--no-privileges", "-f", str(staged / database)],
                            settings.database_url)
        store = storage_from_url(settings.storage_url)
        keys = await store.keys()
        for key in keys:
            path = staged / "files" / key
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("wb") as out:
                async for chunk in store.read(key):
                    out.write(chunk)
        (staged / KEY_MEMBER).write_text(settings.secret_key)

        names = [database, *(FILES + key for key in keys), KEY_MEMBER]
        members = {name: await asyncio.to_thread(_digest, staged / name) for name in names}
        manifest = {
            "format": FORMAT, "format_version": FORMAT_VERSION,
            "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "platform_version": _platform_version(),
            "database": {"kind": settings.database_kind, "member": database,
                         "sqlite_version": sqlite3.sqlite_version, **(await _server_version(settings))},
            "storage": {"kind": "s3" if settings.storage_url.startswith("s3://") else "local", "files": len(keys)},
            "key_fingerprint": fingerprint(settings.secret_key),
            "members": members,
        }
        (staged / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
        archive = Path(tmp) / "backup.tar.gz"
        await asyncio.to_thread(_write_archive, archive, staged, [MANIFEST, *names])
        os.chmod(archive, 0o600)
        os.replace(archive, target)
    return BackupSummary(path=target, database=database, files=len(keys), size=target.stat().st_size)


def _sqlite_path(settings: Settings) -> Path:
    return Path(urlsplit(settings.database_url).path)


def _sqlite_backup(source: Path, target: Path) -> None:
    """SQLite's online backup: a consistent copy while the platform keeps writing."""
    if not source.exists():
        raise BackupError(f"数据库文件 {source} 不存在")
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    dst.close()
    src.close()


def _digest(path: Path) -> dict:
    sha = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(_COPY), b""):
            sha.update(chunk)
    return {"sha256": sha.hexdigest(), "size": path.stat().st_size}


def _write_archive(archive: Path, staged: Path, names: list[str]) -> None:
    with tarfile.open(archive, "w:gz", compresslevel=6) as tar:
        for name in names:
            info = tar.gettarinfo(str(staged / name), arcname=name)
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            info.mode = 0o600
            with (staged / name).open("rb") as fh:
                tar.addfile(info, fh)


def _platform_version() -> str:
    try:
        return metadata.version("creditbank")
    except metadata.PackageNotFoundError:
        return "unknown"


async def _server_version(settings: Settings) -> dict:
    if settings.database_kind != "postgres":
        return {}
    import asyncpg

    connection = await asyncpg.connect(settings.database_url, timeout=10)
    try:
        return {"server_version": await connection.fetchval("SHOW server_version")}
    finally:
        await connection.close()


def _tool_args(url: str) -> tuple[str, dict[str, str]]:
    """The URL without its password, and the environment carrying it (never in the process
    list): ``PGPASSWORD``."""
    parts = urlsplit(url)
    env = dict(os.environ)
    if parts.password:
        env["PGPASSWORD"] = parts.password
        netloc = parts.netloc.rsplit("@", 1)
        user = parts.username or ""
        parts = parts._replace(netloc=f"{user}@{netloc[1]}")
    return urlunsplit(parts._replace(scheme="postgresql")), env


async def _run_tool(tool: str, args: list[str], url: str) -> None:
    path = shutil.which(tool)
    if path is None:
        raise BackupError(f"未找到 {tool}：PostgreSQL 数据库的备份和恢复需要 PostgreSQL 客户端工具"
                          f"（Debian/Ubuntu：apt-get install postgresql-client）")
    dsn, env = _tool_args(url)
    process = await asyncio.create_subprocess_exec(path, *args, f"--dbname={dsn}", env=env,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    _, err = await process.communicate()
    if process.returncode != 0:
        raise BackupError(f"{tool} 失败（退出码 {process.returncode}）：{err.decode(errors='replace').strip()[-800:]}")


# ---------------------------------------------------------------------------------------------
# Restoring


async def restore(settings: Settings, archive: Path, *, force: bool = False) -> RestoreSummary:
    """Put back the backup ``archive`` into ``settings``' database, storage and ``var/``.

    Nothing is changed unless every member matches the manifest's checksums and, without
    ``force``, the target database and storage are empty. With ``force`` the target's database
    and stored files are replaced by the backup's."""
    if not archive.is_file():
        raise BackupError(f"备份文件 {archive} 不存在")
    with tempfile.TemporaryDirectory(prefix=".creditbank-restore-", dir=settings.home if settings.home.is_dir() else None) as tmp:
        staged = Path(tmp)
        manifest = await asyncio.to_thread(_verified_extract, archive, staged)
        database = manifest["database"]
        if database["kind"] != settings.database_kind:
            raise BackupError(f"备份中的数据库是 {database['kind']}，而目标数据库是 {settings.database_kind}："
                              "请按备份的数据库类型设置 CREDITBANK_DATABASE_URL")
        store = storage_from_url(settings.storage_url)
        existing = await store.keys()
        if not force:
            reasons = [*(["数据库中已有数据"] if await _database_has_data(settings) else []),
                       *([f"文件存储中已有 {len(existing)} 个文件"] if existing else [])]
            if reasons:
                raise BackupError(f"恢复目标不是空的（{'，'.join(reasons)}），未做任何改动。"
                                  "确认要用备份覆盖现有数据时，请加 --force")
        if settings.database_kind == "sqlite":
            await asyncio.to_thread(_replace_sqlite, staged / database["member"], _sqlite_path(settings))
        else:
            await _replace_postgres(settings, staged / database["member"])
        keys = sorted(name[len(FILES):] for name in manifest["members"] if name.startswith(FILES))
        for key in existing:
            await store.delete(key)
        for key in keys:
            data = (staged / "files" / key).read_bytes()
            kind = sniff_type(data[:16])
            await store.put(key, data, kind[1] if kind else "application/octet-stream")
        key_path = settings.var_dir / "secret_key"
        secret = (staged / KEY_MEMBER).read_text()
        settings.var_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secret + "\n")
        env_key = os.environ.get("CREDITBANK_SECRET_KEY")
    return RestoreSummary(created_at=manifest["created_at"], database=settings.database_kind, files=len(keys),
                          key_path=key_path, key_differs_from_env=bool(env_key) and env_key != secret)


def _safe_member_name(name: str) -> bool:
    parts = name.split("/")
    return bool(name) and not name.startswith("/") and all(p not in ("", ".", "..") for p in parts)


def _verified_extract(archive: Path, staged: Path) -> dict:
    """Extract ``archive`` into ``staged``, each member checked against the manifest; raise
    ``BackupError`` (nothing restored yet) on any difference."""
    broken = f"备份文件 {archive.name} 已损坏或不是 creditbank 备份，未做任何改动："
    try:
        with tarfile.open(archive, "r:gz") as tar:
            first = tar.next()
            if first is None or first.name != MANIFEST or not first.isfile():
                raise BackupError(f"{broken}缺少清单 {MANIFEST}")
            try:
                manifest = json.loads(tar.extractfile(first).read().decode("utf-8"))
            except (ValueError, UnicodeDecodeError):
                raise BackupError(f"{broken}清单无法读取") from None
            if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
                raise BackupError(f"{broken}清单格式不符")
            if manifest.get("format_version", 0) > FORMAT_VERSION:
                raise BackupError(f"备份格式版本 {manifest.get('format_version')} 比本平台支持的（{FORMAT_VERSION}）新，"
                                  "请用更新版本的平台恢复")
            expected: dict = manifest.get("members") or {}
            seen: set[str] = set()
            for member in tar:
                name = member.name
                if member is first:
                    continue
                if name not in expected or not member.isfile() or not _safe_member_name(name) or name in seen:
                    raise BackupError(f"{broken}含有清单之外的成员 {name[:100]}")
                seen.add(name)
                path = staged / name
                path.parent.mkdir(parents=True, exist_ok=True)
                sha = hashlib.sha256()
                source = tar.extractfile(member)
                with path.open("wb") as out:
                    for chunk in iter(lambda source=source: source.read(_COPY), b""):
                        sha.update(chunk)
                        out.write(chunk)
                if sha.hexdigest() != expected[name].get("sha256") or path.stat().st_size != expected[name].get("size"):
                    raise BackupError(f"{broken}{name[:100]} 的校验和与清单不符")
    except (tarfile.TarError, EOFError, OSError, KeyError, AttributeError, TypeError) as exc:
        raise BackupError(f"{broken}{type(exc).__name__}: {exc}") from None
    missing = sorted(set(expected) - seen)
    if missing:
        raise BackupError(f"{broken}缺少成员 {missing[0][:100]}" + (f" 等 {len(missing)} 个" if len(missing) > 1 else ""))
    if KEY_MEMBER not in seen or manifest.get("database", {}).get("member") not in seen:
        raise BackupError(f"{broken}缺少数据库或密钥")
    if fingerprint((staged / KEY_MEMBER).read_text()) != manifest.get("key_fingerprint"):
        raise BackupError(f"{broken}密钥与清单中的指纹不符")
    return manifest


async def _database_has_data(settings: Settings) -> bool:
    if settings.database_kind == "sqlite":
        path = _sqlite_path(settings)
        if not path.exists():
            return False
        with sqlite3.connect(path) as connection:
            tables = connection.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
        connection.close()
        return tables > 0
    import asyncpg

    connection = await asyncpg.connect(settings.database_url, timeout=10)
    try:
        return bool(await connection.fetchval("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"))
    finally:
        await connection.close()


def _replace_sqlite(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    incoming = target.with_name(target.name + ".restoring")
    shutil.copyfile(source, incoming)
    for suffix in ("-wal", "-shm", "-journal"):  # of the database being replaced
        target.with_name(target.name + suffix).unlink(missing_ok=True)
    os.replace(incoming, target)


async def _replace_postgres(settings: Settings, dump: Path) -> None:
    import asyncpg

    connection = await asyncpg.connect(settings.database_url, timeout=10)
    try:
        await connection.execute("DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public")
    finally:
        await connection.close()
    await _run_tool("pg_restore", ["--no-owner", "--no-privileges", "--exit-on-error", str(dump)], settings.database_url)
