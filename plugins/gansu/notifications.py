"""The national OUC e-mail texts, signed with the Gansu provincial school's contacts."""

from __future__ import annotations

from plugins.gansu.content import CONTACT_PEOPLE, PHONES, PROVINCIAL_SCHOOL, QQ_GROUP
from plugins.national_ouc.notifications import SIGNATURE as NATIONAL_SIGNATURE
from plugins.national_ouc.notifications import build_templates

SIGNATURE = (
    f"{PROVINCIAL_SCHOOL}（国家开放大学学分银行）\n"
    f"省校联系人：{'、'.join(CONTACT_PEOPLE)}　电话：{'、'.join(PHONES)}\n"
    f"甘肃电大学分银行工作QQ群：{QQ_GROUP}\n"
    + NATIONAL_SIGNATURE.split("\n", 1)[1]  # the national technical-support line
)

TEMPLATES = build_templates(SIGNATURE)
