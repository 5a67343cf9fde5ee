"""The client address of the request being served, for audit events whose writer does not know
it (services know nothing of HTTP): ``AuditClientMiddleware`` sets it for each request, and
``core.audit.chain.append`` uses it when an event names no address of its own."""

from __future__ import annotations

import contextvars
from collections.abc import Callable

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

CLIENT: contextvars.ContextVar[str] = contextvars.ContextVar("audit_client", default="")


class AuditClientMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    def __init__(self, client_of: Callable[[Scope], str]) -> None:
        self.client_of = client_of  # the address as rate limits see it (trusted proxies applied)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        token = CLIENT.set(self.client_of(scope)[:64])
        try:
            await next_app(scope, receive, send)
        finally:
            CLIENT.reset(token)
