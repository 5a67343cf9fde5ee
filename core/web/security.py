"""What every HTTP response and every request's origin go through, in one place: the client's
address (forwarded headers believed only from configured proxies), the Host header (only known
hosts are served), and the security headers every page, file and API answer carries.

No Litestar here beyond the ``Request`` type: the ASGI wrapper in ``core.app`` calls these on
raw scopes, handlers call ``client_address``.
"""

from __future__ import annotations

import ipaddress
import json
import secrets
from functools import lru_cache
from urllib.parse import urlsplit

from litestar import Request
from litestar.types import Message, Scope, Send

from core.tenancy.context import TenantContext

NONCE_KEY = "creditbank.csp_nonce"  # where a request's CSP nonce lives in the ASGI scope


@lru_cache(maxsize=64)
def _networks(trusted: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(n, strict=False) for n in trusted)


def _is_trusted(address: str, trusted: tuple[str, ...]) -> bool:
    if not trusted or not address:
        return False
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in _networks(trusted))


def _header(scope: Scope, name: bytes) -> str:
    return ", ".join(v.decode("latin-1") for k, v in scope.get("headers", ()) if k.lower() == name)


def _forwarded_chain(scope: Scope) -> list[str]:
    """The addresses a request passed through, nearest last: ``Forwarded: for=`` (RFC 7239)
    when present, else ``X-Forwarded-For``."""
    if forwarded := _header(scope, b"forwarded"):
        chain = []
        for element in forwarded.split(","):
            for pair in element.split(";"):
                key, _, value = pair.strip().partition("=")
                if key.lower() == "for":
                    value = value.strip().strip('"')
                    if value.startswith("["):  # "[2001:db8::1]:4711"
                        value = value[1:].split("]", 1)[0]
                    elif value.count(":") == 1:  # "192.0.2.60:4711"
                        value = value.split(":", 1)[0]
                    chain.append(value)
        return chain
    return [part.strip() for part in _header(scope, b"x-forwarded-for").split(",") if part.strip()]


def scope_client(scope: Scope, trusted: tuple[str, ...]) -> str:
    """The address of whoever sent the request. The direct peer, unless it is one of the
    ``trusted`` proxies: then the forwarded chain is walked from the nearest hop back and the
    first address that is not a trusted proxy is the client (an address the client wrote
    itself, further left, is never believed)."""
    peer = (scope.get("client") or ("", 0))[0] or ""
    if not _is_trusted(peer, trusted):
        return peer
    address = peer
    for hop in reversed(_forwarded_chain(scope)):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            break  # "unknown" or an obfuscated name: stop at the last address we know
        address = hop
        if not _is_trusted(hop, trusted):
            break
    return address


def client_address(request: Request) -> str:
    """The client's address for rate limits and the audit log (see ``scope_client``)."""
    return scope_client(request.scope, request.app.state.settings.trusted_proxies)


# ---------------------------------------------------------------------------------------------
# Host names


def site_link(request: Request, tenant: TenantContext, path: str = "") -> str:
    """An absolute link into ``tenant``'s site (``path`` such as ``/login``), built from its
    configured base URL — never from the request's Host header, which a client chooses."""
    return tenant.site(request.app.state.settings.base_url) + path


def hostname(host_header: str) -> str:
    """``Example.org:8000`` → ``example.org``; ``[::1]:8000`` → ``::1``."""
    host = host_header.strip().lower()
    if host.startswith("["):
        return host[1:].split("]", 1)[0]
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


@lru_cache(maxsize=8)
def configured_hosts(base_url: str, allowed: tuple[str, ...]) -> frozenset[str]:
    """The host names the platform answers besides its tenants' own."""
    return frozenset({urlsplit(base_url).hostname or "", *(hostname(h) for h in allowed)} - {""})


async def refuse_host(send: Send) -> None:
    body = json.dumps({"status_code": 400, "detail": "请求的主机名不属于本平台，请使用学分银行公布的网址访问",
                       "extra": None}, ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": 400, "headers": [
        (b"content-type", b"application/json; charset=utf-8"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


# ---------------------------------------------------------------------------------------------
# Response headers


def new_nonce(scope: Scope) -> str:
    """A fresh CSP nonce for this request, kept where templates find it (``csp_nonce()``)."""
    nonce = secrets.token_urlsafe(16)
    scope[NONCE_KEY] = nonce  # type: ignore[literal-required]
    return nonce


def content_security_policy(nonce: str) -> str:
    # Scripts only from our own /static (no inline script anywhere); the few inline <style>
    # blocks (tenant colours) carry the request's nonce. Logos may come from an https site.
    return "; ".join((
        "default-src 'self'", "script-src 'self'", f"style-src 'self' 'nonce-{nonce}'",
        "img-src 'self' data: https:", "font-src 'self'", "connect-src 'self'", "object-src 'none'",
        "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
    ))


def security_headers(nonce: str, https: bool) -> list[tuple[bytes, bytes]]:
    headers = [
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"strict-origin-when-cross-origin"),
        (b"content-security-policy", content_security_policy(nonce).encode()),
        (b"cross-origin-opener-policy", b"same-origin"),
    ]
    if https:
        headers.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
    return headers


def with_security_headers(send: Send, nonce: str, https: bool) -> Send:
    """``send`` that adds the security headers to the response start (a header the handler
    set itself, such as a stricter CSP for an SVG, is kept)."""
    extra = security_headers(nonce, https)

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", ()))
            present = {name.lower() for name, _ in headers}
            headers += [(name, value) for name, value in extra if name not in present]
            message = {**message, "headers": headers}
        await send(message)

    return wrapped


# ---------------------------------------------------------------------------------------------
# The JSON API's bodies

_JSON = "application/json"
_MULTIPART = "multipart/form-data"


@lru_cache(maxsize=1024)
def _expected_media(handler) -> str | None:
    """What body a handler reads: ``application/json``, ``multipart/form-data`` or None."""
    field = handler.parsed_fn_signature.parameters.get("data")
    if field is None:
        return None
    media = getattr(field.kwarg_definition, "media_type", None)
    return str(getattr(media, "value", media) or _JSON)


async def require_api_media_type(request: Request) -> None:
    """A body the API reads must say what it is: JSON as ``application/json`` (a cross-site
    form can only send ``text/plain``, urlencoded or multipart), files as multipart. Anything
    else is refused with 415 before it is parsed."""
    from litestar.exceptions import HTTPException

    expected = _expected_media(request.route_handler)
    if expected is None:
        return
    has_body = request.headers.get("content-length", "0") not in ("", "0") or "transfer-encoding" in request.headers
    if not has_body:
        return
    media, _ = request.content_type
    # application/*+json (application/vc+ld+json, a credential POSTed to /verify) is JSON too,
    # and like application/json no cross-site form can send it.
    if expected == _JSON and media != _JSON and not (media.startswith("application/") and media.endswith("+json")):
        raise HTTPException(status_code=415, detail="请求内容类型不被接受：请以 JSON 提交（Content-Type: application/json）")
    if expected == _MULTIPART and media != _MULTIPART:
        raise HTTPException(status_code=415, detail="请求内容类型不被接受：请以 multipart/form-data 上传文件")
