"""ASGI middleware of the application (below Litestar's routing, inside its error handling)."""

from __future__ import annotations

import json
import re
import time

from litestar.enums import ScopeType
from litestar.exceptions import ValidationException
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from core import db
from core.security import idempotency
from core.security.tables import AuthToken
from core.security.tokens import _digest as token_digest
from core.web.security import scope_client

_KEY_CHARS = set(map(chr, range(0x21, 0x7F)))
FORGET_EVERY_SECONDS = 600


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key == name:
            return value.decode("latin-1")
    return None


async def _reply(send: Send, status: int, content_type: str, body: bytes, extra: list | None = None) -> None:
    headers = [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode()), *(extra or [])]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _error(send: Send, status: int, detail: str, extra: list | None = None) -> None:
    body = json.dumps({"status_code": status, "detail": detail, "extra": None}, ensure_ascii=False).encode()
    await _reply(send, status, "application/json", body, extra)


def _body_fingerprint(scope: Scope, body: bytes) -> bytes:
    """The body as it identifies the request: a multipart body with its boundary taken out,
    since a client builds a new random boundary each time it sends the same files."""
    content_type = _header(scope, b"content-type") or ""
    if content_type.startswith("multipart/form-data") and "boundary=" in content_type:
        boundary = content_type.split("boundary=", 1)[1].split(";", 1)[0].strip().strip('"')
        if boundary:
            return body.replace(boundary.encode("latin-1"), b"")
    return body


class IdempotencyMiddleware(ASGIMiddleware):
    """``POST`` on the API with an ``Idempotency-Key`` header: the first request with the key
    does the work, a retry or a concurrent duplicate gets its response (with
    ``Idempotent-Replayed: true``), and the key cannot be reused for another request. Keys are
    per account (per client address when anonymous), kept 24 hours. Responses that say "try
    again" (429, 5xx) are not kept, so the retry does the work."""

    scopes = {ScopeType.HTTP}
    _forgotten_at = 0.0  # per worker: when responses past keeping were last deleted

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        key = _header(scope, b"idempotency-key") if scope["method"] == "POST" else None
        if key is None or "/api/v1/" not in scope["path"]:
            await next_app(scope, receive, send)
            return
        if not 1 <= len(key) <= 100 or not set(key) <= _KEY_CHARS:
            await _error(send, 400, "Idempotency-Key 应为 1 到 100 个可见 ASCII 字符")
            return
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        tenant_id = None
        who = "anonymous:" + scope_client(scope, scope["litestar_app"].state.settings.trusted_proxies)
        if (authorization := _header(scope, b"authorization")) and authorization.lower().startswith("bearer "):
            token = await AuthToken.select(AuthToken.subject, AuthToken.subject_id, AuthToken.tenant_id).where(
                AuthToken.token_hash == token_digest(authorization[7:].strip())).first()
            if token:
                who, tenant_id = f"{token['subject']}:{token['subject_id']}", token["tenant_id"]
        if time.monotonic() - IdempotencyMiddleware._forgotten_at > FORGET_EVERY_SECONDS:
            IdempotencyMiddleware._forgotten_at = time.monotonic()
            await idempotency.forget_old()
        slot = idempotency.request_key(who, key)
        print_ = idempotency.fingerprint("POST", scope["path"], _body_fingerprint(scope, body))

        while not await idempotency.claim(slot, tenant_id, print_):
            try:
                stored = await idempotency.await_response(slot, print_)
            except idempotency.KeyReused:
                await _error(send, 422, "该 Idempotency-Key 已用于另一个请求（路径或内容不同），请为新请求换一个 Key")
                return
            except idempotency.StillRunning:
                await _error(send, 409, "相同 Idempotency-Key 的请求仍在处理中，请稍后重试", [(b"retry-after", b"2")])
                return
            if stored is not None:
                await _reply(send, stored.status, stored.content_type, stored.body, [(b"idempotent-replayed", b"true")])
                return
            # The first request gave the key up (it failed): claim it again and do the work.

        delivered = False

        async def replay_body() -> Message:
            nonlocal delivered
            if delivered:
                return await receive()  # the client's disconnect, if it comes
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        status, content_type, chunks = 500, "", []

        async def capture(message: Message) -> None:
            nonlocal status, content_type
            if message["type"] == "http.response.start":
                status = message["status"]
                content_type = next((v.decode("latin-1") for k, v in message.get("headers", ()) if k.lower() == b"content-type"), "")
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))
            await send(message)

        try:
            await next_app(scope, replay_body, capture)
        except BaseException:
            await idempotency.complete(slot, None)
            raise
        textual = content_type.startswith(("application/json", "text/"))
        keep = status < 500 and status != 429 and textual
        await idempotency.complete(slot, idempotency.Stored(status, content_type, b"".join(chunks)) if keep else None)


# Who is signed in: a bearer token, or the portal's or the platform's session cookie.
# (the portal's session cookie is named per tenant, cb_session_<slug>: core.web.csrf)
_SIGNED_IN_COOKIES = ("cb_session", "cb_platform")
FRESH_COOKIE = "cb_fresh"  # "this browser just wrote": its public reads go to the primary for a while
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def _cookie_names(scope: Scope) -> set[str]:
    header = _header(scope, b"cookie") or ""
    return {part.split("=", 1)[0].strip() for part in header.split(";") if "=" in part}


class ReplicaReadsMiddleware(ASGIMiddleware):
    """Public reads from the read replica (``CREDITBANK_DATABASE_REPLICA_URL``), read-your-writes
    kept: the one place that decides which requests may read from it.

    A request is answered from the replica when its route is marked ``opt={"public_read":
    True}`` (catalog, rule search, the service network, proof verification and keys), nobody
    is signed in (no bearer token, no session cookie: a signed-in user may be looking at what
    they just changed), the browser has not written recently (``cb_fresh``, set on every write
    request for as long as the replica may lag behind it), and the replica is within its lag
    bound — else it is answered from the primary, as without a replica."""

    scopes = {ScopeType.HTTP}

    def __init__(self, max_lag: float, check_interval: float = 1.0) -> None:
        # A write is on the replica once it has caught up to within max_lag of it, measured
        # at most check_interval ago: past that, the replica has it.
        self.fresh_seconds = int(max_lag + check_interval) + 2

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        engine = scope["app"].state.engine
        handler = scope.get("route_handler")
        if handler is not None and handler.opt.get("public_read"):
            if (_header(scope, b"authorization") is None and not any(name.startswith(_SIGNED_IN_COOKIES) or name == FRESH_COOKIE
                                                                for name in _cookie_names(scope))
                    and engine.replica_watch is not None and await engine.replica_watch.refresh()):
                with db.public_reads():
                    await next_app(scope, receive, send)
                return
        elif scope["method"] in _UNSAFE:
            marker = f"{FRESH_COOKIE}=1; Max-Age={self.fresh_seconds}; Path=/; HttpOnly; SameSite=Lax".encode()

            async def mark(message: Message) -> None:
                if message["type"] == "http.response.start":
                    message = {**message, "headers": [*message.get("headers", ()), (b"set-cookie", marker)]}
                await send(message)

            await next_app(scope, receive, mark)
            return
        await next_app(scope, receive, send)
# A JSON "\u0000" that is not itself escaped ("\\u0000" is a backslash and the text u0000).
_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
NUL_REFUSED = "请求中含有不允许的空字符（\\0），请删除后重试"


def _has_nul(content_type: str, body: bytes) -> bool:
    if b"\x00" in body:
        return True
    if content_type.startswith("application/x-www-form-urlencoded"):
        return b"%00" in body
    return _JSON_NUL.search(body) is not None  # any other body may be read as JSON


class NulByteMiddleware(ASGIMiddleware):
    """A NUL byte in the path, the query string, or a JSON or form body is refused with 400
    before any handler sees it: PostgreSQL cannot store one in text and fails the request with
    a 500, and no field of this platform has a use for it. Multipart bodies carry files (where
    NUL is ordinary) and are left to their readers."""

    scopes = {ScopeType.HTTP}

    def __init__(self, max_body_size: int) -> None:
        self.max_body_size = max_body_size

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        query = scope.get("query_string", b"")
        if "\x00" in scope["path"] or b"%00" in query or b"\x00" in query:
            raise ValidationException(NUL_REFUSED)
        content_type = (_header(scope, b"content-type") or "").lower()
        length = _header(scope, b"content-length")
        if scope["method"] in ("GET", "HEAD", "OPTIONS") or content_type.startswith("multipart/") or (
                length and length.isdigit() and int(length) > self.max_body_size):
            await next_app(scope, receive, send)
            return
        body, more = b"", True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > self.max_body_size:
                break  # Litestar refuses it as too large; reading on would only hold it in memory
        if not more and _has_nul(content_type, body):
            raise ValidationException(NUL_REFUSED)
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if delivered:
                return await receive()
            delivered = True
            return {"type": "http.request", "body": body, "more_body": more}

        await next_app(scope, replay, send)
