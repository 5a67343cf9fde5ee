"""Files at the HTTP boundary: taking one out of a multipart form, and answering with a stored
one."""

from __future__ import annotations

from datetime import timedelta

from litestar import Response
from litestar.datastructures import UploadFile
from litestar.exceptions import ValidationException
from litestar.response import Redirect, Stream

from core.storage.backends import Storage
from core.storage.files import disposition


def single_file(form: dict) -> tuple[UploadFile, str]:
    """The ``file`` part of a multipart form, and its optional ``item`` text part."""
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise ValidationException("请以 multipart/form-data 的 file 字段上传文件")
    item = form.get("item")
    return upload, item if isinstance(item, str) else ""


async def file_response(storage: Storage, row: dict) -> Response:
    """A short-lived signed link where the store has one (S3), else the bytes streamed."""
    url = await storage.presigned_url(row["storage_key"], timedelta(minutes=5))
    if url:
        return Redirect(url)
    return Stream(storage.read(row["storage_key"]), media_type=row["content_type"],
                  headers={"Content-Disposition": disposition(row["content_type"], row["filename"]),
                           "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"})
