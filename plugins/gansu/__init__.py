"""Gansu plugin: the national OUC credit bank as run by 甘肃广播电视大学 (seed 001, the Gansu
notice and its two annexes).

Gansu runs on the national OUC platform, so the plugin subclasses ``NationalOUCPlugin`` and
inherits its taxonomy, framework levels, usernames, password policy and the shape of its review
chains. It overrides only what the notice changes: who it is, the contact people, phones and QQ
group (with matching terms, FAQ and e-mail signature), the organisation tree (省校 → 分校 /
直属工作站 / 开放教育学院 → 教学点) and the reviewing level — the provincial school's academic
office (省校教务处) reviews registered/activated accounts and stored outcomes, and conversions and
proofs go to the certification centre at the provincial school.

Hook markers are inherited by the methods not overridden; each override carries ``@hookimpl``.
"""

from __future__ import annotations

from core.hookspecs import hookimpl
from core.province import (
    NotificationTemplate,
    OrgLevel,
    ProvinceInfo,
    RegistrationPolicy,
    ReviewChain,
    TenantDefaults,
    Wording,
)
from plugins.gansu import accounts, content, notifications, reviews
from plugins.national_ouc import NationalOUCPlugin
from plugins.national_ouc import reviews as national_reviews

INFO = ProvinceInfo(
    name="gansu",
    title="国家开放大学学分银行（甘肃）",
    version="0.1.0",
    description="甘肃广播电视大学依托国家开放大学学分银行平台开展账户激活、注册和学习成果存储，省校教务处审核。",
)


class GansuPlugin(NationalOUCPlugin):
    @hookimpl
    def province_info(self) -> ProvinceInfo:
        return INFO

    @hookimpl
    def tenant_defaults(self) -> TenantDefaults:
        return content.TENANT_DEFAULTS

    @hookimpl
    def org_levels(self) -> list[OrgLevel]:
        return list(content.ORG_LEVELS)

    @hookimpl
    def registration_policy(self) -> RegistrationPolicy:
        return accounts.REGISTRATION_POLICY

    @hookimpl
    def review_chain(self, kind: str, category: str, subtype: str) -> ReviewChain | None:
        return national_reviews.review_chain(reviews.CHAINS, kind, category, subtype, self.achievement_taxonomy())

    @hookimpl
    def wording(self) -> Wording:
        return content.WORDING

    @hookimpl
    def notification_templates(self) -> list[NotificationTemplate]:
        return list(notifications.TEMPLATES)


plugin = GansuPlugin()

__all__ = ["GansuPlugin", "plugin"]
