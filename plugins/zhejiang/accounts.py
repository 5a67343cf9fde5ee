"""Accounts in Zhejiang: opened at a service window (seed 004, 二.2).

The acceptance point “设置服务窗口，受理开户申请，负责身份认证、信息录入”: a learner's account is
opened by acceptance-point staff after they have checked the learner's identity document, so
there is no self-registration form and no account review (the identity check IS the review).
The learner then activates the account with an SMS code sent to the mobile number recorded at
the window and sets a password. The username is the ID number (居民身份证号码; the 18-character
港澳台居民居住证 and 外国人永久居留身份证 numbers have the same shape); a learner may also log in
with the ID number or the mobile number.
"""

from __future__ import annotations

from core.province import PasswordPolicy, RegistrationPolicy, UsernameScheme

USERNAME_SCHEME = UsernameScheme(
    imported="{id_number}",
    self_registered="id_number",  # no self-registration; stated for completeness
    pattern=r"^[0-9]{17}[0-9Xx]$",
    pattern_message="用户名为 18 位公民身份号码（末位可为 X）",
    login_by=["username", "id_number", "phone"],
)

REGISTRATION_POLICY = RegistrationPolicy(
    self_registration=False,
    terms_required=True,  # the learner accepts the terms when activating
    fields=[],
    verify=[],
    id_scan_required=False,
    region_required=False,
    account_review=False,
    reviewer_level=None,
    activation=True,
    activation_channels=["sms"],
    activation_review=False,
    window_opening=True,
)

PASSWORD_POLICY = PasswordPolicy(
    min_length=8,
    max_length=20,
    min_classes=2,
    strength_meter=True,
    description="密码由 8–20 位字母、数字或特殊符号组成，至少包含其中两类",
)
