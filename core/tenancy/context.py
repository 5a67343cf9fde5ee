"""The tenant a request or a job runs for: ``TenantContext``, what every service takes first.

A leaf module: it imports only the plugin contract and the tenant's schemas, so every layer
above tenancy may take a ``TenantContext`` without importing the tenants' service.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from core.plugins import ProvinceHooks
from core.province import Contact
from core.tenancy.schemas import Branding


@dataclass(frozen=True)
class TenantContext:
    """A loaded, servable tenant: its row, its plugin's hooks, and its cached meta document."""

    id: int
    slug: str
    name: str
    plugin: str
    hosts: tuple[str, ...]
    branding: Branding
    contact: Contact
    status: str
    hooks: ProvinceHooks
    meta_json: bytes = field(repr=False)
    base_url: str = ""  # as configured; "" = the platform's

    @property
    def active(self) -> bool:
        return self.status == "active"

    def origin(self, platform_base_url: str) -> str:
        """Where the tenant is reached from outside: its own base URL, else the platform's."""
        return (self.base_url or platform_base_url).rstrip("/")

    def site(self, platform_base_url: str) -> str:
        """The tenant's absolute address (``{origin}/t/{slug}``): what proofs name as issuer
        and every absolute link starts with. Never taken from a request's Host header."""
        return f"{self.origin(platform_base_url)}/t/{self.slug}"

    @property
    def host_names(self) -> set[str]:
        names = {h.split(":", 1)[0] for h in self.hosts}
        if self.base_url:
            names.add(urlsplit(self.base_url).hostname or "")
        return names - {""}
