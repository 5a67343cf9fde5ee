"""The error responses each API operation documents, from one table.

Litestar documents an operation's success response and a generic 400. What else it answers
follows from what the operation is, so the rules are written once here and applied to every
route of the app (``document_errors``); a new endpoint is documented without anyone
remembering to. ``tests/security/test_openapi_contract.py`` and the schemathesis run check
that no operation answers a status its document does not name.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
from litestar import Litestar
from litestar.enums import RequestEncodingType
from litestar.handlers import HTTPRouteHandler
from litestar.openapi import ResponseSpec


class ErrorBody(msgspec.Struct, kw_only=True):
    """Litestar's standard error body; ``detail`` is a Chinese sentence for a person."""

    status_code: int
    detail: str
    extra: Any = None


MEANING = {
    400: "请求数据不符合要求（说明哪一项）：类型、范围、长度、格式，或含有空字符",
    401: "未登录，或登录已失效",
    403: "已登录，但没有这项操作的权限",
    404: "不存在，或不属于您（不透露他人的数据）",
    409: "与当前状态冲突（已处理、重复、环节已变），或相同 Idempotency-Key 的请求仍在处理中",
    413: "文件过大",
    415: "文件类型不被接受",
    422: "该 Idempotency-Key 已用于另一个请求",
    423: "密码错误次数过多，账户暂时锁定",
    429: "尝试过于频繁，请稍后再试",
    503: "学分银行暂停服务或暂时不可用，请稍后再试",
}

T, P = r"/t/\{tenant_slug\}/api/v1", r"/api/v1/platform"  # a tenant's API · the platform's

# Statuses particular to some operations, beyond what the rules below derive:
# (method pattern, path pattern, statuses), the path as the OpenAPI document writes it.
PARTICULAR: list[tuple[str, str, set[int]]] = [
    # a wrong password · five of them lock the account · too many tries from one address
    ("POST", rf"{T}/auth/login", {401, 423, 429}),
    ("POST", rf"{P}/auth/login", {401, 429}),
    ("POST", rf"{T}/auth/(codes|activate|password/reset|activation/lookup|verify|register)", {429}),
    ("DELETE", rf"{T}/me/achievements/\{{[^}}]+\}}", {409}),  # under review
    ("PATCH", rf"{T}/rules/\{{[^}}]+\}}", {409}),  # retired
    ("PATCH", rf"{P}/tenants/\{{[^}}]+\}}", {409}),  # a host another tenant has
]

_AUTHENTICATED = {"principal", "learner", "actor", "admin_id"}
_ROLE_BOUND = {"learner", "actor", "admin_id"}  # a principal of the wrong kind is refused with 403


def _is_multipart(handler: HTTPRouteHandler) -> bool:
    data = handler.parsed_fn_signature.parameters.get("data")
    definition = getattr(data, "kwarg_definition", None) if data else None
    return getattr(definition, "media_type", None) == RequestEncodingType.MULTI_PART


def statuses_of(method: str, path: str, handler: HTTPRouteHandler) -> set[int]:
    """The error statuses an operation may answer, by what it takes and who may call it."""
    if not path.startswith(("/t/", "/api/")):
        return set()  # the health checks
    found = {400}  # every operation reads input; a NUL byte anywhere is refused (core.middleware)
    if path.startswith("/t/{tenant_slug}"):
        found |= {404, 503}  # no such tenant · tenant suspended or broken
    dependencies = set(handler.resolve_dependencies())
    if dependencies & _AUTHENTICATED:
        found.add(401)
    if dependencies & _ROLE_BOUND:
        found.add(403)
    if re.search(r"\{(?!tenant_slug)[^}]+\}", path):
        found.add(404)  # the id or code names nothing that is the caller's to see
    if method == "POST" and "/api/v1/" in path:
        found |= {409, 422}  # Idempotency-Key: the same key still running · reused for another request
    if _is_multipart(handler):
        found |= {413, 415, 429}  # size cap, content type checked by content, upload rate
    for methods, pattern, extra in PARTICULAR:
        if re.fullmatch(methods, method) and re.fullmatch(pattern, path):
            found |= extra
    return found


def document_errors(app: Litestar) -> None:
    """Add to every API operation of ``app`` the error responses ``statuses_of`` gives it (an
    operation's own ``responses`` win). Call before the OpenAPI document is first built."""
    for route in app.routes:
        for handler in getattr(route, "route_handlers", ()):
            if not isinstance(handler, HTTPRouteHandler) or not handler.resolve_include_in_schema():
                continue
            path = re.sub(r"\{(\w+):\w+\}", r"{\1}", route.path)
            codes: set[int] = set()
            for method in handler.http_methods:
                codes |= statuses_of(method, path, handler)
            responses = dict(handler.responses or {})
            for code in sorted(codes):
                responses.setdefault(code, ResponseSpec(ErrorBody, description=MEANING[code], generate_examples=False))
            handler.responses = responses
