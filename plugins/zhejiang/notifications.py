"""SMS texts of the Zhejiang tenant, signed 【浙江学分银行】.

Accounts are opened at a window and activated by SMS code (the mobile number is recorded at
the window), so SMS is the one channel the province uses: a template for every event. No
e-mail templates: e-mail addresses are not collected; core's plain defaults remain should an
e-mail ever be sent. ``conversion.step_passed`` follows the two-step chains: after the
acceptance point's review the application goes to the sub-centre's re-review.
Variables: exactly those of each event's sample in ``core/notifications/events.py``.
"""

from __future__ import annotations

from core.province import NotificationTemplate

SIGN = "【浙江学分银行】"


def _sms(event: str, body: str) -> NotificationTemplate:
    return NotificationTemplate(event=event, channel="sms", body=SIGN + body)


TEMPLATES = [
    _sms(
        "code.activation",
        "您正在激活{{ tenant_name }}账户，验证码：{{ code }}，{{ minutes }}分钟内有效。请勿将验证码告诉他人，如非本人操作请忽略。",
    ),
    _sms(
        "code.register",
        "您的{{ tenant_name }}验证码：{{ code }}，{{ minutes }}分钟内有效。请勿将验证码告诉他人，如非本人操作请忽略。",
    ),
    _sms(
        "code.reset",
        "您正在重置{{ tenant_name }}账户的密码，验证码：{{ code }}，{{ minutes }}分钟内有效。如非本人操作，请忽略本短信并及时联系受理点。",
    ),
    _sms(
        "staff.invited",
        "{{ real_name }}，已为{{ unit_name }}分配{{ tenant_name }}管理员账号：{{ username }}，"
        "激活码：{{ code }}（{{ valid_for }}内有效，仅可使用一次）。请打开 {{ activate_url }} 激活账号并设置密码后开展业务。",
    ),
    _sms(
        "account.opened",
        "{{ real_name }}，{{ unit_name }}已为您开立{{ tenant_name }}账户。请打开 {{ activate_url }}，"
        "用验证码：{{ code }}（{{ minutes }}分钟内有效，过期可在该页面重新获取）设置密码，激活账户。",
    ),
    _sms(
        "account.reviewed",
        "{{ real_name }}，您的{{ tenant_name }}账户"
        "{% if approved %}已审核通过，可登录使用。{% else %}未通过审核，意见：{{ opinion }}。请携带有效身份证件到受理点办理。{% endif %}",
    ),
    _sms(
        "account.closure_decided",
        "{{ real_name }}，您的{{ tenant_name }}账户注销申请"
        "{% if approved %}已办理，账户已注销，个人信息已删除，已出具的证明仍可查验。{% else %}未获同意，意见：{{ opinion }}。{% endif %}",
    ),
    _sms(
        "recognition.decided",
        "{{ real_name }}，您申请认定的学习成果“{{ achievement }}”"
        "{% if approved %}已通过受理点审核和上级机构复审，予以认定。"
        "{% else %}未予认定，意见：{{ opinion }}。可补充材料后重新申请。{% endif %}",
    ),
    _sms(
        "conversion.step_passed",
        "{{ real_name }}，您申请的“{{ achievement }}”转换“{{ target }}”已通过{{ step_label }}，已提交上级机构复审。",
    ),
    _sms(
        "conversion.approved",
        "{{ real_name }}，您申请的“{{ achievement }}”转换{{ target_institution }}“{{ target }}”已复审通过，"
        "转换成果已存入您的学分银行账户，请登录 {{ login_url }} 查看。",
    ),
    _sms(
        "conversion.rejected",
        "{{ real_name }}，您申请的“{{ achievement }}”转换{{ target_institution }}“{{ target }}”未通过审核，"
        "意见：{{ opinion }}。可登录平台查看详情或咨询受理点。",
    ),
    _sms(
        "proof.issued",
        "{{ real_name }}，您申请开具的学习成果证明已出具，证明编号：{{ proof_code }}，可在 {{ verify_url }} 查验。",
    ),
    _sms(
        "review.digest",
        "{{ real_name }}，您有{{ due }}件审核事项将在{{ within_days }}个工作日内到期{% if overdue %}（其中{{ overdue }}件已逾期）{% endif %}"
        "{% if escalated %}，另有{{ escalated }}件下级单位逾期事项报送督办{% endif %}，请及时登录平台处理：{{ login_url }}",
    ),
    _sms(
        "review.escalated",
        "{{ real_name }}，{{ unit_name }}的{{ kind_label }}（{{ step_label }}，学习者{{ learner_name }}）已逾期{{ days_overdue }}个工作日，"
        "现报送督办：{{ login_url }}",
    ),
    _sms(
        "achievement.collected",
        "{{ real_name }}，{{ unit_name }}已为您采集录入{% if count > 1 %}{{ count }}条学习成果（如“{{ achievement }}”）{% else %}学习成果“{{ achievement }}”{% endif %}，"
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
