"""Errors services raise, and how they reach HTTP clients.

Services raise ``DomainError`` subclasses carrying a Chinese message and the status they mean;
the handlers here turn them, and Litestar's own validation errors, into Litestar's standard
error body ``{status_code, detail, extra}``.
"""

from __future__ import annotations

import logging
import typing

import msgspec

from litestar import MediaType, Request, Response
from litestar.response import Template
from litestar.exceptions import ClientException, HTTPException, NotFoundException, SerializationException, ValidationException
from litestar.exceptions.responses import create_exception_response

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


def validation_error_handler(request: Request, exc: ValidationException) -> Response:
    """A body or parameter the API cannot read: every field at fault named, in Chinese, at once
    (msgspec stops at the first problem, so a JSON body is checked again field by field)."""
    problems = _body_problems(request)
    if problems:
        return _body(400, "请求数据不符合要求：" + _describe(problems),
                     [{"key": key, "message": message, "source": "body"} for key, message in problems.items()])
    return _body(400, "请求数据不符合要求：" + _first_problem(exc), exc.extra)


MISSING = "缺少必填字段"
UNKNOWN = "不认识的字段"
WRONG = "格式不正确"


def _describe(problems: dict[str, str]) -> str:
    by_kind: dict[str, list[str]] = {}
    for key, message in problems.items():
        by_kind.setdefault(message, []).append(key)
    return "；".join(f"{message} {'、'.join(keys)}" for message, keys in by_kind.items())


def _body_problems(request: Request) -> dict[str, str]:
    """{field: problem} of the request's JSON body against the handler's ``data`` Struct; empty
    when the handler takes no Struct or the body was not read. Unreadable JSON is one problem."""
    field = getattr(request.route_handler, "parsed_data_field", None)
    type_ = getattr(field, "annotation", None)
    body = getattr(request, "_body", None)  # cached by Litestar when it read the data
    if not (isinstance(type_, type) and issubclass(type_, msgspec.Struct) and isinstance(body, bytes)):
        return {}
    try:
        value = msgspec.json.decode(body)
    except msgspec.DecodeError:
        return {"JSON": "请求体不是有效的 JSON"}
    if not isinstance(value, dict):
        return {"JSON": "请求体应为 JSON 对象"}
    info = msgspec.inspect.type_info(type_)
    hints = typing.get_type_hints(type_, include_extras=True)
    problems: dict[str, str] = {}
    known = set()
    for f in info.fields:
        known.add(f.encode_name)
        if f.encode_name not in value:
            if f.required:
                problems[f.encode_name] = MISSING
            continue
        try:
            msgspec.convert(value[f.encode_name], hints[f.name], strict=True)
        except (msgspec.ValidationError, TypeError):
            problems[f.encode_name] = WRONG
    if info.forbid_unknown_fields:
        problems.update({key: UNKNOWN for key in value if key not in known})
    return problems


_MSGSPEC_WORDS = (("Object missing required field", MISSING), ("Object contains unknown field", UNKNOWN))


def _first_problem(exc: HTTPException) -> str:
    extra = exc.extra if isinstance(exc.extra, list) else []
    for item in extra:
        if isinstance(item, dict) and item.get("message"):
            key, message = item.get("key"), str(item["message"])
            for english, chinese in _MSGSPEC_WORDS:
                if message.startswith(english) and "`" in message:
                    return f"{chinese} {message.split('`')[1]}"
            if message.startswith("Expected") or message.startswith("Invalid"):
                message = WRONG
            return f"{key}：{message}" if key else message
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


def http_error_handler(request: Request, exc: HTTPException) -> Response:
    """Litestar's own answer, except a body that is not JSON (Litestar says so in English)."""
    if type(exc) is ClientException and isinstance(exc.__cause__, SerializationException):
        return _body(400, "请求数据不符合要求：请求体不是有效的 JSON", None)
    if isinstance(exc, NotFoundException) and _wants_a_page(request):
        # No route matched, so no portal router answered: a page in Chinese, never JSON.
        parts = request.url.path.split("/")
        home = f"/t/{parts[2]}/" if len(parts) > 2 and parts[1] == "t" and parts[2] else "/"
        return Template(template_name="tenancy/not_found.html", status_code=404, context={"home": home})
    return create_exception_response(request, exc)


def _wants_a_page(request: Request) -> bool:
    path = request.url.path
    return (request.method in ("GET", "HEAD") and "/api/" not in path and not path.startswith("/schema")
            and "text/html" in request.headers.get("accept", "text/html"))


EXCEPTION_HANDLERS = {
    500: internal_error_handler,
    HTTPException: http_error_handler,  # the portal's routers answer with pages of their own
    StorageUnavailable: storage_error_handler,
    DomainError: domain_error_handler,
    ValidationException: validation_error_handler,
}
