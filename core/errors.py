"""Errors services raise, and how they reach HTTP clients.

Services raise ``DomainError`` subclasses carrying a Chinese message and the status they mean;
the handlers here turn them, and Litestar's own validation errors, into Litestar's standard
error body ``{status_code, detail, extra}``.
"""

from __future__ import annotations

import logging

from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException

from core import db
from core.storage.backends import StorageUnavailable

log = logging.getLogger("creditbank.errors")


class DomainError(ValueError):
    status = 400

    def __init__(self, message: str, status: int | None = None, extra: dict | None = None) -> None:
        if status is not None:
            self.status = status
        self.extra = extra
        super().__init__(message)


def _body(status: int, detail: str, extra) -> Response:
    return Response(
        content={"status_code": status, "detail": detail, "extra": extra},
        status_code=status,
        media_type=MediaType.JSON,
    )


def domain_error_handler(_: Request, exc: DomainError) -> Response:
    return _body(exc.status, str(exc), exc.extra)


def validation_error_handler(_: Request, exc: ValidationException) -> Response:
    return _body(400, "请求数据不符合要求：" + _first_problem(exc), exc.extra)


def _first_problem(exc: HTTPException) -> str:
    extra = exc.extra if isinstance(exc.extra, list) else []
    for item in extra:
        if isinstance(item, dict) and item.get("message"):
            key = item.get("key")
            return f"{key}：{item['message']}" if key else str(item["message"])
    return str(exc.detail)


RETRY_AFTER_SECONDS = 5
DATABASE_UNAVAILABLE = "数据库暂时不可用，请稍后再试；您提交的内容没有保存"


def database_outage(request: Request, exc: Exception) -> bool:
    """Whether ``exc`` means the database is away; if so the app's watch is told (it logs one
    line for the whole outage, not a traceback per request)."""
    if not db.is_unavailable(exc):
        return False
    watch = getattr(request.app.state, "database_watch", None)
    if watch is not None:
        watch.went_away(exc)
    return True


def internal_error_handler(request: Request, exc: Exception) -> Response:
    if database_outage(request, exc):
        response = _body(503, DATABASE_UNAVAILABLE, None)
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    log.exception("处理 %s %s 时出错", request.method, request.url.path, exc_info=exc)
    return _body(500, "服务器内部错误，请稍后再试", None)


def storage_error_handler(request: Request, exc: StorageUnavailable) -> Response:
    log.error("文件存储不可用（%s %s）：%s", request.method, request.url.path, exc)
    return _body(503, "文件存储暂时不可用，请稍后再试；您提交的内容没有保存", None)


EXCEPTION_HANDLERS = {
    500: internal_error_handler,
    StorageUnavailable: storage_error_handler,
    DomainError: domain_error_handler,
    ValidationException: validation_error_handler,
}
