"""E-mail texts of the national OUC platform.

The platform writes to learners by e-mail only: activation and registration are confirmed
through the e-mail address, and Q2 explains why it must be a working one — “学分银行会不定期的
发布新的转换规则和更新学习成果的相关信息”. So there is an e-mail template for every event and
no SMS. ``build_templates`` takes the signature so that a province on this platform (Gansu)
signs with its own contacts. Variables: exactly those of each event's sample in
``core/notifications/events.py``.
"""

from __future__ import annotations

from core.province import NotificationTemplate
from plugins.national_ouc.content import TECH_PHONES

SIGNATURE = (
    "国家开放大学学分银行\n"
    f"技术咨询电话：{'、'.join(TECH_PHONES)}"
)

_SUBJECT = "【{{ tenant_name }}】"
_GREETING = "{{ real_name }}，您好：\n\n"
_KEEP_EMAIL = "学分银行发布的新转换规则、学习成果审核结果等信息都将发送到本邮箱，请保持邮箱可用。"


def _email(event: str, subject: str, body: str, signature: str) -> NotificationTemplate:
    footer = f"\n\n——\n{signature}\n本邮件由系统自动发送，请勿直接回复。"
    return NotificationTemplate(event=event, channel="email", subject=_SUBJECT + subject, body=body + footer)


def build_templates(signature: str = SIGNATURE) -> list[NotificationTemplate]:
    return [
        _email(
            "code.activation",
            "账户激活邮箱验证码",
            _GREETING
            + "您正在激活{{ tenant_name }}账户（用户名：{{ username }}）。邮箱验证码：{{ code }}，"
            "{{ minutes }}分钟内有效，请勿将验证码告诉他人。\n\n"
            "激活后，账户将在1-2个工作日内被审核，审核通过后即可登录使用，本邮箱也可作为用户名登录。"
            + _KEEP_EMAIL
            + "\n\n如非本人操作，请忽略本邮件。",
            signature,
        ),
        _email(
            "code.register",
            "注册邮箱验证",
            _GREETING
            + "您正在注册{{ tenant_name }}账户。邮箱验证码：{{ code }}，{{ minutes }}分钟内有效，"
            "请勿将验证码告诉他人。\n\n"
            "邮箱验证成功以后，工作人员将在1-2个工作日之内对账户进行审核，审核通过后即可登录使用。"
            "账户用户名为本邮箱，密码为您自己设置的密码。"
            + _KEEP_EMAIL
            + "\n\n如非本人操作，请忽略本邮件。",
            signature,
        ),
        _email(
            "code.reset",
            "重置密码验证码",
            _GREETING
            + "您正在重置{{ tenant_name }}账户（用户名：{{ username }}）的密码。验证码：{{ code }}，"
            "{{ minutes }}分钟内有效，请勿将验证码告诉他人。\n\n"
            "如非本人操作，请忽略本邮件，您的密码不会被修改。",
            signature,
        ),
        _email(
            "staff.invited",
            "工作人员账户已创建",
            _GREETING
            + "您已被添加为{{ tenant_name }}{{ unit_name }}的工作人员。\n"
            "账户：{{ username }}\n"
            "激活验证码：{{ code }}（{{ valid_for }}内有效，仅可使用一次）\n\n"
            "请访问 {{ activate_url }} 激活账户并设置密码。",
            signature,
        ),
        _email(
            "account.reviewed",
            "{% if approved %}账户审核通过{% else %}账户审核未通过{% endif %}",
            _GREETING
            + "{% if approved %}"
            "您的{{ tenant_name }}账户已审核通过，正式开通。用户名：{{ username }}（注册邮箱也可作为用户名登录）。\n\n"
            "登录后，可在个人操作界面点击“添加学习成果”，存储已经取得的学历教育证书、非学历等级证书等学习成果。"
            "{% else %}"
            "您的{{ tenant_name }}账户申请未通过审核。\n审核意见：{{ opinion }}\n\n"
            "请按审核意见修改个人信息或重新上传清晰的身份证扫描件后再次提交。"
            "{% endif %}",
            signature,
        ),
        _email(
            "recognition.decided",
            "{% if approved %}学习成果审核通过{% else %}学习成果审核未通过{% endif %}：{{ achievement }}",
            _GREETING
            + "{% if approved %}"
            "您存储的学习成果“{{ achievement }}”已审核通过，可在个人操作界面“我的学习成果”中查询。\n\n"
            "如学分银行已发布可用的学习成果转换规则，可以向当地的学习成果认证中心申请转换；"
            "暂无可用规则的，学习成果将保存在学分银行，待相关转换规则开发后再办理。"
            "{% else %}"
            "您存储的学习成果“{{ achievement }}”未通过审核。\n审核意见：{{ opinion }}\n\n"
            "请按审核意见修改成果信息或重新上传清晰的证书扫描件后，再次点击“提交审批”。"
            "{% endif %}",
            signature,
        ),
        _email(
            "conversion.step_passed",
            "转换申请进展：{{ achievement }}",
            _GREETING
            + "您将学习成果“{{ achievement }}”转换为{{ target_institution }}“{{ target }}”的申请"
            "已通过{{ step_label }}，进入下一审核环节。",
            signature,
        ),
        _email(
            "conversion.approved",
            "转换申请审核通过：{{ achievement }}",
            _GREETING
            + "您将学习成果“{{ achievement }}”转换为{{ target_institution }}“{{ target }}”的申请"
            "已经学习成果认证中心审核通过。\n\n"
            "学习成果认证中心将为您出具学习成果认证证明，请登录 {{ login_url }} 查看。"
            "您可持该证明到{{ target_institution }}办理最终的学习成果转换。",
            signature,
        ),
        _email(
            "conversion.rejected",
            "转换申请审核未通过：{{ achievement }}",
            _GREETING
            + "您将学习成果“{{ achievement }}”转换为{{ target_institution }}“{{ target }}”的申请未通过审核。\n"
            "审核意见：{{ opinion }}\n\n"
            "该学习成果仍保存在您的学分银行账户中，可按审核意见补充材料后重新申请。",
            signature,
        ),
        _email(
            "proof.issued",
            "学习成果认证证明已出具",
            _GREETING
            + "学习成果认证中心已为您出具学习成果认证证明，证明编号：{{ proof_code }}。\n\n"
            "任何人都可以在 {{ verify_url }} 查验该证明的真伪。"
            "您可持该证明到目标颁证机构办理最终的学习成果转换。",
            signature,
        ),
    ]


TEMPLATES = build_templates()
