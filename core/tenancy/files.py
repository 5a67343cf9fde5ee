"""Reading the ``tenants/`` folder: one TOML file per hosted credit bank."""

from __future__ import annotations

import csv
import tomllib
from pathlib import Path

import msgspec

from core.tenancy.schemas import TenantFile


class TenantFileError(ValueError):
    def __init__(self, path: Path, message: str) -> None:
        self.path = path
        super().__init__(f"租户文件 {path}：{message}")


def read_tenant_file(path: Path) -> TenantFile:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise TenantFileError(path, f"无法读取：{exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise TenantFileError(path, f"TOML 格式错误：{exc}") from exc
    try:
        tenant = msgspec.convert(raw, TenantFile)
    except msgspec.ValidationError as exc:
        raise TenantFileError(path, f"内容不符合要求：{exc}") from exc
    if tenant.slug != path.stem:
        raise TenantFileError(path, f"slug {tenant.slug!r} 与文件名 {path.stem!r} 不一致")
    return tenant


def tenant_file_paths(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.toml")) if folder.is_dir() else []


def read_seed_rows(folder: Path, relative: str | None) -> list[dict[str, str]]:
    """The rows of a seed CSV named in a tenant file, or [] if it names none."""
    if not relative:
        return []
    path = folder / relative
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(fh)]
    except OSError as exc:
        raise TenantFileError(path, f"无法读取种子文件：{exc}") from exc
