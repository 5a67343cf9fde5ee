"""Guangdong province plugin: 广东终身教育学分银行.

Built from the 广东终身教育学分银行信息管理平台 user manual (seed 003): activation of imported
learners by ID number, self-registration, the outcome taxonomy (tables 1–3), 名录 auto-fill and
auto-recognition, 业绩类 recognition at the teaching point, conversion by 转换初审 (teaching point)
→ 转换终审 (professional committee), 业绩类 conversion by the committee, 【广东学银】 SMS texts.
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
from plugins.guangdong import accounts, content, notifications, reviews, taxonomy

INFO = ProvinceInfo(
    name="guangdong",
    title="广东终身教育学分银行",
    version="0.1.0",
    description="广东终身教育学分银行：基于广东终身教育资历框架的学习成果认定、积累和转换。",
)


class GuangdongPlugin:
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
        return reviews.review_chain(kind, category, subtype)

    @hookimpl
    def wording(self) -> Wording:
        return content.WORDING

    @hookimpl
    def notification_templates(self) -> list[NotificationTemplate]:
        return list(notifications.TEMPLATES)


plugin = GuangdongPlugin()

__all__ = ["GuangdongPlugin", "plugin"]
