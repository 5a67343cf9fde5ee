"""National Open University credit bank plugin: 国家开放大学学分银行.

Built from the national OUC operating guides (seed 001, 附件1 and 附件2): activation of
imported OUC students (username “S” + ID number) and self-registration (username = e-mail,
ID-card scan, e-mail check, account review within 1–2 working days), the three outcome
families (学历 / 非学历 / 无定式) stored and reviewed within 10 working days, conversion by a
published rule at the local learning-outcome certification centre, which issues a
学习成果认证证明, and e-mail notifications.

Provinces running on the national platform (Gansu) subclass ``NationalOUCPlugin`` and override
what differs; overriding methods must be decorated with ``@hookimpl`` again.
"""

from __future__ import annotations

from core.hookspecs import hookimpl
from core.province import (
    FrameworkLevel,
    NotificationTemplate,
    OrgLevel,
    PasswordPolicy,
    ProvinceInfo,
    RegistrationPolicy,
    ReviewChain,
    Taxonomy,
    TenantDefaults,
    UsernameScheme,
    Wording,
)
from plugins.national_ouc import accounts, content, notifications, reviews, taxonomy

INFO = ProvinceInfo(
    name="national_ouc",
    title="国家开放大学学分银行",
    version="0.1.0",
    description="国家开放大学学分银行：为社会成员提供学习成果认证、积累和转换服务。",
)


class NationalOUCPlugin:
    @hookimpl
    def province_info(self) -> ProvinceInfo:
        return INFO

    @hookimpl
    def tenant_defaults(self) -> TenantDefaults:
        return content.TENANT_DEFAULTS

    @hookimpl
    def achievement_taxonomy(self) -> Taxonomy:
        return taxonomy.TAXONOMY

    @hookimpl
    def org_levels(self) -> list[OrgLevel]:
        return list(content.ORG_LEVELS)

    @hookimpl
    def framework_levels(self) -> list[FrameworkLevel]:
        return list(content.FRAMEWORK_LEVELS)

    @hookimpl
    def username_scheme(self) -> UsernameScheme:
        return accounts.USERNAME_SCHEME

    @hookimpl
    def registration_policy(self) -> RegistrationPolicy:
        return accounts.REGISTRATION_POLICY

    @hookimpl
    def password_policy(self) -> PasswordPolicy:
        return accounts.PASSWORD_POLICY

    @hookimpl
    def review_chain(self, kind: str, category: str, subtype: str) -> ReviewChain | None:
        return reviews.review_chain(reviews.CHAINS, kind, category, subtype, self.achievement_taxonomy())

    @hookimpl
    def wording(self) -> Wording:
        return content.WORDING

    @hookimpl
    def notification_templates(self) -> list[NotificationTemplate]:
        return list(notifications.TEMPLATES)


plugin = NationalOUCPlugin()

__all__ = ["NationalOUCPlugin", "plugin"]
