"""CSRF tokens of the portal, bound to the session.

A form's token is an HMAC of the session it was rendered for: the tenant's session cookie
(``cb_session_<slug>``), the platform's (``cb_platform``) — or, before any login, a random
``cb_csrf`` cookie of the browser. A plain double-submit cookie is not enough for a bank: a page
on a sibling host can set (toss) a cookie of its choosing and post the matching token. Here the
token cannot be made without the session cookie's value, which no other site can read or set to
the victim's, and a token stops working when the session changes (log out, log in as another).

The JSON API is not covered: it takes bearer tokens only and never a cookie (``core.accounts.api``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from typing import Any

from litestar import Request
from litestar.datastructures import Cookie, MutableScopeHeaders
from litestar.enums import RequestEncodingType, ScopeType
from litestar.exceptions import PermissionDeniedException
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from litestar.utils.scope.state import ScopeState

SESSION_PREFIX = "cb_session_"
PLATFORM_SESSION_COOKIE = "cb_platform"
ANONYMOUS_COOKIE = "cb_csrf"
FIELD = "_csrf_token"
HEADER = "x-csrftoken"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
_EXCLUDED = ("/schema", "/healthz", "/readyz", "/static/")


def session_cookie(slug: str) -> str:
    """The tenant's session cookie: one per tenant, so logging in (or out) of one tenant in a
    browser leaves the sessions of the others alone."""
    return SESSION_PREFIX + slug


def _binding_cookie(path: str) -> str | None:
    """Which session cookie a page at ``path`` belongs to."""
    parts = path.split("/")
    if len(parts) > 2 and parts[1] == "t" and parts[2]:
        return session_cookie(parts[2])
    if path == "/platform" or path.startswith("/platform/"):
        return PLATFORM_SESSION_COOKIE
    return None


def _excluded(path: str) -> bool:
    return "/api/" in path or path.startswith(_EXCLUDED)


def csrf_token(secret: str, name: str, value: str) -> str:
    key = hmac.new(secret.encode(), b"creditbank csrf v1", hashlib.sha256).digest()
    mac = hmac.new(key, f"{name}\x00{value}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


class SessionCSRFMiddleware(ASGIMiddleware):
    """Puts the request's token where ``csrf_token()`` in templates finds it, and refuses an
    unsafe request (POST, …) whose ``_csrf_token`` field or ``X-CSRFToken`` header is not the
    token of the session it carries (403; the pages show it as a Chinese page)."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        path = scope["path"]
        if _excluded(path):
            await next_app(scope, receive, send)
            return
        request: Request[Any, Any, Any] = scope["litestar_app"].request_class(scope=scope, receive=receive)
        settings = scope["litestar_app"].state.settings
        session_name = _binding_cookie(path)
        session = request.cookies.get(session_name) if session_name else None
        anonymous = request.cookies.get(ANONYMOUS_COOKIE)
        fresh = None
        if session:
            name, value = session_name, session
        else:
            if not anonymous:
                anonymous = fresh = secrets.token_urlsafe(32)
            name, value = ANONYMOUS_COOKIE, anonymous
        expected = csrf_token(settings.secret_key, name, value)
        if request.method not in SAFE_METHODS:
            sent = request.headers.get(HEADER)
            content_type, _ = request.content_type
            if not sent and content_type in (RequestEncodingType.URL_ENCODED, RequestEncodingType.MULTI_PART):
                sent = (await request.form()).get(FIELD)
            if fresh or not isinstance(sent, str) or not hmac.compare_digest(sent, expected):
                raise PermissionDeniedException("CSRF token verification failed")
        ScopeState.from_scope(scope).csrf_token = expected
        if fresh:
            send = _setting_cookie(send, Cookie(key=ANONYMOUS_COOKIE, value=fresh, path="/", httponly=True,
                                                samesite="lax", secure=settings.https))
        await next_app(scope, receive, send)


def _setting_cookie(send: Send, cookie: Cookie) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            MutableScopeHeaders.from_message(message).add("set-cookie", cookie.to_header(header=""))
        await send(message)

    return wrapped
