"""Error pages that show the header of whoever is logged in (issue 16 item 3).

Litestar's exception handlers are synchronous, and an unknown address never ran the portal's
dependency, so the handler cannot know the viewer. ``ViewerPage`` is the error page's template
response with the viewer looked up when the response is sent (an async step): from the session
cookie, as the portal does. If the lookup fails (the database is what failed), the page is
shown as to someone logged out."""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from litestar import Request
from litestar.response import Template

from core.security.principal import principal_for_token
from core.web.csrf import session_cookie
from core.web.portal import Portal

log = logging.getLogger("creditbank.web")
LOST = "您访问的地址没有对应的页面，可能是地址输入有误，或页面已经移动。"


class ViewerPage(Template):
    def to_asgi_response(self, app: Any, request: Request, **kwargs: Any) -> Any:
        page = self

        class Deferred:
            async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
                portal: Portal = page.context["portal"]
                token = request.cookies.get(session_cookie(portal.tenant.slug))
                if token and portal.viewer is None:
                    try:
                        viewer = await principal_for_token(portal.tenant, token)
                    except Exception as exc:  # noqa: BLE001 — the error page must still be shown
                        log.warning("错误页面未能识别登录用户：%s", type(exc).__name__)
                        viewer = None
                    page.context["portal"] = dataclasses.replace(portal, viewer=viewer)
                await Template.to_asgi_response(page, app, request, **kwargs)(scope, receive, send)

        return Deferred()


def unknown_address_handler(fallback):
    """The app-wide handler of Litestar's HTTP errors, answering an address no route matched
    under a known tenant with that tenant's own (branded) error page, the viewer's header
    included; everything else goes to ``fallback`` (``core.errors.http_error_handler``)."""
    from litestar.exceptions import NotFoundException

    from core.errors import DomainError
    from core.web.pages import page_error_handler

    def handle(request: Request, exc: Exception) -> Any:
        parts = request.url.path.split("/")
        known = len(parts) > 2 and parts[1] == "t" and parts[2] in request.app.state.tenants.by_slug
        wants_page = (request.method in ("GET", "HEAD") and "/api/" not in request.url.path
                      and "text/html" in request.headers.get("accept", "text/html"))
        if isinstance(exc, NotFoundException) and known and wants_page:
            return page_error_handler(request, DomainError(LOST, 404))
        return fallback(request, exc)

    return handle
