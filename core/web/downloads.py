"""Files handed to a browser, one way: a ``Content-Disposition`` with an ASCII fallback name and
the real (UTF-8) one (RFC 6266, RFC 5987), kept out of shared caches."""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

from litestar import Response
from litestar.response import Redirect, Stream

from core.storage import Storage

PRIVATE = {"Cache-Control": "private, no-store"}
# Only these may open in the browser; anything else a learner uploaded is always downloaded,
# never rendered as a page of ours.
_INLINE_TYPES = ("image/png", "image/jpeg", "image/gif", "application/pdf")


def content_disposition(filename: str, *, inline: bool = False) -> str:
    fallback = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "_")
    return f"{'inline' if inline else 'attachment'}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


def stored_file_disposition(content_type: str, filename: str) -> str:
    """Of an uploaded file: images and PDFs inline, the rest as a download."""
    return content_disposition(filename, inline=content_type.split(";", 1)[0].strip().lower() in _INLINE_TYPES)


def download(content: bytes, media_type: str, filename: str, *, inline: bool = False,
             headers: dict[str, str] | None = None) -> Response[bytes]:
    return Response(content, media_type=media_type, headers={
        **PRIVATE, "Content-Disposition": content_disposition(filename, inline=inline), **(headers or {})})


async def file_response(storage: Storage, row: dict) -> Response:
    """A stored file (``row``: its ``storage_key``, ``content_type``, ``filename``): a
    short-lived signed link where the store has one (S3), else the bytes streamed."""
    url = await storage.presigned_url(row["storage_key"], timedelta(minutes=5))
    if url:
        return Redirect(url)
    return Stream(storage.read(row["storage_key"]), media_type=row["content_type"],
                  headers={**PRIVATE, "Content-Disposition": stored_file_disposition(row["content_type"], row["filename"]),
                           "X-Content-Type-Options": "nosniff"})
