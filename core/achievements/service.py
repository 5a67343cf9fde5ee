"""A learner's learning outcomes: adding them from the taxonomy and the catalog, evidence
files, the status counts of 我的信息, and integrity checks for staff.

Whether an outcome is recognised on entry, waits for the learner to apply, or goes to review
at once is the sub-type's ``recognition`` in the plugin's taxonomy; core never names a
province.
"""

from __future__ import annotations

import uuid
from datetime import date

import msgspec

from core import db
from core.accounts.audit import audit
from core.accounts.tables import Account
from core.achievements.schemas import (
    AchievementIn,
    AchievementOut,
    AchievementPage,
    DuplicateClaim,
    EvidenceOut,
    Summary,
)
from core.achievements.tables import Achievement, Evidence
from core.catalog.fields import check_value, field_error
from core.catalog.tables import CatalogEntry
from core.certificates.tables import ProofRequestItem
from core.clock import utcnow
from core.errors import DomainError
from core.province import Subtype, Taxonomy
from core.reviews.service import OPEN, open_store_review
from core.reviews.tables import Application
from core.rules.service import rule_counts
from core.storage import Storage, StorageUnavailable
from core.storage.files import clean_filename, inspect_file
from core.tenancy.service import TenantContext
from core.workdays import due_at

STATUSES = ("catalog", "unapplied", "applied", "recognized", "rejected")
# Fields whose value names the outcome when the learner typed everything in, first found wins.
_NAME_FIELDS = ("achievement_name", "certificate_name", "course_name", "training_name", "programme_name",
                "competition_name", "skill_name", "title", "project_name", "item_name", "honor_name")


class AchievementError(DomainError):
    pass


def _subtype(taxonomy: Taxonomy, category: str, subtype: str) -> Subtype:
    sub = taxonomy.subtype(category, subtype)
    if sub is None:
        raise field_error("subtype", f"成果分类 {category}/{subtype} 不存在")
    return sub


def _labels(taxonomy: Taxonomy, category: str, subtype: str) -> tuple[str, str]:
    for cat in taxonomy.categories:
        if cat.code == category:
            sub = next((s for s in cat.subtypes if s.code == subtype), None)
            return cat.label, sub.label if sub else subtype
    return category, subtype


def _json(value) -> dict:
    return msgspec.json.decode(value) if isinstance(value, str) else value or {}


def achievement_out(row: dict, taxonomy: Taxonomy, evidence: list[dict] | None = None,
                    applications: list[dict] | None = None) -> AchievementOut:
    category_label, subtype_label = _labels(taxonomy, row["category"], row["subtype"])
    return AchievementOut(
        id=row["id"], category=row["category"], subtype=row["subtype"], category_label=category_label,
        subtype_label=subtype_label, catalog_entry_id=row["catalog_entry_id"], name=row["name"],
        institution=row["institution"], status=row["status"], source=row["source"], fields=_json(row["fields"]),
        obtained_at=row["obtained_at"], review_due_at=row["review_due_at"], created_at=row["created_at"],
        evidence=[evidence_out(e) for e in evidence or []], applications=applications or [],
    )


def evidence_out(row: dict) -> EvidenceOut:
    return EvidenceOut(id=row["id"], item=row["item"], filename=row["filename"], content_type=row["content_type"],
                       size=row["size"], sha256=row["sha256"], created_at=row["created_at"])


async def add_achievement(tenant: TenantContext, learner_id: int, data: AchievementIn) -> AchievementOut:
    """Store a learner's outcome. Picking a catalog entry fills the catalog fields (and wins
    over whatever was sent for them); "not in the list" types every field."""
    taxonomy = tenant.hooks.taxonomy
    sub = _subtype(taxonomy, data.category, data.subtype)
    entry = None
    given = dict(data.fields)
    if data.catalog_entry_id is not None:
        entry = await CatalogEntry.select().where(
            CatalogEntry.id == data.catalog_entry_id, CatalogEntry.tenant_id == tenant.id, CatalogEntry.active.eq(True)
        ).first()
        if entry is None:
            raise field_error("catalog_entry_id", "名录条目不存在")
        if (entry["category"], entry["subtype"]) != (data.category, data.subtype):
            raise field_error("catalog_entry_id", "所选名录条目不属于该成果分类")
        given.update(_json(entry["fields"]))
    known = {f.name for f in sub.fields}
    unknown = sorted(set(given) - known)
    if unknown:
        raise field_error(unknown[0], f"字段 {'、'.join(unknown)} 不属于“{sub.label}”")
    values = {f.name: check_value(f, given.get(f.name)) for f in sub.fields}
    values = {k: v for k, v in values.items() if v is not None}

    name = (data.name or "").strip() or (entry["name"] if entry else "") or next(
        (str(values[f]) for f in _NAME_FIELDS if values.get(f)), "")
    if not name:
        raise field_error("name", "请填写成果名称")
    obtained = data.obtained_at or next(
        (date.fromisoformat(values[f.name]) for f in sub.fields if f.type == "date" and values.get(f.name)), None)
    if obtained and obtained > date.today():
        raise field_error("obtained_at", "取得时间不能晚于今天")

    now = utcnow()
    due = None
    if sub.recognition == "catalog_auto" and entry is not None:
        status = "catalog"
    elif sub.recognition == "review_on_store":
        status = "applied"
        due = due_at(now, sub.review_days or 10)
    else:
        status = "unapplied"
    institution = entry["institution"] if entry else next(
        (str(values[f]) for f in ("institution", "issuer", "issuing_body", "issuing_institution", "school_name",
                                  "training_provider", "completing_unit", "organizer", "employer") if values.get(f)), "")
    row = Achievement(
        tenant_id=tenant.id, learner_id=learner_id, category=data.category, subtype=data.subtype,
        catalog_entry_id=entry["id"] if entry else None, name=name[:200], institution=institution[:200],
        fields=msgspec.json.encode(values).decode(), obtained_at=obtained, status=status, source="self",
        certificate_no=next((str(v) for k, v in values.items() if k.endswith("certificate_no")), "")[:100],
        review_due_at=due, created_at=now, updated_at=now,
    )
    async with Achievement._meta.db.transaction():
        await row.save()
        await audit(tenant.id, learner_id, "achievement.store", f"achievement:{row.id}", actor_kind="learner",
                    changes={"category": data.category, "subtype": data.subtype, "catalog_entry_id": data.catalog_entry_id})
        if status == "applied":  # reviewed on storing: the review opens with the achievement
            await open_store_review(tenant, learner_id, row.id, data.category, data.subtype)
    return await get_achievement(tenant, learner_id, row.id)


async def _own_row(tenant: TenantContext, learner_id: int, achievement_id: int) -> dict:
    row = await Achievement.select().where(
        Achievement.id == achievement_id, Achievement.tenant_id == tenant.id, Achievement.learner_id == learner_id
    ).first()
    if row is None:
        raise AchievementError("未找到该成果", 404)
    return row


async def get_achievement(tenant: TenantContext, learner_id: int, achievement_id: int) -> AchievementOut:
    row = await _own_row(tenant, learner_id, achievement_id)
    evidence = await Evidence.select().where(Evidence.achievement_id == row["id"]).order_by(Evidence.id)
    applications = await Application.select(
        Application.id, Application.kind, Application.status, Application.rule_id, Application.target_achievement_id,
        Application.created_at).where(Application.achievement_id == row["id"]).order_by(Application.id)
    return achievement_out(row, tenant.hooks.taxonomy, evidence, applications)


# The columns ``achievement_out`` and ``rule_counts`` read.
_LIST_COLUMNS = ("id, category, subtype, catalog_entry_id, name, institution, fields, obtained_at, status, source, "
                 "review_due_at, created_at")


async def list_achievements(tenant: TenantContext, learner_id: int, *, status: str | None, cursor: int | None,
                            limit: int) -> AchievementPage:
    """The learner's outcomes, newest first, a page at a time (keyset on id).

    A hot read path (every visit to 我的成果), so one raw statement: Piccolo's query builder
    costs more than the indexed read itself."""
    if status and status not in STATUSES:
        raise field_error("status", f"状态应为：{'、'.join(STATUSES)}")
    where: list[str] = ["tenant_id = $1", "learner_id = $2"]
    args: list[object] = [tenant.id, learner_id]
    if status:
        args.append(status)
        where.append(f"status = ${len(args)}")
    if cursor:
        args.append(cursor)
        where.append(f"id < ${len(args)}")
    rows = await db.fetch(Achievement, f"SELECT {_LIST_COLUMNS} FROM achievement WHERE {' AND '.join(where)} "
                                       f"ORDER BY id DESC LIMIT {int(limit) + 1}", *args)
    page = rows[:limit]
    taxonomy = tenant.hooks.taxonomy
    counts = await rule_counts(tenant.id, page)
    items = [achievement_out(r, taxonomy) for r in page]
    for item in items:
        item.usable_rules, item.used_rules = counts.get(item.id, (0, 0))
    return AchievementPage(items=items, next_cursor=str(items[-1].id) if len(rows) > limit else None)


async def summary(tenant: TenantContext, learner_id: int) -> Summary:
    """The counts of 我的信息: 成果总数, 名录成果, 未申请, 已申请, 已认定, 认定未通过."""
    rows = await Achievement.raw(
        "SELECT status, COUNT(*) AS n FROM achievement WHERE tenant_id = {} AND learner_id = {} GROUP BY status",
        tenant.id, learner_id)
    counts = {r["status"]: int(r["n"]) for r in rows}
    return Summary(total=sum(counts.values()), **{s: counts.get(s, 0) for s in STATUSES})


async def deletion_refusal(tenant: TenantContext, row: dict) -> tuple[str, int | None] | None:
    """Why the outcome ``row`` may not be deleted, or None when it may: (message, the id of the
    open application to withdraw first, or None). An application (open or decided) or a proof
    that names the outcome would lose its source; only withdrawn applications let it go."""
    if row["source"] == "converted":
        return "转换所得的成果不能删除", None
    used = await Application.select(Application.id, Application.status, Application.kind).where(
        Application.tenant_id == tenant.id, Application.status != "withdrawn",
        (Application.achievement_id == row["id"]) | (Application.target_achievement_id == row["id"]))
    listed = await ProofRequestItem.select(ProofRequestItem.application_id).where(
        ProofRequestItem.tenant_id == tenant.id, ProofRequestItem.achievement_id == row["id"])
    if listed:
        used += await Application.select(Application.id, Application.status, Application.kind).where(
            Application.id.is_in([r["application_id"] for r in listed]), Application.status != "withdrawn")
    if open_ := next((a for a in used if a["status"] in OPEN), None):
        return "该成果正在审核中，不能删除；如不再需要，请先撤回该申请", open_["id"]
    if any(a["kind"] == "certificate" and a["status"] == "approved" for a in used):
        return "该成果已列入出具的学习成果证明，不能删除", None
    if used:
        return "该成果已有审核结论，审核记录以它为依据，不能删除", None
    if row["status"] == "applied":
        return "该成果正在审核中，不能删除", None
    return None


async def delete_achievement(tenant: TenantContext, storage: Storage, learner_id: int, achievement_id: int) -> None:
    """Remove an outcome and its files; refused while an application or a proof rests on it
    (``deletion_refusal``)."""
    row = await _own_row(tenant, learner_id, achievement_id)
    if refusal := await deletion_refusal(tenant, row):
        raise AchievementError(refusal[0], 409, extra={"application_id": refusal[1]} if refusal[1] else None)
    keys = [e["storage_key"] for e in await Evidence.select(Evidence.storage_key).where(Evidence.achievement_id == row["id"])]
    async with Achievement._meta.db.transaction():
        await Evidence.delete().where(Evidence.achievement_id == row["id"])
        await Achievement.delete().where(Achievement.id == row["id"])
        await audit(tenant.id, learner_id, "achievement.delete", f"achievement:{row['id']}", actor_kind="learner",
                    changes={"name": row["name"], "files": len(keys)})
    for key in keys:  # after the commit: a failure here leaves an orphan file, found by `storage check`
        try:
            await storage.delete(key)
        except StorageUnavailable:
            pass


# ---------------------------------------------------------------------------------------------
# Evidence


def accepts_evidence(status: str, source: str, applications: list[dict]) -> bool:
    """Whether files may still be added to an outcome (``applications``: its ``{kind, status}``):
    not once converted or recognized, nor under review — except while the review opened by
    storing it or by a recognition request awaits its first decision, so that the scans can
    follow an outcome that goes to review as it is stored."""
    if source == "converted" or status == "recognized":
        return False
    if status == "applied":
        return any(a["kind"] in ("store_review", "recognition") and a["status"] == "submitted" for a in applications)
    return True


async def add_evidence(tenant: TenantContext, storage: Storage, learner_id: int, achievement_id: int,
                       filename: str, content: bytes, item: str, max_bytes: int) -> EvidenceOut:
    """Store one evidence file: type judged by content against what the sub-type's evidence
    item accepts, size capped, SHA-256 recorded. The file is written before its row and
    removed again if the row cannot be written, so neither exists without the other."""
    row = await _own_row(tenant, learner_id, achievement_id)
    applications = await Application.select(Application.kind, Application.status).where(
        Application.achievement_id == row["id"]) if row["status"] == "applied" else []
    if not accepts_evidence(row["status"], row["source"], applications):
        raise AchievementError("成果已提交审核或已认定，不能再修改材料", 409)
    sub = _subtype(tenant.hooks.taxonomy, row["category"], row["subtype"])
    if item and not any(e.name == item for e in sub.evidence):
        raise field_error("item", f"“{sub.label}”没有名为 {item} 的证明材料")
    allowed = next((e.file_types for e in sub.evidence if e.name == item), None) or sorted(
        {t for e in sub.evidence for t in e.file_types} or {"jpg", "png", "gif"})
    info = inspect_file(content, allowed, max_bytes)
    key = f"{tenant.id}/evidence/{row['id']}/{uuid.uuid4().hex}.{info.ext}"
    await storage.put(key, content, info.content_type)
    evidence = Evidence(tenant_id=tenant.id, achievement_id=row["id"], item=item,
                        filename=clean_filename(filename, f"evidence.{info.ext}"), content_type=info.content_type,
                        size=info.size, sha256=info.sha256, storage_key=key, uploaded_by=learner_id, created_at=utcnow())
    try:
        await evidence.save()
    except BaseException:
        await storage.delete(key)
        raise
    return evidence_out(evidence.to_dict())


async def evidence_for_owner(tenant: TenantContext, learner_id: int, achievement_id: int, evidence_id: int) -> dict:
    await _own_row(tenant, learner_id, achievement_id)
    row = await Evidence.select().where(Evidence.id == evidence_id, Evidence.achievement_id == achievement_id,
                                        Evidence.tenant_id == tenant.id).first()
    if row is None:
        raise AchievementError("未找到该材料", 404)
    return row


# ---------------------------------------------------------------------------------------------
# Integrity


async def duplicate_certificates(tenant: TenantContext, covers) -> list[DuplicateClaim]:
    """Certificate numbers claimed by more than one learner of the tenant, for staff whose
    scope covers at least one of the learners."""
    rows = await Achievement.raw(
        "SELECT a.certificate_no, a.category, a.subtype, a.id, a.learner_id, a.name, a.status, u.path "
        "FROM achievement a JOIN account acc ON acc.tenant_id = a.tenant_id AND acc.id = a.learner_id "
        "LEFT JOIN org_unit u ON u.tenant_id = acc.tenant_id AND u.id = acc.unit_id "
        "WHERE a.tenant_id = {} AND a.certificate_no <> '' AND a.certificate_no IN ("
        "  SELECT certificate_no FROM achievement WHERE tenant_id = {} AND certificate_no <> '' "
        "  GROUP BY certificate_no, category, subtype HAVING COUNT(DISTINCT learner_id) > 1"
        ") ORDER BY a.certificate_no, a.id",
        tenant.id, tenant.id)
    names = {r["id"]: r["real_name"] for r in await Account.select(Account.id, Account.real_name).where(
        Account.id.is_in([r["learner_id"] for r in rows] or [0]))}
    groups: dict[str, list[dict]] = {}
    for r in rows:
        groups.setdefault(r["certificate_no"], []).append(r)
    return [
        DuplicateClaim(certificate_no=no, achievements=[
            {"id": r["id"], "learner_id": r["learner_id"], "learner_name": names.get(r["learner_id"], "")[:1] + "**",
             "name": r["name"], "status": r["status"]} for r in group])
        for no, group in groups.items()
        if len({r["learner_id"] for r in group}) > 1 and any(covers(r["path"]) for r in group)
    ]
