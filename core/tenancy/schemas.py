"""Tenant data at the boundary: tenant files and the platform API."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from core.province import (
    Contact,
    FrameworkLevel,
    OrgLevel,
    PasswordPolicy,
    RegistrationPolicy,
    Taxonomy,
    UsernameScheme,
)

Slug = Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_]{1,62}$", description="小写字母开头，由小写字母、数字和下划线组成")]
Host = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9.-]+(:[0-9]+)?$", max_length=253)]
# Where the tenant is reached from outside (``https://www.cbgd.cn``); every absolute link of the
# tenant (proofs, QR codes, SMS and e-mail) is built from it. Empty: the platform's base URL.
BaseUrl = Annotated[str, msgspec.Meta(pattern=r"^(https?://[a-z0-9.-]+(:[0-9]+)?(/[A-Za-z0-9._~/-]*)?)?$", max_length=255,
                                      description="租户对外地址，如 https://www.cbgd.cn；留空则用平台的 CREDITBANK_BASE_URL")]
Color = Annotated[str, msgspec.Meta(pattern=r"^#[0-9a-fA-F]{6}$")]
Status = Literal["active", "suspended"]


class Branding(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    short_name: str = ""
    primary_color: Color = "#1f4e79"
    accent_color: Color = "#c8102e"
    logo_text: str = ""
    logo_url: str = ""
    footer: str = ""


class Seed(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    org_units: str | None = None  # a CSV path relative to the tenants folder
    catalog: str | None = None  # likewise: the catalog (名录) entries the tenant starts with
    rules: str | None = None  # likewise: its published conversion rules


class TenantFile(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """One file of ``tenants/``: a hosted credit bank as the operator declares it."""

    slug: Slug
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    plugin: str
    hosts: list[Host] = []
    base_url: BaseUrl = ""
    branding: Branding = msgspec.field(default_factory=Branding)
    contact: Contact | None = None
    seed: Seed = msgspec.field(default_factory=Seed)


class TenantCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    slug: Slug
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    plugin: str
    hosts: list[Host] = []
    base_url: BaseUrl = ""
    branding: Branding = msgspec.field(default_factory=Branding)
    contact: Contact | None = None


class TenantPatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)] | None = None
    hosts: list[Host] | None = None
    base_url: BaseUrl | None = None
    branding: Branding | None = None
    contact: Contact | None = None
    status: Status | None = None
    # What the tenant's users are told while it is suspended (pages and API); "" = a standard text.
    status_message: Annotated[str, msgspec.Meta(max_length=500)] | None = None


class TenantOut(msgspec.Struct, kw_only=True):
    slug: str
    name: str
    plugin: str
    hosts: list[str]
    branding: Branding
    contact: Contact
    status: str
    status_message: str = ""
    base_url: str = ""
    source: str
    error: str | None = None  # set when the tenant cannot be served (broken plugin)


class TenantMeta(msgspec.Struct, kw_only=True):
    """``GET /t/{tenant}/api/v1/meta``: what a client needs to draw the tenant's forms — the
    taxonomy (categories → subtypes → fields and evidence), how accounts are opened and named,
    the password rules, the organisation levels and the qualifications framework."""

    slug: str
    name: str
    plugin: str
    branding: Branding
    contact: Contact
    taxonomy: Taxonomy
    registration: RegistrationPolicy
    username: UsernameScheme
    password_policy: PasswordPolicy
    org_levels: list[OrgLevel]
    framework_levels: list[FrameworkLevel]
