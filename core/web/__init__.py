"""The page toolkit: what every server-rendered, tenant-branded page (jinja2) shares — template
and CSRF configuration, the viewer of a request (``Portal``), rendering, redirects, form data
and error pages, branding, host and client-address helpers.

It imports no domain (only tenancy's context and security's principal): the pages live with
the highest domain they need (``core/<domain>/*pages.py`` and ``core/<domain>/templates/``),
import this toolkit, and are collected in ``core.routes``. See docs/architecture.md.
"""
