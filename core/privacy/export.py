"""A copy of everything the bank holds about a learner (PIPL Art. 45), as one ZIP of JSON files:
the profile (ID number masked: the learner knows it, and a lost file must not leak it),
outcomes with their evidence list (names and digests, not the files), applications with their
review records, the notifications sent to them, and which units' staff saw their ID number, ID
scan or files. The download is itself an audit event."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

import msgspec

from core.accounts import audit as audit_log
from core.accounts import service as accounts
from core.accounts.tables import Account
from core.achievements.tables import Achievement, Evidence
from core.clock import utcnow
from core.db import one
from core.notifications.tables import Notification
from core.reviews.tables import Application, ReviewRecord
from core.security.principal import Principal
from core.tenancy.context import TenantContext

README = """学习者个人信息副本（依据《个人信息保护法》第四十五条）

profile.json          账户信息（证件号码已脱敏）
achievements.json     学习成果及其证明材料清单（文件名、大小、SHA-256；文件本身可在“我的成果”中下载）
applications.json     认定、转换、证明申请及各环节审核记录
notifications.json    发送给您的短信和邮件
access_log.json       哪些单位的工作人员查看过您的完整证件号码、身份证扫描件或材料
生成时间：{at}
"""


def _json(value) -> bytes:
    return msgspec.json.format(msgspec.json.encode(value), indent=2)


async def _access_log(tenant: TenantContext, learner_id: int) -> list:
    items, cursor = [], None
    while True:
        found = await audit_log.views_of_me(tenant.id, learner_id, cursor=cursor, limit=100,
                                            role_labels=tenant.hooks.wording.role_labels)
        items += found.items
        if found.next_cursor is None:
            return items
        cursor = int(found.next_cursor)


async def personal_data(tenant: TenantContext, learner: Principal, client: str = "") -> bytes:
    row = one(await Account.select().where(Account.id == learner.id, Account.tenant_id == tenant.id).first())
    profile = await accounts.account_out(row)
    outcomes = await Achievement.select().where(Achievement.tenant_id == tenant.id,
                                                Achievement.learner_id == learner.id).order_by(Achievement.id)
    files = await Evidence.select(Evidence.achievement_id, Evidence.item, Evidence.filename, Evidence.content_type,
                                  Evidence.size, Evidence.sha256, Evidence.created_at).where(
        Evidence.tenant_id == tenant.id, Evidence.achievement_id.is_in([o["id"] for o in outcomes] or [0]))
    for outcome in outcomes:
        outcome["evidence"] = [f for f in files if f["achievement_id"] == outcome["id"]]
    applications = await Application.select(
        Application.id, Application.kind, Application.status, Application.achievement_id, Application.created_at,
        Application.decided_at).where(Application.tenant_id == tenant.id, Application.learner_id == learner.id
                                      ).order_by(Application.id)
    records = await ReviewRecord.select(
        ReviewRecord.application_id, ReviewRecord.step_name, ReviewRecord.decision, ReviewRecord.opinion,
        ReviewRecord.unit_name, ReviewRecord.created_at).where(
        ReviewRecord.tenant_id == tenant.id, ReviewRecord.application_id.is_in([a["id"] for a in applications] or [0]))
    for application in applications:
        application["records"] = [r for r in records if r["application_id"] == application["id"]]
    sent = await Notification.select(Notification.event, Notification.channel, Notification.subject, Notification.body,
                                     Notification.status, Notification.created_at, Notification.sent_at).where(
        Notification.tenant_id == tenant.id, Notification.account_id == learner.id).order_by(Notification.id)
    views = await _access_log(tenant, learner.id)
    at: datetime = utcnow()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("README.txt", README.format(at=f"{at:%Y-%m-%d %H:%M:%S} UTC"))
        for name, value in (("profile.json", profile), ("achievements.json", outcomes),
                            ("applications.json", applications), ("notifications.json", sent),
                            ("access_log.json", views)):
            archive.writestr(name, _json(value))
    await audit_log.audit(tenant.id, learner.id, "learner.export_data", f"account:{learner.id}", actor_kind="learner",
                          client=client, changes={"achievements": len(outcomes), "applications": len(applications),
                                                  "notifications": len(sent)})
    return buffer.getvalue()
