"""钩子镇: a province plugin used by the hook tests. It implements every hook with words and
values no real province uses, so a test that finds them knows they came from the plugin."""

from __future__ import annotations

import shutil
from pathlib import Path

from core.hookspecs import hookimpl
from core.province import (
    Category,
    Contact,
    Evidence,
    FaqItem,
    Field,
    FrameworkLevel,
    NotificationTemplate,
    OpinionFormat,
    OrgLevel,
    PasswordPolicy,
    ProvinceInfo,
    RegistrationPolicy,
    ReviewChain,
    ReviewStep,
    RuleDefaults,
    Subtype,
    Taxonomy,
    TenantDefaults,
    UsernameScheme,
    Wording,
)

NAME = "hooktown"
OPINION = OpinionFormat(name="hooktown", pattern=r"^巷口意见：(同意|不同意).*$", example="巷口意见：同意")
TAXONOMY = Taxonomy(categories=[Category(code="craft", label="手艺成果", subtypes=[
    Subtype(code="pottery", label="制陶作品", recognition="apply", conversion="none",
            fields=[Field(name="achievement_name", label="作品名称")],
            evidence=[Evidence(name="photo", label="作品照片", required=False)]),
    # A catalog sub-type whose outcomes convert by rule (the rule_defaults hook test).
    Subtype(code="glaze", label="釉料课程", recognition="catalog_auto", conversion="rule",
            fields=[Field(name="course_name", label="釉料课名", from_catalog=True),
                    Field(name="kiln_score", label="窑火评分", required=False)]),
])])
UNITS = "code,level,name,parent_code,host_institution\nHT,town,钩子镇学分银行,,\nHT-L1,lane,钩子镇东巷服务点,HT,\n"
TENANT = f'''slug = "{NAME}"
name = "钩子镇学分银行"
plugin = "{NAME}"

[seed]
org_units = "{NAME}/org_units.csv"
'''


class Hooktown:
    def __init__(self) -> None:
        self.sms: list[tuple[str, str, str]] = []  # (to, text, message_key) the gateway took

    @hookimpl
    def province_info(self) -> ProvinceInfo:
        return ProvinceInfo(name=NAME, title="钩子镇终身学习学分银行", version="9.9.1")

    @hookimpl
    def tenant_defaults(self) -> TenantDefaults:
        return TenantDefaults(about="钩子镇的学分银行简介。", terms="钩子镇服务条款：请如实填写。",
                              faq=[FaqItem(question="钩子镇在哪里？", answer="在东巷的尽头。")],
                              contact=Contact(phones=["0898-66660000"], hours="逢集日 9:00–12:00"))

    @hookimpl
    def achievement_taxonomy(self) -> Taxonomy:
        return TAXONOMY

    @hookimpl
    def org_levels(self) -> list[OrgLevel]:
        return [OrgLevel(code="town", label="镇中心", rank=0), OrgLevel(code="lane", label="巷服务点", rank=1)]

    @hookimpl
    def framework_levels(self) -> list[FrameworkLevel]:
        return [FrameworkLevel(level=1, name="学徒"), FrameworkLevel(level=2, name="匠人")]

    @hookimpl
    def username_scheme(self) -> UsernameScheme:
        return UsernameScheme(imported="HT{id_number}", pattern=r"^ht[a-z0-9]{4,20}$",
                              pattern_message="钩子镇用户名以 ht 开头，后接 4–20 位小写字母或数字")

    @hookimpl
    def registration_policy(self) -> RegistrationPolicy:
        return RegistrationPolicy(
            fields=[Field(name="username", label="用户名"), Field(name="real_name", label="匠人姓名"),
                    Field(name="id_number", label="证件号码", type="id_number"),
                    Field(name="phone", label="手机号码", type="phone"),
                    Field(name="password", label="密码", type="password"),
                    Field(name="password_confirm", label="确认密码", type="password"),
                    Field(name="unit_code", label="所属服务点", required=False),
                    Field(name="code", label="验证码")],
            verify=["sms"], activation_channels=["sms"])

    @hookimpl
    def password_policy(self) -> PasswordPolicy:
        return PasswordPolicy(min_length=11, min_classes=3, description="钩子镇密码至少 11 位，字母、数字、符号都要有")

    @hookimpl
    def review_chain(self, kind: str, category: str, subtype: str) -> ReviewChain | None:
        if kind == "recognition" and (category, subtype) == ("craft", "pottery"):
            return ReviewChain(steps=[ReviewStep(name="lane_check", label="东巷验看作品", role="unit_admin",
                                                 reviewer="own_unit", opinion=OPINION)])
        return None

    @hookimpl
    def notification_templates(self) -> list[NotificationTemplate]:
        return [NotificationTemplate(event="code.register", channel="sms",
                                     body="【钩子镇】注册验证码 {{ code }}，{{ minutes }} 分钟内有效。")]

    @hookimpl
    def wording(self) -> Wording:
        return Wording(role_labels={"tenant_admin": "镇中心值守人", "committee": "钩子镇评议会成员"},
                       proof_issuer="钩子镇手艺认证所")

    @hookimpl
    def rule_defaults(self) -> RuleDefaults:
        return RuleDefaults(program_credit_cap=5, year_credit_cap=2, source_once_per_program=True)

    @hookimpl
    def send_sms(self, to: str, text: str, message_key: str) -> bool:
        self.sms.append((to, text, message_key))
        return True


def tenants_folder(tmp_path: Path, with_the_four: bool = False) -> Path:
    """A tenants/ folder holding 钩子镇 (and, if asked, the four provinces too)."""
    from tests.conftest import TENANTS_DIR

    folder = tmp_path / "tenants"
    if with_the_four:
        shutil.copytree(TENANTS_DIR, folder)
    (folder / NAME).mkdir(parents=True)
    (folder / f"{NAME}.toml").write_text(TENANT, encoding="utf-8")
    (folder / NAME / "org_units.csv").write_text(UNITS, encoding="utf-8")
    return folder
