"""Errors services raise, and how they reach HTTP clients.

Services raise ``DomainError`` subclasses carrying a Chinese message and the status they mean;
the handlers here turn them, and Litestar's own validation errors, into Litestar's standard
error body ``{status_code, detail, extra}``.
"""

from __future__ import annotations

import logging
import re
import typing

import msgspec
from litestar import MediaType, Request, Response
from litestar.exceptions import (
    ClientException,
    HTTPException,
    NotFoundException,
    SerializationException,
    ValidationException,
)
from litestar.response import Template

from core import db

log = logging.getLogger("creditbank.errors")


class StorageUnavailable(Exception):
    """The file store cannot be reached or refused the operation (a 503 to clients). Raised by
    ``core.storage``'s backends; defined here so that the error handlers need not import them."""


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
    """A body or parameter the API cannot read, in Chinese: every field of a JSON body at fault
    named at once (msgspec stops at the first problem, so the body is checked again field by
    field), else the problems Litestar found, translated."""
    if body_problems := _body_problems(request):
        return _body(400, "请求数据不符合要求：" + _describe(body_problems),
                     [{"key": key, "message": message, "source": "body"} for key, message in body_problems.items()])
    detail, problems = _validation_detail(exc)
    return _body(400, detail, problems or (None if isinstance(exc.extra, list) else exc.extra))


def _validation_detail(exc: ValidationException) -> tuple[str, list[dict]]:
    problems = [_in_chinese(item) for item in exc.extra if isinstance(item, dict)] if isinstance(exc.extra, list) else []
    if problems:
        first = problems[0]
        detail = f"{first['key']}：{first['message']}" if first.get("key") else first["message"]
    elif _CHINESE.search(str(exc.detail)):
        return str(exc.detail), problems  # our own message (core.middleware, core.storage.uploads)
    else:
        detail = _message_in_chinese(str(exc.detail))
    return "请求数据不符合要求：" + detail, problems


def public_detail(exc: HTTPException) -> str:
    """The Chinese sentence a person is shown for ``exc`` (the API's ``detail``, a page's message)."""
    if isinstance(exc, ValidationException):
        return _validation_detail(exc)[0]
    detail = str(exc.detail)
    if _CHINESE.search(detail):
        return detail
    return _message_in_chinese(detail, fallback=_STATUS_TEXT.get(exc.status_code, "请求无法处理"))


# What msgspec and Litestar say of bad input, in Chinese (one table, so no English reaches a
# user). Each pattern is matched against the whole message; ``{n}`` etc. are its groups.
_MESSAGES: list[tuple[re.Pattern, str]] = [(re.compile(pattern, re.S), text) for pattern, text in (
    (r"Expected `(?:int|float|number)` >= (?P<n>\S+)", "应不小于 {n}"),
    (r"Expected `(?:int|float|number)` > (?P<n>\S+)", "应大于 {n}"),
    (r"Expected `(?:int|float|number)` <= (?P<n>\S+)", "应不大于 {n}"),
    (r"Expected `(?:int|float|number)` < (?P<n>\S+)", "应小于 {n}"),
    (r"Expected `str` of length >= (?P<n>\d+)", "至少 {n} 个字符"),
    (r"Expected `str` of length <= (?P<n>\d+)", "最多 {n} 个字符"),
    (r"Expected `(?:array|object)` of length >= (?P<n>\d+)", "至少 {n} 项"),
    (r"Expected `(?:array|object)` of length <= (?P<n>\d+)", "最多 {n} 项"),
    (r"Expected `str` matching regex .*", "格式不正确"),
    (r"Expected `(?P<want>[^`]+)`, got `(?P<got>[^`]+)`", "类型应为{want}"),
    (r"Object missing required field `(?P<field>[^`]+)`", "缺少必填字段 {field}"),
    (r"Object contains unknown field `(?P<field>[^`]+)`", "不认识的字段 {field}"),
    (r"Invalid enum value .*", "不是可选的值"),
    (r"Invalid RFC3339 encoded (?:date|datetime|time).*", "日期或时间格式不正确"),
    (r"Integer value out of range.*", "数值超出范围"),
    (r"Missing required (?P<where>path|query|header|cookie) parameter '(?P<field>[^']+)'.*", "缺少必填参数 {field}"),
    (r"JSON is malformed.*|Input data was truncated.*|Malformed .*|Invalid JSON.*", "JSON 格式不正确"),
    (r"Invalid multipart.*|.*multipart.*", "上传格式不正确（应为 multipart/form-data）"),
)]
_TYPES = {"int": "整数", "float": "数字", "number": "数字", "str": "字符串", "bool": "布尔值（true/false）",
          "object": "对象", "array": "数组", "null": "空值", "date": "日期", "datetime": "日期时间"}
_CHINESE = re.compile(r"[\u4e00-\u9fff]")
_AT = re.compile(r"^(?P<message>.*?) - at `\$(?P<path>[^`]*)`$", re.S)


def _type_name(spec: str) -> str:
    return "或".join(_TYPES.get(part.strip(), part.strip()) for part in spec.split("|"))


def _message_in_chinese(message: str, fallback: str = "格式不正确") -> str:
    for pattern, text in _MESSAGES:
        if found := pattern.fullmatch(message.strip()):
            groups = {k: v for k, v in found.groupdict().items() if v is not None}
            if "want" in groups:
                groups["want"] = _type_name(groups["want"])
            return text.format(**groups)
    return fallback  # never the English text of a message the table does not know


def _in_chinese(item: dict) -> dict:
    """One problem of Litestar's ``extra`` list in Chinese; a nested field's path (msgspec's
    ``- at `$.a[0]```) becomes the key, and a missing field is named itself, not ``data``."""
    message, key = str(item.get("message", "")), item.get("key")
    if at := _AT.match(message):
        message, path = at["message"], at["path"].lstrip(".")
        key = f"{key}.{path}" if key and key != "data" else path
    if missing := re.fullmatch(r"Object missing required field `([^`]+)`", message):
        if key in (None, "data"):
            key = missing[1]
        elif not key.endswith(missing[1]):
            key = f"{key}.{missing[1]}"
        return {"key": key, "message": "必填", "source": item.get("source")}
    return {"key": key, "message": _message_in_chinese(message), "source": item.get("source")}


# Litestar's own HTTP errors (no route, method not allowed, …) carry the English phrase of the status.
_STATUS_TEXT = {
    400: "请求不正确", 401: "请先登录", 403: "没有权限", 404: "页面或资源不存在", 405: "不支持该请求方法",
    406: "无法按要求的格式答复", 409: "与当前状态冲突", 413: "请求内容过大", 415: "不支持的内容类型",
    422: "请求无法处理", 429: "尝试次数过多，请稍后再试", 503: "服务暂时不可用，请稍后再试",
}


def http_error_handler(request: Request, exc: HTTPException) -> Response:
    """Litestar's own errors in Chinese; an unknown page address gets a page, never JSON (no
    route matched, so no portal router answered)."""
    if exc.status_code == 500:
        return internal_error_handler(request, exc)
    if type(exc) is ClientException and isinstance(exc.__cause__, SerializationException):
        return _body(400, "请求数据不符合要求：请求体不是有效的 JSON", None)
    if isinstance(exc, NotFoundException) and _wants_a_page(request):
        parts = request.url.path.split("/")
        home = f"/t/{parts[2]}/" if len(parts) > 2 and parts[1] == "t" and parts[2] else "/"
        return Template(template_name="tenancy/not_found.html", status_code=404, context={"home": home})
    response = _body(exc.status_code, public_detail(exc), exc.extra)
    for name, value in (exc.headers or {}).items():
        response.headers[name] = value
    return response


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
