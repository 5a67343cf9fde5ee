"""Texts and organisation levels of the Gansu tenant: the national OUC texts plus what the
Gansu notice (seed 001, 《关于继续做好注册、激活国家开放大学学分银行账户及学习成果存储工作的
通知》, 甘肃广播电视大学) adds — who does what in Gansu, and whom to contact."""

from __future__ import annotations

from core.province import Contact, FaqItem, OrgLevel, TenantDefaults, Wording
from plugins.national_ouc import content as national

PROVINCIAL_SCHOOL = "甘肃广播电视大学"
CONTACT_PEOPLE = ["袁若琦", "林佳"]
PHONES = ["0931-8721710", "0931-8825481"]  # “0931-8721710   8825481” (both Lanzhou numbers)
QQ_GROUP = "223587448"

ABOUT = (
    "甘肃广播电视大学依托国家开放大学学分银行平台，推进学分银行建设及学习成果认证、积累与转换试点工作："
    "为开放教育在籍学生激活学分银行账户；为各类非学历培训学员和课程开放学习者建立学分银行账户；"
    "为开户者存储相关学习成果；对账户及存储成果进行审核。\n\n"
    "各分校、直属工作站、开放教育学院及教学点组织并指导学习者完成账户激活、注册和学习成果存储；"
    "省校教务处对注册及激活的账户申请和存储的有关学习成果进行审核并反馈相关情况。\n\n"
    + national.ABOUT
)

TERMS = national.TERMS + """
七、甘肃地区补充说明
1. 在甘肃注册、激活的学分银行账户申请和存储的学习成果，由甘肃广播电视大学（省校）教务处审核并反馈相关情况；学习成果转换申请由设在省校的学习成果认证中心审核，并出具学习成果认证证明。
2. 各分校、直属工作站、开放教育学院及教学点负责宣传学分银行，组织和指导学习者注册、激活账户及存储学习成果。
"""

GANSU_FAQ = [
    FaqItem(
        question="在甘肃，谁审核我的账户和存储的学习成果？",
        answer=(
            "省校（甘肃广播电视大学）教务处对注册及激活的账户申请和存储的有关学习成果进行审核并反馈相关情况。"
            "账户在1-2个工作日内审核，存储的学习成果在10个工作日内审核。各分校、直属工作站、开放教育学院及"
            "教学点负责组织和指导大家完成账户激活、注册和学习成果存储。"
        ),
    ),
    FaqItem(
        question="遇到问题可以联系谁？",
        answer=(
            "请先联系所在分校或教学点负责学分银行工作的老师。省校联系人：袁若琦、林佳，电话：0931-8721710、"
            "0931-8825481；甘肃电大学分银行工作QQ群：223587448。平台技术问题可拨打国家开放大学学分银行"
            "咨询电话：（010）58519565、58519570、58519572。"
        ),
    ),
]

FAQ = [*national.FAQ, *GANSU_FAQ]

CONTACT = Contact(
    phones=list(PHONES),
    other=[
        f"省校联系人：{'、'.join(CONTACT_PEOPLE)}",
        f"甘肃电大学分银行工作QQ群：{QQ_GROUP}",
        "国家开放大学学分银行技术咨询电话：（010）58519565、58519570、58519572",
        f"国家开放大学学分银行平台：{national.PLATFORM_URL}",
    ],
)

TENANT_DEFAULTS = TenantDefaults(about=ABOUT, terms=TERMS, faq=FAQ, contact=CONTACT)

# 省校 → 分校 / 直属工作站 / 开放教育学院 → 教学点. The notice addresses the three middle kinds
# side by side (“各分校、直属工作站，开放教育学院”); core needs distinct ranks, so they take
# ranks 1–3 and are all seeded directly under the provincial school.
ORG_LEVELS = [
    OrgLevel(
        code="provincial_school",
        label="省校",
        rank=0,
        description=(
            "甘肃广播电视大学；省校教务处审核注册及激活的账户申请和存储的学习成果，"
            "设在省校的学习成果认证中心审核转换申请并出具学习成果认证证明。"
        ),
    ),
    OrgLevel(
        code="branch_school",
        label="分校",
        rank=1,
        description="市（州）分校：宣传学分银行，组织并指导学习者激活、注册账户及存储学习成果，督促下属教学点开展工作。",
    ),
    OrgLevel(
        code="direct_station",
        label="直属工作站",
        rank=2,
        description="省校直属工作站：组织并指导本站学习者激活、注册账户及存储学习成果。",
    ),
    OrgLevel(
        code="open_education_college",
        label="开放教育学院",
        rank=3,
        description="省校开放教育学院：组织并指导本院开放教育学生激活账户及存储学习成果。",
    ),
    OrgLevel(
        code="teaching_point",
        label="教学点",
        rank=4,
        description="分校下设的教学点：指导学习者激活、注册账户及存储学习成果。",
    ),
]


# What this province calls core's staff roles, and who issues its proofs.
WORDING = Wording(
    role_labels={"committee": "学习成果认证专家"},
    proof_issuer="设在省校的学习成果认证中心",
)
