"""Taking a file out of a multipart form at the HTTP boundary (answering with a stored one:
``core.web.downloads.file_response``)."""

from __future__ import annotations

from litestar.datastructures import UploadFile
from litestar.exceptions import ValidationException


def single_file(form: dict) -> tuple[UploadFile, str]:
    """The ``file`` part of a multipart form, and its optional ``item`` text part."""
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        raise ValidationException("请以 multipart/form-data 的 file 字段上传文件")
    item = form.get("item")
    return upload, item if isinstance(item, str) else ""
