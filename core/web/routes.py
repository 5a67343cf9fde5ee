"""Every portal page, collected: the tenant pages under ``/t/{tenant}`` and the platform's."""

from __future__ import annotations

from litestar import Router
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.static_files import create_static_files_router

from core.errors import DomainError
from core.tenancy.api import resolve_tenant
from core.web.config import STATIC_DIR
from core.web.pages import PortalHomeController, page_error_handler
from core.web.portal import LoginRequired, provide_portal

# Each domain adds its page controllers here (one line each).
TENANT_PAGES: list = [PortalHomeController]

PAGE_ERRORS = {LoginRequired: page_error_handler, DomainError: page_error_handler,
               HTTPException: page_error_handler, Exception: page_error_handler}


def portal_routers() -> list:
    tenant_pages = Router(
        path="/t/{tenant_slug:str}",
        route_handlers=TENANT_PAGES,
        dependencies={"tenant": Provide(resolve_tenant), "portal": Provide(provide_portal)},
        exception_handlers=PAGE_ERRORS,
        include_in_schema=False,
    )
    static = create_static_files_router(path="/static", directories=[STATIC_DIR], include_in_schema=False)
    return [tenant_pages, static]
