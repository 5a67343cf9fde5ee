"""SMS (signed 【广东学银】) and e-mail texts, after the manual's wording.

The manual's staff SMS (“您的账号是……，您的密码是……”) sent a password in clear; here the new
staff member gets an activation code instead and sets the password themselves.
Variables: exactly those of each event's sample in ``core/notifications/events.py``.
"""

from __future__ import annotations

from core.province import NotificationTemplate

SIGN = "【广东学银】"


def _sms(event: str, body: str) -> NotificationTemplate:
    return NotificationTemplate(event=event, channel="sms", body=SIGN + body)


def _email(event: str, subject: str, body: str) -> NotificationTemplate:
    return NotificationTemplate(event=event, channel="email", subject=SIGN + subject, body=body)


_EMAIL_FOOTER = "\n\n广东终身教育学分银行管理中心\n如有问题，请联系学分银管理中心信息部（020-83772086）。\n本邮件由系统自动发送，请勿回复。"

SMS = [
    _sms(
        "code.activation",
        "您正在激活{{ tenant_name }}账号，验证码：{{ code }}，有效时间为{{ minutes }}分钟。请勿将验证码告诉他人。",
    ),
    _sms(
        "code.register",
        "您正在注册{{ tenant_name }}个人账户，验证码：{{ code }}，有效时间为{{ minutes }}分钟。请勿将验证码告诉他人。",
    ),
    _sms(
        "code.reset",
        "您正在重置{{ tenant_name }}账号（{{ username }}）的密码，验证码：{{ code }}，有效时间为{{ minutes }}分钟。如非本人操作，请忽略本短信。",
    ),
    _sms(
        "staff.invited",
        "恭喜您，{{ real_name }}！您已经成功创建工作人员账户（{{ unit_name }}）！您的账号是 {{ username }}，"
        "激活验证码是 {{ code }}（{{ valid_for }}内有效，仅可使用一次），请打开 {{ activate_url }} 激活账户并设置密码。",
    ),
    _sms(
        "account.opened",
        "{{ real_name }}，{{ unit_name }}已为您开通{{ tenant_name }}账号，请打开 {{ activate_url }}，"
        "用验证码 {{ code }}（有效时间为{{ minutes }}分钟，过期可在该页面重新获取）设置密码，激活账户。",
    ),
    _sms(
        "account.reviewed",
        "{{ real_name }}，您的{{ tenant_name }}账户"
        "{% if approved %}已审核通过，可登录使用。{% else %}审核未通过，意见：{{ opinion }}。{% endif %}",
    ),
    _sms(
        "account.closure_decided",
        "{{ real_name }}，您的{{ tenant_name }}账户注销申请"
        "{% if approved %}已办理，账户已注销，个人信息已删除，已出具的证明仍可查验。{% else %}未获同意，意见：{{ opinion }}。{% endif %}",
    ),
    _sms(
        "recognition.decided",
        "您申请认定的 {{ achievement }} 学习成果"
        "{% if approved %}已经认定通过。{% else %}认定未通过，意见：{{ opinion }}。请补充材料后重新提交申请。{% endif %}",
    ),
    # The Guangdong chains have one step before the last: 转换初审.
    _sms(
        "conversion.step_passed",
        "您申请的 {{ achievement }} 学习成果转换 {{ target }} 学习成果已经初审通过，进入终审阶段。",
    ),
    _sms(
        "conversion.approved",
        "您申请的 {{ achievement }} 学习成果转换 {{ target_institution }} {{ target }} 学习成果已经审核通过，"
        "{{ target_institution }} {{ target }} 学习成果已自动添加到您个人学习账户下，"
        "可登录广东终身教育学分银行信息管理平台查看。",
    ),
    _sms(
        "conversion.rejected",
        "您申请的 {{ achievement }} 学习成果转换 {{ target_institution }} {{ target }} 学习成果审核未通过，"
        "意见：{{ opinion }}。可登录广东终身教育学分银行信息管理平台查看。",
    ),
    _sms(
        "proof.issued",
        "您的学习成果证明已出具，证明编号 {{ proof_code }}，可在 {{ verify_url }} 查验。",
    ),
    _sms(
        "review.digest",
        "{{ real_name }}，您有{{ due }}件审核事项将在{{ within_days }}个工作日内到期{% if overdue %}（其中{{ overdue }}件已逾期）{% endif %}"
        "{% if escalated %}，另有{{ escalated }}件下级单位逾期事项报送督办{% endif %}，请及时登录学分银行平台处理：{{ login_url }}",
    ),
    _sms(
        "review.escalated",
        "{{ real_name }}，{{ unit_name }}的{{ kind_label }}（{{ step_label }}，学习者{{ learner_name }}）已逾期{{ days_overdue }}个工作日，"
        "现报送督办：{{ login_url }}",
    ),
    _sms(
        "achievement.collected",
        "{{ real_name }}，{{ unit_name }}已为您录入{% if count > 1 %}{{ count }}条学习成果（如“{{ achievement }}”）{% else %}学习成果“{{ achievement }}”{% endif %}，"
        "请登录 {{ login_url }} 核对，如有不符可在成果详情中提出异议。",
    ),
    _sms(
        "dispute.decided",
        "{{ real_name }}，您对“{{ achievement }}”提出的异议，{{ unit_name }}{% if upheld %}经核实已将该成果作废{% else %}经核实维持原录入{% endif %}。"
        "处理意见：{{ opinion }}",
    ),
    _sms(
        "appeal.decided",
        "{{ real_name }}，您的申诉{% if overturned %}已改判，申请将重新审核{% else %}经复核维持原审核结果{% endif %}。"
        "处理意见：{{ opinion }}",
    ),
]

EMAIL = [
    _email(
        "code.activation",
        "激活账号验证码",
        "{{ real_name }}，您好：\n\n您正在激活{{ tenant_name }}账号，验证码：{{ code }}，有效时间为{{ minutes }}分钟。"
        "请勿将验证码告诉他人。" + _EMAIL_FOOTER,
    ),
    _email(
        "code.register",
        "注册验证码",
        "您好：\n\n您正在注册{{ tenant_name }}个人账户，验证码：{{ code }}，有效时间为{{ minutes }}分钟。"
        "请勿将验证码告诉他人。" + _EMAIL_FOOTER,
    ),
    _email(
        "code.reset",
        "重置密码验证码",
        "{{ real_name }}，您好：\n\n您正在重置{{ tenant_name }}账号（{{ username }}）的密码，验证码：{{ code }}，"
        "有效时间为{{ minutes }}分钟。如非本人操作，请忽略本邮件。" + _EMAIL_FOOTER,
    ),
    _email(
        "staff.invited",
        "工作人员账户已创建",
        "恭喜您，{{ real_name }}！\n\n您已经成功创建{{ tenant_name }}工作人员账户（{{ unit_name }}）。\n"
        "您的账号是：{{ username }}\n激活验证码：{{ code }}（{{ valid_for }}内有效，仅可使用一次）\n\n"
        "请打开 {{ activate_url }} 激活账户并设置密码。" + _EMAIL_FOOTER,
    ),
]

TEMPLATES = [*SMS, *EMAIL]
