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
    ReviewPolicy,
    RuleDefaults,
    TenantDefaults,
    UsernameScheme,
    Wording,
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
    def review_policy(self) -> ReviewPolicy:
        return ReviewPolicy()

    @hookimpl
    def wording(self) -> Wording:
        return Wording()

    @hookimpl
    def rule_defaults(self) -> RuleDefaults:
        return RuleDefaults()

    @hookimpl
    def notification_templates(self) -> list[NotificationTemplate]:
        return [
            NotificationTemplate(event=event, channel=channel, body=body, subject=subject if channel == "email" else "")
            for event, (subject, body) in _DEFAULT_TEXTS.items()
            for channel in ("sms", "email")
        ]


# Plain texts for every event, used where a province has no template of its own.
_DEFAULT_TEXTS = {
    "code.activation": ("{{ tenant_name }}账户激活验证码", "您的账户激活验证码为 {{ code }}，{{ minutes }} 分钟内有效。如非本人操作，请忽略。"),
    "code.register": ("{{ tenant_name }}注册验证码", "您的注册验证码为 {{ code }}，{{ minutes }} 分钟内有效。如非本人操作，请忽略。"),
    "code.reset": ("{{ tenant_name }}重置密码验证码", "您正在重置密码，验证码为 {{ code }}，{{ minutes }} 分钟内有效。如非本人操作，请忽略。"),
    "staff.invited": ("{{ tenant_name }}工作人员账户", "{{ real_name }}，您已被设为{{ unit_name }}的工作人员，账号为 {{ username }}。请在 {{ valid_for }}内打开 {{ activate_url }}，用激活码 {{ code }} 设置密码（激活码只能使用一次）。"),
    "account.opened": ("{{ tenant_name }}账户已开立", "{{ real_name }}，{{ unit_name }}已为您开立{{ tenant_name }}账户。请打开 {{ activate_url }}，用验证码 {{ code }}（{{ minutes }} 分钟内有效，过期可在该页面重新获取）设置密码，激活账户。"),
    "account.reviewed": ("{{ tenant_name }}账户审核结果", "{{ real_name }}，您的账户{% if approved %}已审核通过，可以登录使用{% else %}未通过审核：{{ opinion }}{% endif %}。"),
    "account.closure_decided": ("{{ tenant_name }}账户注销申请结果", "{{ real_name }}，您的账户注销申请{% if approved %}已办理：账户已注销，您的个人信息已删除，已出具的证明仍可查验{% else %}未获同意：{{ opinion }}{% endif %}。"),
    "recognition.decided": ("{{ tenant_name }}成果认定结果", "{{ real_name }}，您申请认定的成果“{{ achievement }}”{% if approved %}已认定{% else %}未通过认定：{{ opinion }}{% endif %}。"),
    "conversion.step_passed": ("{{ tenant_name }}成果转换进度", "您申请的 {{ achievement }} 转换 {{ target }} 已通过{{ step_label }}，进入下一审核环节。"),
    "conversion.approved": ("{{ tenant_name }}成果转换通过", "您申请的 {{ achievement }} 转换 {{ target_institution }} {{ target }} 已审核通过，目标成果已添加到您的学习账户：{{ login_url }}"),
    "conversion.rejected": ("{{ tenant_name }}成果转换未通过", "您申请的 {{ achievement }} 转换 {{ target }} 未通过审核：{{ opinion }}"),
    "review.digest": ("{{ tenant_name }}待审核事项提醒", "{{ real_name }}，您有 {{ due }} 件审核事项将在 {{ within_days }} 个工作日内到期{% if overdue %}，其中 {{ overdue }} 件已逾期{% endif %}{% if escalated %}；另有 {{ escalated }} 件下级单位逾期事项已报送您督办{% endif %}。请登录处理：{{ login_url }}"),
    "review.escalated": ("{{ tenant_name }}逾期审核督办", "{{ real_name }}，{{ unit_name }}的{{ kind_label }}（{{ step_label }}，学习者 {{ learner_name }}）已逾期 {{ days_overdue }} 个工作日，已报送您督办：{{ login_url }}"),
    "appeal.decided": ("{{ tenant_name }}申诉处理结果", "{{ real_name }}，您的申诉{% if overturned %}已改判，申请将重新审核{% else %}经复核维持原审核结果{% endif %}。处理意见：{{ opinion }}"),
    "achievement.collected": ("{{ tenant_name }}学习成果已录入", "{{ real_name }}，{{ unit_name }}已为您录入{% if count > 1 %} {{ count }} 条学习成果（如“{{ achievement }}”）{% else %}学习成果“{{ achievement }}”{% endif %}。请登录核对：{{ login_url }}；如有不符，可在成果详情中提出异议。"),
    "dispute.decided": ("{{ tenant_name }}成果异议处理结果", "{{ real_name }}，您对“{{ achievement }}”提出的异议，{{ unit_name }}{% if upheld %}已核实，该成果已作废{% else %}经核实维持原录入{% endif %}。处理意见：{{ opinion }}"),
    "proof.issued": ("{{ tenant_name }}学习成果认证证明", "您的学习成果认证证明已出具，编号 {{ proof_code }}，可在 {{ verify_url }} 查验。"),
}
