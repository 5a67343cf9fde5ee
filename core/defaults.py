"""Core's own answers to the province hooks, registered before any province plugin.

They make a plugin that implements only its taxonomy and info usable, and they are the
behaviour a newcomer's scaffolded province starts from.
"""

from __future__ import annotations

from core.hookspecs import hookimpl
from core.province import (
    Contact,
    FrameworkLevel,
    NotificationTemplate,
    OrgLevel,
    PasswordPolicy,
    RegistrationPolicy,
    ReviewChain,
    TenantDefaults,
    UsernameScheme,
)


class CoreDefaults:
    @hookimpl
    def tenant_defaults(self) -> TenantDefaults:
        return TenantDefaults(
            about="学分银行为社会成员提供学习成果的认定、积累和转换服务。",
            terms="使用本学分银行即表示您同意如实提供个人信息和学习成果材料。",
            contact=Contact(),
        )

    @hookimpl
    def org_levels(self) -> list[OrgLevel]:
        return [
            OrgLevel(code="center", label="管理中心", rank=0),
            OrgLevel(code="service_point", label="服务点", rank=1),
        ]

    @hookimpl
    def framework_levels(self) -> list[FrameworkLevel]:
        return []

    @hookimpl
    def username_scheme(self) -> UsernameScheme:
        return UsernameScheme()

    @hookimpl
    def registration_policy(self) -> RegistrationPolicy:
        return RegistrationPolicy()

    @hookimpl
    def password_policy(self) -> PasswordPolicy:
        return PasswordPolicy()

    @hookimpl
    def review_chain(self, kind: str, category: str, subtype: str) -> ReviewChain | None:
        return None

    @hookimpl
    def notification_templates(self) -> list[NotificationTemplate]:
        return []
