"""Conversion rules and agreements: management, public search, and matching rules to a
learner's achievements (可转换规则数 / 已用转换规则数)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import msgspec

from core import db
from core.catalog.fields import field_error
from core.catalog.service import entry_out
from core.catalog.tables import CatalogEntry
from core.clock import utcnow
from core.db import one
from core.errors import DomainError
from core.events import SYSTEM, Actor, RuleTermsChanging, publish
from core.paging import page_of
from core.rules.schemas import EntryRef, RuleIn, RuleOut, RulePage, RulePatch, RuleTarget
from core.rules.tables import Agreement, Rule, RuleSource

LIVE = ("submitted", "in_review", "approved")  # application statuses that use a rule


class RuleError(DomainError):
    pass


async def resolve_entry(tenant_id: int, ref: EntryRef, field: str) -> int:
    """A catalog entry of the tenant by id, by ``project_name|name|institution``, or by a name
    that only one entry has."""
    query = CatalogEntry.select(CatalogEntry.id).where(CatalogEntry.tenant_id == tenant_id, CatalogEntry.active.eq(True))
    if isinstance(ref, int) or (isinstance(ref, str) and ref.strip().isdigit()):
        rows = await query.where(CatalogEntry.id == int(ref))
    elif "|" in ref:
        parts = [p.strip() for p in ref.split("|")]
        if len(parts) != 3:
            raise field_error(field, f"名录条目“{ref}”应写作 项目名称|成果名称|资历机构名称")
        rows = await query.where(CatalogEntry.project_name == parts[0], CatalogEntry.name == parts[1],
                                 CatalogEntry.institution == parts[2])
    else:
        rows = await query.where(CatalogEntry.name == ref.strip())
        if len(rows) > 1:
            raise field_error(field, f"名录中有 {len(rows)} 个“{ref}”，请写作 项目名称|成果名称|资历机构名称 或使用编号")
    if not rows:
        raise field_error(field, f"名录条目“{ref}”不存在")
    return rows[0]["id"]


async def _agreement_id(tenant_id: int, name: str) -> int | None:
    if not name.strip():
        return None
    row = await Agreement.select(Agreement.id).where(Agreement.tenant_id == tenant_id, Agreement.name == name.strip()).first()
    if row:
        return row["id"]
    agreement = Agreement(tenant_id=tenant_id, name=name.strip(), created_at=utcnow())
    await agreement.save()
    return agreement.id


async def create_rule(tenant_id: int, data: RuleIn) -> int:
    """A published rule; the caller runs it in a transaction. Sources and target must be the
    tenant's own catalog entries."""
    if data.valid_from and data.valid_to and data.valid_to < data.valid_from:
        raise field_error("valid_to", "失效日期不能早于生效日期")
    if await Rule.exists().where(Rule.tenant_id == tenant_id, Rule.name == data.name.strip()):
        raise field_error("name", f"规则“{data.name}”已存在", 409)
    sources = [await resolve_entry(tenant_id, ref, "sources") for ref in data.sources]
    target = await resolve_entry(tenant_id, data.target, "target")
    if target in sources:
        raise field_error("target", "目标成果不能同时是源成果")
    rule = Rule(tenant_id=tenant_id, agreement_id=await _agreement_id(tenant_id, data.agreement), name=data.name.strip(),
                description=data.description.strip() or data.name.strip(), target_entry_id=target, credits=data.credits,
                ratio=data.ratio, valid_from=data.valid_from, valid_to=data.valid_to, created_at=utcnow())
    await rule.save()
    await RuleSource.insert(*[RuleSource(tenant_id=tenant_id, rule_id=rule.id, catalog_entry_id=s) for s in dict.fromkeys(sources)])
    return rule.id


def rule_from_row(row: dict[str, str]) -> RuleIn:
    """A rule from a CSV/XLSX row: ``agreement, name, description, sources`` (separated by
    ``;``), ``target, credits, ratio, valid_from, valid_to``."""
    try:
        return RuleIn(
            name=(row.get("name") or "").strip(), description=row.get("description") or "",
            agreement=row.get("agreement") or "",
            sources=[s.strip() for s in (row.get("sources") or "").split(";") if s.strip()],
            target=(row.get("target") or "").strip(), credits=float(row.get("credits") or 0),
            ratio=int(row.get("ratio") or 100),
            valid_from=date.fromisoformat(row["valid_from"]) if row.get("valid_from") else None,
            valid_to=date.fromisoformat(row["valid_to"]) if row.get("valid_to") else None,
        )
    except (ValueError, msgspec.ValidationError) as exc:
        raise RuleError(f"规则数据无效：{exc}") from exc


async def add_rule_unless_named(tenant_id: int, row: dict[str, str]) -> bool:
    """Create the row's rule unless one of that name exists; True if it was created."""
    data = rule_from_row(row)
    if await Rule.exists().where(Rule.tenant_id == tenant_id, Rule.name == data.name):
        return False
    await create_rule(tenant_id, data)
    return True


async def seed_rules(tenant_id: int, rows: Iterable[dict[str, str]]) -> int:
    """Rules from a tenant's seed CSV; rules that exist by name are left alone. Returns how
    many were added; a bad row names its line."""
    added = 0
    for number, row in enumerate(rows, start=2):
        try:
            added += await add_rule_unless_named(tenant_id, row)
        except DomainError as exc:
            raise RuleError(f"规则种子第 {number} 行：{exc}") from exc
    return added


async def _outs(tenant_id: int, rules: list[dict]) -> list[RuleOut]:
    if not rules:
        return []
    ids = [r["id"] for r in rules]
    sources = await RuleSource.select(RuleSource.rule_id, RuleSource.catalog_entry_id).where(
        RuleSource.tenant_id == tenant_id, RuleSource.rule_id.is_in(ids))
    entry_ids = {s["catalog_entry_id"] for s in sources} | {r["target_entry_id"] for r in rules}
    entries = {e["id"]: entry_out(e) for e in await CatalogEntry.select().where(
        CatalogEntry.tenant_id == tenant_id, CatalogEntry.id.is_in(list(entry_ids)))}
    agreements = {a["id"]: a["name"] for a in await Agreement.select(Agreement.id, Agreement.name).where(
        Agreement.tenant_id == tenant_id)}
    by_rule: dict[int, list] = {}
    for s in sources:
        by_rule.setdefault(s["rule_id"], []).append(entries[s["catalog_entry_id"]])
    return [
        RuleOut(
            id=r["id"], name=r["name"], description=r["description"], agreement=agreements.get(r["agreement_id"], ""),
            sources=by_rule.get(r["id"], []),
            target=RuleTarget(entry=entries[r["target_entry_id"]], institution=entries[r["target_entry_id"]].institution,
                              credits=float(r["credits"]), ratio=r["ratio"]),
            valid_from=r["valid_from"], valid_to=r["valid_to"], status=r["status"],
        )
        for r in rules
    ]


async def get_rule(tenant_id: int, rule_id: int) -> RuleOut | None:
    row = await Rule.select().where(Rule.id == rule_id, Rule.tenant_id == tenant_id).first()
    return (await _outs(tenant_id, [row]))[0] if row else None


def _in_force(today: date):
    return ((Rule.valid_from.is_null()) | (Rule.valid_from <= today)) & ((Rule.valid_to.is_null()) | (Rule.valid_to >= today))


async def search_rules(tenant_id: int, *, q: str | None, catalog_entry_id: int | None, cursor: int | None,
                       limit: int) -> RulePage:
    """Published rules in force (规则查询): by words in the name or description, or by a
    source catalog entry."""
    query = Rule.select().where(Rule.tenant_id == tenant_id, Rule.status == "published", _in_force(date.today()))
    for word in (q or "").split():
        query = query.where(db.contains(Rule.name, word) | db.contains(Rule.description, word))
    if catalog_entry_id:
        ids = [s["rule_id"] for s in await RuleSource.select(RuleSource.rule_id).where(
            RuleSource.tenant_id == tenant_id, RuleSource.catalog_entry_id == catalog_entry_id)]
        query = query.where(Rule.id.is_in(ids or [0]))
    if cursor:
        query = query.where(Rule.id > cursor)
    rows = await query.order_by(Rule.id).limit(limit + 1)
    return page_of(rows, limit, await _outs(tenant_id, rows[:limit]))


async def list_rules(tenant_id: int, *, q: str | None = None, status: str | None = None, cursor: int | None = None,
                     limit: int = 20) -> RulePage:
    """Every rule of the tenant for its administrators (规则管理), retired ones included unless
    ``status`` narrows them: newest first, by words in the name, description or agreement."""
    query = Rule.select().where(Rule.tenant_id == tenant_id)
    if status:
        query = query.where(Rule.status == status)
    for word in (q or "").split():
        query = query.where(db.contains(Rule.name, word) | db.contains(Rule.description, word)
                            | db.contains(Rule.agreement_id.name, word))
    if cursor:
        query = query.where(Rule.id < cursor)
    rows = await query.order_by(Rule.id, ascending=False).limit(limit + 1)
    return page_of(rows, limit, await _outs(tenant_id, rows[:limit]))


async def retire_rule(tenant_id: int, rule_id: int) -> RuleOut:
    changed = await Rule.update({Rule.status: "retired", Rule.retired_at: utcnow()}).returning(Rule.id).where(
        Rule.id == rule_id, Rule.tenant_id == tenant_id, Rule.status == "published")
    if not changed and not await Rule.exists().where(Rule.id == rule_id, Rule.tenant_id == tenant_id):
        raise RuleError("未找到该规则", 404)
    return one(await get_rule(tenant_id, rule_id))


async def update_rule(tenant_id: int, rule_id: int, patch: RulePatch, actor: Actor = SYSTEM) -> RuleOut:
    """Change a rule's text or validity; its credits and ratio only while nobody has used it."""
    row = await Rule.select().where(Rule.id == rule_id, Rule.tenant_id == tenant_id).first()
    if row is None:
        raise RuleError("未找到该规则", 404)
    valid_from = patch.valid_from or row["valid_from"]
    valid_to = patch.valid_to or row["valid_to"]
    if valid_from and valid_to and valid_to < valid_from:
        raise field_error("valid_to" if patch.valid_to else "valid_from", "失效日期不能早于生效日期")
    values: dict = {}
    if patch.credits is not None or patch.ratio is not None:
        # reviews refuses (raises) once an application names the rule
        await publish(None, RuleTermsChanging(tenant_id=tenant_id, actor=actor, target_id=rule_id))
        if patch.credits is not None:
            values[Rule.credits] = patch.credits
        if patch.ratio is not None:
            values[Rule.ratio] = patch.ratio
    if patch.description is not None:
        values[Rule.description] = patch.description
    if patch.valid_from is not None:
        values[Rule.valid_from] = patch.valid_from
    if patch.valid_to is not None:
        values[Rule.valid_to] = patch.valid_to
    if values:
        await Rule.update(values).where(Rule.id == rule_id)
    return one(await get_rule(tenant_id, rule_id))


# ---------------------------------------------------------------------------------------------
# Matching


async def rules_for_entries(tenant_id: int, entry_ids: Iterable[int]) -> dict[int, list[int]]:
    """Catalog entry → the published rules in force that take it as a source."""
    entry_ids = list(set(entry_ids))
    if not entry_ids:
        return {}
    placeholders = ", ".join("{}" for _ in entry_ids)
    today = date.today()
    rows = await Rule.raw(
        "SELECT s.catalog_entry_id, s.rule_id FROM conversion_rule_source s "
        "JOIN conversion_rule r ON r.tenant_id = s.tenant_id AND r.id = s.rule_id "
        f"WHERE s.tenant_id = {{}} AND s.catalog_entry_id IN ({placeholders}) AND r.status = 'published' "
        "AND (r.valid_from IS NULL OR r.valid_from <= {}) AND (r.valid_to IS NULL OR r.valid_to >= {})",
        tenant_id, *entry_ids, today, today)
    found: dict[int, list[int]] = {}
    for r in rows:
        found.setdefault(r["catalog_entry_id"], []).append(r["rule_id"])
    return found


async def used_rules(tenant_id: int, achievement_ids: Iterable[int]) -> dict[int, set[int]]:
    """Achievement → the rules its live (or approved) applications use."""
    ids = list(achievement_ids)
    if not ids:
        return {}
    # Raw, like rules_for_entries: on every list of achievements, and the query builder costs
    # more than the query.
    # reviews' application table, read by name (rules sits below reviews: docs/architecture.md)
    rows = await Rule.raw(
        f"SELECT achievement_id, rule_id FROM application WHERE tenant_id = {{}} "
        f"AND achievement_id IN ({', '.join('{}' for _ in ids)}) "
        f"AND rule_id IS NOT NULL AND status IN ({', '.join('{}' for _ in LIVE)})", tenant_id, *ids, *LIVE)
    used: dict[int, set[int]] = {}
    for r in rows:
        used.setdefault(r["achievement_id"], set()).add(r["rule_id"])
    return used


async def rule_counts(tenant_id: int, achievements: list[dict]) -> dict[int, tuple[int, int]]:
    """Achievement id → (rules it can still use, rules already used): the manual's 可转换规则数
    and 已用转换规则数."""
    by_entry = await rules_for_entries(tenant_id, [a["catalog_entry_id"] for a in achievements if a["catalog_entry_id"]])
    used = await used_rules(tenant_id, [a["id"] for a in achievements])
    counts = {}
    for a in achievements:
        matching = set(by_entry.get(a["catalog_entry_id"], [])) if a["catalog_entry_id"] else set()
        done = used.get(a["id"], set())
        counts[a["id"]] = (len(matching - done), len(done))
    return counts


async def rules_for_achievement(tenant_id: int, achievement: dict) -> list[RuleOut]:
    """The rules this achievement can be converted by, each marked ``used``."""
    if not achievement["catalog_entry_id"]:
        return []
    ids = (await rules_for_entries(tenant_id, [achievement["catalog_entry_id"]])).get(achievement["catalog_entry_id"], [])
    used = (await used_rules(tenant_id, [achievement["id"]])).get(achievement["id"], set())
    rows = await Rule.select().where(Rule.tenant_id == tenant_id, Rule.id.is_in(ids or [0])).order_by(Rule.id)
    outs = await _outs(tenant_id, rows)
    for out in outs:
        out.used = out.id in used
    return outs
