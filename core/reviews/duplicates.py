"""Possible duplicates an application's reviewer should see (TES-style warnings): another
outcome with the same certificate number in the tenant — claimed by another learner, or
entered twice — and the same record (sub-type, name, institution, fields) entered twice by
the learner. Warnings only: the reviewer decides."""

from __future__ import annotations

import msgspec

from core.accounts.tables import Account
from core.achievements.schemas import STATUS_LABELS
from core.achievements.tables import Achievement
from core.reviews.schemas import DuplicateOut
from core.reviews.tables import Application
from core.tenancy.context import TenantContext

LIMIT = 20  # a page of warnings is plenty; more than that is a data problem for the admins


async def duplicates_of(tenant: TenantContext, achievement_id: int | None) -> list[DuplicateOut]:
    if achievement_id is None:
        return []
    this = await Achievement.select().where(Achievement.id == achievement_id, Achievement.tenant_id == tenant.id).first()
    if this is None:
        return []
    found: dict[int, str] = {}
    number = (this["certificate_no"] or "").strip()
    if number:
        for r in await Achievement.select(Achievement.id).where(
                Achievement.tenant_id == tenant.id, Achievement.certificate_no == number,
                Achievement.id != this["id"]).limit(LIMIT):
            found[r["id"]] = "certificate_no"
    for r in await Achievement.select(Achievement.id, Achievement.fields, Achievement.institution).where(
            Achievement.tenant_id == tenant.id, Achievement.learner_id == this["learner_id"],
            Achievement.subtype == this["subtype"], Achievement.name == this["name"],
            Achievement.id != this["id"]).limit(LIMIT):
        if r["institution"] == this["institution"] and _same(r["fields"], this["fields"]):
            found.setdefault(r["id"], "same_record")
    if not found:
        return []
    rows = await Achievement.select(Achievement.id, Achievement.name, Achievement.status, Achievement.learner_id,
                                    Achievement.certificate_no).where(Achievement.id.is_in(list(found)))
    names = {a["id"]: a["real_name"] for a in await Account.select(Account.id, Account.real_name).where(
        Account.id.is_in([r["learner_id"] for r in rows]))}
    applications: dict[int, int] = {}
    for a in await Application.select(Application.id, Application.achievement_id).where(
            Application.tenant_id == tenant.id, Application.achievement_id.is_in(list(found))).order_by(Application.id):
        applications[a["achievement_id"]] = a["id"]  # the latest application of each
    return [DuplicateOut(
        achievement_id=r["id"], achievement_name=r["name"], status=r["status"],
        status_label=STATUS_LABELS.get(r["status"], r["status"]), learner_name=names.get(r["learner_id"], ""),
        same_learner=r["learner_id"] == this["learner_id"], reason=found[r["id"]],
        reason_label="证书编号相同" if found[r["id"]] == "certificate_no" else "同一学习者重复录入的相同成果",
        application_id=applications.get(r["id"]),
    ) for r in sorted(rows, key=lambda r: r["id"])]


def _fields(value) -> dict:
    return msgspec.json.decode(value) if isinstance(value, str) else (value or {})


def _same(a, b) -> bool:
    return _fields(a) == _fields(b)
