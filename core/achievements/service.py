"""A learner's learning outcomes: adding them from the taxonomy and the catalog, evidence
files, the status counts of 我的信息, and integrity checks for staff.

Whether an outcome is recognised on entry, waits for the learner to apply, or goes to review
at once is the sub-type's ``recognition`` in the plugin's taxonomy; core never names a
province.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date

import msgspec

from core import db
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
from core.clock import utcnow
from core.errors import DomainError
from core.events import Actor, OutcomeDeleting, OutcomeStored, publish
from core.hierarchy.tables import OrgUnit
from core.paging import page_of
from core.province import Subtype, Taxonomy
from core.rules.service import rule_counts
from core.storage import Storage, StorageUnavailable
from core.storage.files import clean_filename, inspect_file
from core.tenancy.context import TenantContext
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


async def mark_collected(tenant: TenantContext, rows: list[dict], items: list[AchievementOut]) -> None:
    """Name, on each outcome entered at a service window, the unit that collected it."""
    ids = {r["collected_by_unit_id"] for r in rows if r.get("collected_by_unit_id")}
    if not ids:
        return
    units = {u["id"]: u for u in await OrgUnit.select(OrgUnit.id, OrgUnit.code, OrgUnit.name).where(
        OrgUnit.tenant_id == tenant.id, OrgUnit.id.is_in(list(ids)))}
    for row, item in zip(rows, items):
        unit = units.get(row.get("collected_by_unit_id"))
        if unit:
            item.collected_by, item.collected_by_code = unit["name"], unit["code"]


def evidence_out(row: dict) -> EvidenceOut:
    return EvidenceOut(id=row["id"], item=row["item"], filename=row["filename"], content_type=row["content_type"],
                       size=row["size"], sha256=row["sha256"], created_at=row["created_at"])


def outcome_values(sub: Subtype, given: dict, name: str | None, obtained_at: date | None,
                   entry: dict | None = None) -> tuple[dict, str, date | None, str, str]:
    """``(values, name, obtained_at, institution, certificate_no)`` of an outcome of ``sub``
    from the values ``given`` (a catalog entry's fields merged in already), each checked
    against the sub-type's fields; a ``field_error`` (400 naming the field) otherwise. No
    database: the bulk import checks its rows with it too."""
    known = {f.name for f in sub.fields}
    unknown = sorted(set(given) - known)
    if unknown:
        raise field_error(unknown[0], f"字段 {'、'.join(unknown)} 不属于“{sub.label}”")
    values = {f.name: check_value(f, given.get(f.name)) for f in sub.fields}
    values = {k: v for k, v in values.items() if v is not None}

    name = (name or "").strip() or (entry["name"] if entry else "") or next(
        (str(values[f]) for f in _NAME_FIELDS if values.get(f)), "")
    if not name:
        raise field_error("name", "请填写成果名称")
    obtained = obtained_at or next(
        (date.fromisoformat(values[f.name]) for f in sub.fields if f.type == "date" and values.get(f.name)), None)
    if obtained and obtained > date.today():
        raise field_error("obtained_at", "取得时间不能晚于今天")
    institution = entry["institution"] if entry else next(
        (str(values[f]) for f in ("institution", "issuer", "issuing_body", "issuing_institution", "school_name",
                                  "training_provider", "completing_unit", "organizer", "employer") if values.get(f)), "")
    certificate_no = next((str(v) for k, v in values.items() if k.endswith("certificate_no")), "")
    return values, name[:200], obtained, institution[:200], certificate_no[:100]


@dataclass(frozen=True)
class Collected:
    """An outcome entered at a service window: by ``staff_id`` of ``unit`` (``{id, code, name,
    path}``); ``also`` runs in the storing transaction once the row exists (the learner's
    notice)."""

    unit: dict
    staff_id: int
    key: str
    also: Callable[[Achievement], Awaitable[None]] | None = None


async def add_achievement(tenant: TenantContext, learner_id: int, data: AchievementIn,
                          collected: Collected | None = None) -> AchievementOut:
    """Store a learner's outcome. Picking a catalog entry fills the catalog fields (and wins
    over whatever was sent for them); "not in the list" types every field. ``collected``: it
    was entered for the learner at a service window (``core.achievements.collection``); one
    whose sub-type is not recognized on entry then goes to recognition at once through the
    collecting unit where the province's ``collected_recognition`` is ``submit``."""
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
    values, name, obtained, institution, certificate_no = outcome_values(sub, given, data.name, data.obtained_at, entry)
    for f in sub.fields:
        if f.type == "unit" and f.name in values and not await OrgUnit.exists().where(
                OrgUnit.tenant_id == tenant.id, OrgUnit.code == str(values[f.name])):
            raise field_error(f.name, f"{f.label}：单位 {values[f.name]} 不存在，请从列表中选择")

    now = utcnow()
    due = None
    submit_collected = False
    if sub.recognition == "catalog_auto" and entry is not None:
        status = "catalog"
    elif sub.recognition == "review_on_store":
        status = "applied"
        due = due_at(now, sub.review_days or 10)
    elif collected is not None and tenant.hooks.review_policy.collected_recognition == "submit":
        status, submit_collected = "applied", True
    else:
        status = "unapplied"
    row = Achievement(
        tenant_id=tenant.id, learner_id=learner_id, category=data.category, subtype=data.subtype,
        catalog_entry_id=entry["id"] if entry else None, name=name, institution=institution,
        fields=msgspec.json.encode(values).decode(), obtained_at=obtained, status=status, source="self",
        certificate_no=certificate_no, review_due_at=due, created_at=now, updated_at=now,
        collected_by_unit_id=collected.unit["id"] if collected else None,
        collected_by_staff_id=collected.staff_id if collected else None,
        collected_key=collected.key if collected else None,
    )
    async with Achievement._meta.db.transaction():
        await row.save()
        # reviews reacts in this transaction: the review on storing, or the recognition of an
        # outcome collected at a window through the collecting unit (where none opens, the
        # outcome waits for the learner: unapplied)
        actor = Actor(id=collected.staff_id, kind="staff", unit_id=collected.unit["id"]) if collected is not None \
            else Actor(id=learner_id, kind="learner")
        await publish(tenant, OutcomeStored(tenant_id=tenant.id, actor=actor, target_id=row.id, learner_id=learner_id,
                                            category=data.category, subtype=data.subtype, status=status,
                                            collected_unit=collected.unit if submit_collected and collected else None))
        if collected is not None and collected.also is not None:
            await collected.also(row)
    return await get_achievement(tenant, learner_id, row.id)


async def _own_row(tenant: TenantContext, learner_id: int, achievement_id: int) -> dict:
    row = await Achievement.select().where(
        Achievement.id == achievement_id, Achievement.tenant_id == tenant.id, Achievement.learner_id == learner_id
    ).first()
    if row is None:
        raise AchievementError("未找到该成果", 404)
    return row


# The applications on an outcome, read from reviews' table by name: achievements sits below
# reviews and imports none of it; it only reads (docs/architecture.md, "Reads across layers").
_APPLICATIONS_SQL = ("SELECT id, kind, status, rule_id, target_achievement_id, created_at FROM application "
                     "WHERE tenant_id = $1 AND achievement_id = $2 ORDER BY id")


async def applications_on(tenant_id: int, achievement_id: int) -> list[dict]:
    """The applications made on an outcome (``{id, kind, status, rule_id,
    target_achievement_id, created_at}``), oldest first."""
    return [dict(r) for r in await db.fetch(Achievement, _APPLICATIONS_SQL, tenant_id, achievement_id)]


async def get_achievement(tenant: TenantContext, learner_id: int, achievement_id: int) -> AchievementOut:
    row = await _own_row(tenant, learner_id, achievement_id)
    evidence = await Evidence.select().where(Evidence.achievement_id == row["id"]).order_by(Evidence.id)
    applications = await applications_on(tenant.id, row["id"])
    out = achievement_out(row, tenant.hooks.taxonomy, evidence, applications)
    await mark_collected(tenant, [row], [out])
    if row["collected_by_unit_id"]:
        from core.achievements.collection import latest_dispute  # the module builds on this one

        out.dispute = await latest_dispute(tenant, row["id"])
    return out


# The columns ``achievement_out`` and ``rule_counts`` read.
_LIST_COLUMNS = ("id, category, subtype, catalog_entry_id, name, institution, fields, obtained_at, status, source, "
                 "review_due_at, created_at, collected_by_unit_id")


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
    counts = await rule_counts(tenant.id, page, tenant.hooks)
    items = [achievement_out(r, taxonomy) for r in page]
    await mark_collected(tenant, page, items)
    for item in items:
        item.usable_rules, item.used_rules = counts.get(item.id, (0, 0))
    return page_of(rows, limit, items)


async def summary(tenant: TenantContext, learner_id: int) -> Summary:
    """The counts of 我的信息: 成果总数, 名录成果, 未申请, 已申请, 已认定, 认定未通过."""
    rows = await Achievement.raw(
        "SELECT status, COUNT(*) AS n FROM achievement WHERE tenant_id = {} AND learner_id = {} GROUP BY status",
        tenant.id, learner_id)
    counts = {r["status"]: int(r["n"]) for r in rows}
    return Summary(total=sum(counts.values()), **{s: counts.get(s, 0) for s in STATUSES})


async def delete_achievement(tenant: TenantContext, storage: Storage, learner_id: int, achievement_id: int) -> None:
    """Remove an outcome and its files; refused while an application or a proof rests on it
    (``OutcomeDeleting``: ``core.reviews.reactions.deletion_refusal``)."""
    row = await _own_row(tenant, learner_id, achievement_id)
    keys = [e["storage_key"] for e in await Evidence.select(Evidence.storage_key).where(Evidence.achievement_id == row["id"])]
    async with Achievement._meta.db.transaction():
        # reviews refuses (raises) while an application or a proof rests on the outcome
        await publish(tenant, OutcomeDeleting(tenant_id=tenant.id, actor=Actor(id=learner_id, kind="learner"),
                                              target_id=row["id"], row=row))
        await Evidence.delete().where(Evidence.achievement_id == row["id"])
        await Achievement.delete().where(Achievement.id == row["id"])
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
    applications = await applications_on(tenant.id, row["id"]) if row["status"] == "applied" else []
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
