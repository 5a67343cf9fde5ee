"""Zhejiang province plugin: 浙江省终身教育学分银行.

Built from 《浙江省终身教育学分银行受理点建设要求》 (seed 004): the service network of 省中心 →
市级分部 → 县（市、区）级分中心 → 受理点 (the tree is ``tenants/zhejiang/org_units.csv``);
accounts opened at an acceptance point's window after an identity check and activated by SMS;
every application (认定, 转换, 学习成果证明开具) reviewed by the acceptance point and re-reviewed
by its parent unit; 社会培训成果 collected at acceptance points as an outcome type of its own.
The seed names no taxonomy and no qualifications framework: the taxonomy is reasoned out in
``taxonomy.py``, the framework is empty.
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
    ReviewPolicy,
    Taxonomy,
    TenantDefaults,
    UsernameScheme,
    Wording,
)
from plugins.zhejiang import accounts, content, notifications, reviews, taxonomy

INFO = ProvinceInfo(
    name="zhejiang",
    title="浙江省终身教育学分银行",
    version="0.1.0",
    description="浙江省终身教育学分银行：省中心、市级分部、县（市、区）级分中心和受理点组成的学习成果认定、积累与转换服务网络。",
)


class ZhejiangPlugin:
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
    def review_policy(self) -> ReviewPolicy:
        return reviews.POLICY

    @hookimpl
    def wording(self) -> Wording:
        return content.WORDING

    @hookimpl
    def notification_templates(self) -> list[NotificationTemplate]:
        return list(notifications.TEMPLATES)


plugin = ZhejiangPlugin()

__all__ = ["ZhejiangPlugin", "plugin"]
