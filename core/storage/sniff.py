"""Judging a file's type by its first bytes, never by its name."""

from __future__ import annotations

_SIGNATURES = (
    (b"\xff\xd8\xff", "jpg", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "png", "image/png"),
    (b"GIF87a", "gif", "image/gif"),
    (b"GIF89a", "gif", "image/gif"),
    (b"%PDF-", "pdf", "application/pdf"),
)


def sniff_type(head: bytes) -> tuple[str, str] | None:
    """``(extension, content type)`` of a file starting with ``head``, or None if it is none
    of the accepted types (jpg, png, gif, pdf)."""
    for magic, ext, content_type in _SIGNATURES:
        if head.startswith(magic):
            return ext, content_type
    return None
