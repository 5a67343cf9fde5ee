"""Accounts in Gansu: the national OUC flow (activation and self-registration, both reviewed
within 1–2 working days), except that the provincial school's academic office (省校教务处)
reviews the accounts: “省校教务处对注册及激活的账户申请…进行审核并反馈相关情况”."""

from __future__ import annotations

import msgspec

from plugins.national_ouc import accounts as national

ACCOUNT_REVIEWER_LEVEL = "provincial_school"

REGISTRATION_POLICY = msgspec.structs.replace(national.REGISTRATION_POLICY, reviewer_level=ACCOUNT_REVIEWER_LEVEL)
