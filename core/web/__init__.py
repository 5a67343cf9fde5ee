"""The portal: server-rendered, tenant-branded pages (jinja2) over the same services as the API.

This package holds what every page shares — template and CSRF configuration, the viewer of a
request, branding, form handling and error pages, the login page. The pages themselves live
with their domains (``core/<domain>/pages.py`` and ``core/<domain>/templates/``) and are
collected in ``core.routes``.
"""
