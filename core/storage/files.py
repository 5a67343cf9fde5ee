"""Checking an uploaded file before it is stored: size cap, type by content, checksum."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

import msgspec

from core.errors import DomainError
from core.storage.sniff import sniff_type

_NAMES = {"jpg": "jpg", "png": "png", "gif": "gif", "pdf": "PDF"}


class FileInfo(msgspec.Struct, frozen=True):
    ext: str
    content_type: str
    size: int
    sha256: str


def inspect_file(content: bytes, allowed: Iterable[str], max_bytes: int) -> FileInfo:
    """The checked file's facts; 413 if too large, 415 if its content is not an allowed type
    (a renamed executable is refused whatever its name says), 400 if empty."""
    allowed = tuple(allowed)
    if not content:
        raise DomainError("上传的文件为空或不完整", 400)
    if len(content) > max_bytes:
        raise DomainError(f"文件过大：不能超过 {max_bytes // (1024 * 1024)} MB", 413)
    kind = sniff_type(content[:16])
    if kind is None or kind[0] not in allowed:
        names = "、".join(_NAMES.get(a, a) for a in allowed)
        raise DomainError(f"文件类型不被接受：请上传 {names} 格式的文件", 415)
    return FileInfo(ext=kind[0], content_type=kind[1], size=len(content), sha256=hashlib.sha256(content).hexdigest())


_MAX_NAME = 120  # characters: enough for a Chinese title with its extension


def clean_filename(name: str | None, fallback: str) -> str:
    """A client's file name made safe to keep and to show: the last path segment only (no ``/``
    or ``\\``), no control or format characters, no leading dots (``.htaccess``), no quotes or
    characters that break a header; at most ``_MAX_NAME`` characters with the extension kept.
    Chinese and other letters stay. ``fallback`` when nothing is left."""
    import unicodedata

    base = unicodedata.normalize("NFC", (name or "").replace("\\", "/").rsplit("/", 1)[-1])
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C" and c not in '"<>:|?*;')
    base = " ".join(base.split()).lstrip(". ").rstrip(". ")
    if len(base) > _MAX_NAME:
        stem, dot, ext = base.rpartition(".")
        ext = ext[:10] if dot and stem else ""
        base = base[: _MAX_NAME - len(ext) - (1 if ext else 0)].rstrip(". ") + (f".{ext}" if ext else "")
    return base or fallback
