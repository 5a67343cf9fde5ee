"""Conversion rules and agreements: management, public search, and matching rules to a
learner's achievements (可转换规则数 / 已用转换规则数)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, timedelta

import msgspec

from core import db
from core.catalog.fields import field_error
from core.catalog.service import entry_out
from core.catalog.tables import CatalogEntry
from core.clock import utcnow
from core.db import one
from core.errors import DomainError
from core.paging import page_of
from core.rules import conditions as cond
from core.rules.schemas import (
    AnyOfIn,
    ConditionsIn,
    EntryRef,
    RuleIn,
    RuleOut,
    RulePage,
    RulePatch,
    RuleTarget,
    RuleVersionOut,
    ThresholdIn,
)
from core.rules.tables import Agreement, Rule, RuleSource, RuleUse, RuleVersion

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


async def entry_refs(tenant_id: int, ids: Iterable[int]) -> dict[int, str]:
    """Catalog entries written as ``project_name|name|institution`` (how forms and imports
    name them)."""
    wanted = list(set(ids))
    if not wanted:
        return {}
    rows = await CatalogEntry.select(CatalogEntry.id, CatalogEntry.project_name, CatalogEntry.name,
                                     CatalogEntry.institution).where(CatalogEntry.tenant_id == tenant_id,
                                                                     CatalogEntry.id.is_in(wanted))
    return {r["id"]: f"{r['project_name']}|{r['name']}|{r['institution']}" for r in rows}


async def _agreement_id(tenant_id: int, name: str) -> int | None:
    if not name.strip():
        return None
    row = await Agreement.select(Agreement.id).where(Agreement.tenant_id == tenant_id, Agreement.name == name.strip()).first()
    if row:
        return row["id"]
    agreement = Agreement(tenant_id=tenant_id, name=name.strip(), created_at=utcnow())
    await agreement.save()
    return agreement.id


class VersionTerms(msgspec.Struct, kw_only=True):
    """A version's terms as stored in ``RuleVersion.terms``."""

    name: str
    description: str
    sources: list[int]  # every source entry, any-of ones included
    target: int
    credits: float
    ratio: int
    conditions: cond.Conditions = msgspec.field(default_factory=cond.Conditions)


async def _known_fields(tenant_id: int, hooks, entry_ids: list[int]) -> dict[int, dict[str, str]]:
    """Entry id → {field name: label} of its sub-type in the tenant's taxonomy."""
    if not entry_ids:
        return {}
    rows = await CatalogEntry.select(CatalogEntry.id, CatalogEntry.category, CatalogEntry.subtype).where(
        CatalogEntry.tenant_id == tenant_id, CatalogEntry.id.is_in(entry_ids))
    found: dict[int, dict[str, str]] = {}
    for r in rows:
        sub = hooks.taxonomy.subtype(r["category"], r["subtype"]) if hooks is not None else None
        found[r["id"]] = {f.name: f.label for f in sub.fields} if sub else {}
    return found


async def resolve_conditions(tenant_id: int, hooks, data: ConditionsIn | None, sources: list[int],
                             target: int) -> tuple[cond.Conditions, list[int]]:
    """The stored form of a rule's conditions (entries by id, fields by name with their
    label), and every source entry (all-of first, then any-of); a ``FieldError`` in Chinese
    for anything that cannot be stored."""
    data = data or ConditionsIn()
    any_of = None
    optional: list[int] = []
    if data.any_of:
        optional = [await resolve_entry(tenant_id, ref, "any_of") for ref in data.any_of.entries]
        if set(optional) & set(sources):
            raise field_error("any_of", "“任选”的成果不能同时是必须持有的源成果")
        any_of = cond.AnyOf(n=data.any_of.n, entries=optional)
    every = list(dict.fromkeys([*sources, *optional]))
    if not every:
        raise field_error("sources", "请至少填写一个源成果")
    fields = await _known_fields(tenant_id, hooks, every)
    thresholds = []
    for t in data.thresholds:
        entry = await resolve_entry(tenant_id, t.entry, "thresholds")
        known = fields.get(entry, {})
        name = t.field if t.field in known else next((n for n, label in known.items() if label == t.field), t.field)
        if hooks is not None and entry in every and name not in known:
            raise field_error("thresholds", f"成果分类中没有字段“{t.field}”，不能设置成绩或等级条件"
                              + (f"（可用：{'、'.join(known.values())}）" if known else ""))
        thresholds.append(cond.Threshold(entry=entry, field=name, op=t.op, value=t.value, label=known.get(name, "")))
    result = cond.Conditions(any_of=any_of, thresholds=thresholds, obtained_from=data.obtained_from,
                             within_years=data.within_years, program_cap=data.program_cap, year_cap=data.year_cap,
                             once_per_program=data.once_per_program)
    known_names = {e: set(f) for e, f in fields.items()} if hooks is not None else \
        {t.entry: {t.field} for t in thresholds}
    problem = cond.check(result, every, target, known_names)
    if problem:
        raise field_error("thresholds" if "字段" in problem or "矛盾" in problem else "conditions", problem)
    await _check_cycle(tenant_id, every, target, None)
    return result, every


async def _check_cycle(tenant_id: int, sources: list[int], target: int, rule_id: int | None) -> None:
    """A rule whose target is (through other rules) one of its own sources would let an
    outcome convert into itself. Walked from the target one level per statement, through the
    source index: a few short reads, whatever the number of rules."""
    seen: set[int] = set()
    frontier = {target}
    while frontier:
        if frontier & set(sources):
            raise field_error("target", "规则形成循环：目标成果经其他规则又可转换回本规则的源成果")
        seen |= frontier
        ids = sorted(frontier)
        rows = await db.fetch(
            Rule, "SELECT r.id, r.target_entry_id FROM conversion_rule_source s "
                  "JOIN conversion_rule r ON r.tenant_id = s.tenant_id AND r.id = s.rule_id "
                  f"WHERE s.tenant_id = $1 AND s.catalog_entry_id IN ({', '.join(f'${i + 2}' for i in range(len(ids)))}) "
                  "AND r.status = 'published'", tenant_id, *ids)
        frontier = {r["target_entry_id"] for r in rows if r["id"] != rule_id} - seen


async def create_rule(tenant_id: int, data: RuleIn, hooks=None) -> int:
    """A published rule (version 1); the caller runs it in a transaction. Sources and target
    must be the tenant's own catalog entries; ``hooks`` (the tenant's plugin) checks the
    fields that thresholds name against the taxonomy."""
    if data.valid_from and data.valid_to and data.valid_to < data.valid_from:
        raise field_error("valid_to", "失效日期不能早于生效日期")
    if await Rule.exists().where(Rule.tenant_id == tenant_id, Rule.name == data.name.strip()):
        raise field_error("name", f"规则“{data.name}”已存在", 409)
    sources = [await resolve_entry(tenant_id, ref, "sources") for ref in data.sources]
    target = await resolve_entry(tenant_id, data.target, "target")
    if target in sources:
        raise field_error("target", "目标成果不能同时是源成果")
    conditions, every = await resolve_conditions(tenant_id, hooks, data.conditions, list(dict.fromkeys(sources)), target)
    rule = Rule(tenant_id=tenant_id, agreement_id=await _agreement_id(tenant_id, data.agreement), name=data.name.strip(),
                description=data.description.strip() or data.name.strip(), target_entry_id=target, credits=data.credits,
                ratio=data.ratio, valid_from=data.valid_from, valid_to=data.valid_to, created_at=utcnow(),
                conditions="" if conditions == cond.NONE else cond.encode(conditions), version=1)
    await rule.save()
    await RuleSource.insert(*[RuleSource(tenant_id=tenant_id, rule_id=rule.id, catalog_entry_id=s) for s in every])
    await _write_version(tenant_id, rule.id, 1, data.valid_from, data.valid_to, VersionTerms(
        name=rule.name, description=rule.description, sources=every, target=target, credits=data.credits,
        ratio=data.ratio, conditions=conditions), "发布")
    return rule.id


async def _write_version(tenant_id: int, rule_id: int, version: int, valid_from: date | None, valid_to: date | None,
                         terms: VersionTerms, note: str) -> None:
    await RuleVersion.insert(RuleVersion(
        tenant_id=tenant_id, rule_id=rule_id, version=version, valid_from=valid_from, valid_to=valid_to,
        terms=msgspec.json.encode(terms).decode(), note=note[:200], created_at=utcnow()))


_OPS = {">=": ">=", "≥": ">=", "<=": "<=", "≤": "<="}
_THRESHOLD = re.compile(r"^(?P<entry>.+?)\s*[:：]\s*(?P<field>[^:：<>=≥≤]+?)\s*(?P<op>>=|<=|≥|≤)\s*(?P<value>-?\d+(?:\.\d+)?)\s*$")
_ANY_OF = re.compile(r"^\s*(?P<n>\d+)\s*[:：]\s*(?P<entries>.+)$")
YES = {"是", "yes", "true", "1", "y", "对"}
NO = {"否", "no", "false", "0", "n", ""}


def conditions_from_row(row: dict[str, str]) -> ConditionsIn | None:
    """The condition columns of a rule row, in the words of the import template:

    - ``any_of`` (任选): ``2:课程A;课程B;课程C`` — any 2 of them;
    - ``thresholds`` (成绩条件): ``课程A:成绩>=70;证书B:证书等级>=3`` — one per ``;``;
    - ``obtained_from`` (取得不早于): a date; ``within_years`` (取得年限): years before applying;
    - ``program_cap`` (专业学分上限), ``year_cap`` (年度学分上限): credits;
    - ``once_per_program`` (每专业限用一次): 是 / 否."""
    text = {k: (row.get(k) or "").strip() for k in ("any_of", "thresholds", "obtained_from", "within_years",
                                                      "program_cap", "year_cap", "once_per_program")}
    if not any(text.values()):
        return None
    any_of = None
    if text["any_of"]:
        match = _ANY_OF.match(text["any_of"])
        if not match:
            raise field_error("any_of", f"任选条件“{text['any_of']}”应写作 数量:成果1;成果2;…，如 2:课程A;课程B;课程C")
        entries = [e.strip() for e in match["entries"].split(";") if e.strip()]
        any_of = AnyOfIn(n=int(match["n"]), entries=entries)
    thresholds = []
    for part in (p.strip() for p in text["thresholds"].split(";")):
        if not part:
            continue
        match = _THRESHOLD.match(part)
        if not match:
            raise field_error("thresholds", f"成绩条件“{part}”应写作 成果:字段>=数值，如 大学英语:成绩>=70")
        thresholds.append(ThresholdIn(entry=match["entry"].strip(), field=match["field"].strip(),
                                      op=_OPS[match["op"]], value=float(match["value"])))  # type: ignore[arg-type]
    once = text["once_per_program"].lower()
    if once not in YES | NO:
        raise field_error("once_per_program", f"“每专业限用一次”应填 是 或 否，而不是“{text['once_per_program']}”")

    def number(name: str, label: str, kind=float):
        if not text[name]:
            return None
        try:
            return kind(text[name])
        except ValueError:
            raise field_error(name, f"{label}应为数字，而不是“{text[name]}”") from None

    try:
        obtained_from = date.fromisoformat(text["obtained_from"]) if text["obtained_from"] else None
    except ValueError:
        raise field_error("obtained_from", f"“取得不早于”应为日期（如 2017-09-01），而不是“{text['obtained_from']}”") from None
    return ConditionsIn(any_of=any_of, thresholds=thresholds, obtained_from=obtained_from,
                        within_years=number("within_years", "取得年限", int), program_cap=number("program_cap", "专业学分上限"),
                        year_cap=number("year_cap", "年度学分上限"),
                        once_per_program=(once in YES) if text["once_per_program"] else None)


def rule_from_row(row: dict[str, str]) -> RuleIn:
    """A rule from a CSV/XLSX row: ``agreement, name, description, sources`` (separated by
    ``;``), ``target, credits, ratio, valid_from, valid_to``, and the condition columns of
    ``conditions_from_row``."""
    try:
        return RuleIn(
            name=(row.get("name") or "").strip(), description=row.get("description") or "",
            agreement=row.get("agreement") or "",
            sources=[s.strip() for s in (row.get("sources") or "").split(";") if s.strip()],
            target=(row.get("target") or "").strip(), credits=float(row.get("credits") or 0),
            ratio=int(row.get("ratio") or 100),
            valid_from=date.fromisoformat(row["valid_from"]) if row.get("valid_from") else None,
            valid_to=date.fromisoformat(row["valid_to"]) if row.get("valid_to") else None,
            conditions=conditions_from_row(row),
        )
    except (ValueError, msgspec.ValidationError) as exc:
        raise RuleError(f"规则数据无效：{exc}") from exc


async def add_rule_unless_named(tenant_id: int, row: dict[str, str], hooks=None) -> bool:
    """Create the row's rule unless one of that name exists; True if it was created."""
    data = rule_from_row(row)
    if await Rule.exists().where(Rule.tenant_id == tenant_id, Rule.name == data.name):
        return False
    await create_rule(tenant_id, data, hooks)
    return True


async def seed_rules(tenant_id: int, rows: Iterable[dict[str, str]], hooks=None) -> int:
    """Rules from a tenant's seed CSV; rules that exist by name are left alone. Returns how
    many were added; a bad row names its line."""
    added = 0
    for number, row in enumerate(rows, start=2):
        try:
            added += await add_rule_unless_named(tenant_id, row, hooks)
        except DomainError as exc:
            raise RuleError(f"规则种子第 {number} 行：{exc}") from exc
    return added


async def _outs(tenant_id: int, rules: list[dict]) -> list[RuleOut]:
    if not rules:
        return []
    ids = [r["id"] for r in rules]
    sources = await RuleSource.select(RuleSource.rule_id, RuleSource.catalog_entry_id).where(
        RuleSource.tenant_id == tenant_id, RuleSource.rule_id.is_in(ids)).order_by(RuleSource.id)
    entry_ids = {s["catalog_entry_id"] for s in sources} | {r["target_entry_id"] for r in rules}
    entries = {e["id"]: entry_out(e) for e in await CatalogEntry.select().where(
        CatalogEntry.tenant_id == tenant_id, CatalogEntry.id.is_in(list(entry_ids)))}
    agreements = {a["id"]: a["name"] for a in await Agreement.select(Agreement.id, Agreement.name).where(
        Agreement.tenant_id == tenant_id)}
    by_rule: dict[int, list[int]] = {}
    for s in sources:
        by_rule.setdefault(s["rule_id"], []).append(s["catalog_entry_id"])
    names = {i: e.name for i, e in entries.items()}
    outs = []
    for r in rules:
        c = cond.decode(r.get("conditions"))
        optional = c.any_of.entries if c.any_of else []
        outs.append(RuleOut(
            id=r["id"], name=r["name"], description=r["description"], agreement=agreements.get(r["agreement_id"], ""),
            sources=[entries[e] for e in by_rule.get(r["id"], []) if e not in optional],
            target=RuleTarget(entry=entries[r["target_entry_id"]], institution=entries[r["target_entry_id"]].institution,
                              credits=float(r["credits"]), ratio=r["ratio"]),
            valid_from=r["valid_from"], valid_to=r["valid_to"], status=r["status"], version=r.get("version") or 1,
            conditions=cond.describe(c, names), any_of=[entries[e] for e in optional if e in entries],
            any_n=c.any_of.n if c.any_of else 0,
        ))
    return outs


async def get_rule(tenant_id: int, rule_id: int) -> RuleOut | None:
    row = await Rule.select().where(Rule.id == rule_id, Rule.tenant_id == tenant_id).first()
    return (await _outs(tenant_id, [row]))[0] if row else None


def _in_force(today: date):
    return ((Rule.valid_from.is_null()) | (Rule.valid_from <= today)) & ((Rule.valid_to.is_null()) | (Rule.valid_to >= today))


async def search_rules(tenant_id: int, *, q: str | None, catalog_entry_id: int | None, cursor: int | None,
                       limit: int, target_entry_id: int | None = None) -> RulePage:
    """Published rules in force (规则查询): by words in the name or description, by a source
    catalog entry, or by the target ("要获得某课程的学分，可以用哪些成果？")."""
    query = Rule.select().where(Rule.tenant_id == tenant_id, Rule.status == "published", _in_force(date.today()))
    if target_entry_id:
        query = query.where(Rule.target_entry_id == target_entry_id)
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


async def update_rule(tenant_id: int, rule_id: int, patch: RulePatch, hooks=None) -> RuleOut:
    """Edit a published rule. Changing its terms (description, credits, ratio, conditions)
    publishes the next version, in force from ``valid_from`` (today unless given; never in
    the future): the current version ends the day before, and applications keep the version
    they were submitted under. Changing only the dates moves the current version's window,
    which may not overlap the previous version's."""
    row = await Rule.select().where(Rule.id == rule_id, Rule.tenant_id == tenant_id).first()
    if row is None:
        raise RuleError("未找到该规则", 404)
    if row["status"] != "published":
        raise RuleError("规则已停用，不能修改", 409)
    terms_change = any(v is not None for v in (patch.description, patch.credits, patch.ratio, patch.conditions))
    current = row.get("version") or 1
    previous = await RuleVersion.select(RuleVersion.valid_from).where(
        RuleVersion.tenant_id == tenant_id, RuleVersion.rule_id == rule_id, RuleVersion.version == current - 1).first()
    today = date.today()
    ends = patch.valid_to or row["valid_to"]
    if terms_change:
        starts = patch.valid_from or today
        if ends and ends < starts:
            raise field_error("valid_to" if patch.valid_to else "valid_from", "失效日期不能早于生效日期")
        if starts > today:
            raise field_error("valid_from", "新版本的生效日期不能晚于今天")
        # A second edit on the day a version took effect replaces that version from today on
        # (its window becomes empty; applications already made under it keep it).
        if row["valid_from"] and starts < row["valid_from"]:
            raise field_error("valid_from", f"新版本不能早于当前第 {current} 版的生效日期 {row['valid_from'].isoformat()}，"
                                            "两个版本的有效期不能重叠")
    else:
        starts = patch.valid_from or row["valid_from"]
        if previous and previous["valid_from"] and starts and starts <= previous["valid_from"]:
            raise field_error("valid_from", f"与第 {current - 1} 版的有效期重叠（第 {current - 1} 版自 "
                                            f"{previous['valid_from'].isoformat()} 起生效）")
    if starts and ends and ends < starts:
        raise field_error("valid_to" if patch.valid_to else "valid_from", "失效日期不能早于生效日期")
    async with Rule._meta.db.transaction():
        if not terms_change:
            values: dict = {}
            if patch.valid_from is not None:
                values[Rule.valid_from] = patch.valid_from
            if patch.valid_to is not None:
                values[Rule.valid_to] = patch.valid_to
            if values:
                await Rule.update(values).where(Rule.id == rule_id, Rule.tenant_id == tenant_id)
                await RuleVersion.update({RuleVersion.valid_from: starts, RuleVersion.valid_to: ends}).where(
                    RuleVersion.tenant_id == tenant_id, RuleVersion.rule_id == rule_id, RuleVersion.version == current)
            return one(await get_rule(tenant_id, rule_id))
        old = await version_terms(tenant_id, row)
        if patch.conditions is not None:
            optional = set(old.conditions.any_of.entries) if old.conditions.any_of else set()
            conditions, every = await resolve_conditions(
                tenant_id, hooks, patch.conditions, [s for s in old.sources if s not in optional], old.target)
        else:
            conditions, every = old.conditions, old.sources
        new = VersionTerms(name=old.name, description=patch.description if patch.description is not None else old.description,
                           sources=every, target=old.target,
                           credits=patch.credits if patch.credits is not None else old.credits,
                           ratio=patch.ratio if patch.ratio is not None else old.ratio, conditions=conditions)
        if not await RuleVersion.exists().where(RuleVersion.tenant_id == tenant_id, RuleVersion.rule_id == rule_id):
            await _write_version(tenant_id, rule_id, current, row["valid_from"], None, old, "发布")
        await RuleVersion.update({RuleVersion.valid_to: starts - timedelta(days=1)}).where(
            RuleVersion.tenant_id == tenant_id, RuleVersion.rule_id == rule_id, RuleVersion.version == current)
        await _write_version(tenant_id, rule_id, current + 1, starts, ends, new, patch.note or "修改")
        await Rule.update({
            Rule.description: new.description, Rule.credits: new.credits, Rule.ratio: new.ratio,
            Rule.conditions: "" if conditions == cond.NONE else cond.encode(conditions), Rule.version: current + 1,
            Rule.valid_from: starts, Rule.valid_to: ends,
        }).where(Rule.id == rule_id, Rule.tenant_id == tenant_id)
        if set(every) != set(old.sources):
            await RuleSource.delete().where(RuleSource.tenant_id == tenant_id, RuleSource.rule_id == rule_id)
            await RuleSource.insert(*[RuleSource(tenant_id=tenant_id, rule_id=rule_id, catalog_entry_id=e) for e in every])
    return one(await get_rule(tenant_id, rule_id))


async def version_terms(tenant_id: int, row: dict) -> VersionTerms:
    """The terms of a rule row's current version."""
    sources = [s["catalog_entry_id"] for s in await RuleSource.select(RuleSource.catalog_entry_id).where(
        RuleSource.tenant_id == tenant_id, RuleSource.rule_id == row["id"]).order_by(RuleSource.id)]
    return VersionTerms(name=row["name"], description=row["description"], sources=sources,
                        target=row["target_entry_id"], credits=float(row["credits"]), ratio=row["ratio"],
                        conditions=cond.decode(row.get("conditions")))


async def rule_versions(tenant_id: int, rule_id: int, *, public: bool) -> list[RuleVersionOut] | None:
    """A rule's history, newest first; None if there is no such rule (or, for the public, it
    is not published). A rule from before versions were kept has its one version."""
    row = await Rule.select().where(Rule.id == rule_id, Rule.tenant_id == tenant_id).first()
    if row is None or (public and row["status"] != "published"):
        return None
    stored = await RuleVersion.select().where(RuleVersion.tenant_id == tenant_id, RuleVersion.rule_id == rule_id
                                              ).order_by(RuleVersion.version, ascending=False)
    versions = [(v["version"], v["valid_from"], v["valid_to"], msgspec.json.decode(v["terms"], type=VersionTerms),
                 v["note"], v["created_at"]) for v in stored]
    if not versions:
        versions = [(row.get("version") or 1, row["valid_from"], row["valid_to"], await version_terms(tenant_id, row),
                     "发布", row["created_at"])]
    entry_ids = {e for v in versions for e in (*v[3].sources, v[3].target)}
    names = {e["id"]: e["name"] for e in await CatalogEntry.select(CatalogEntry.id, CatalogEntry.name).where(
        CatalogEntry.tenant_id == tenant_id, CatalogEntry.id.is_in(list(entry_ids) or [0]))}
    out = []
    for number, starts, ends, terms, note, created in versions:
        optional = set(terms.conditions.any_of.entries) if terms.conditions.any_of else set()
        out.append(RuleVersionOut(
            version=number, valid_from=starts, valid_to=ends, name=terms.name, description=terms.description,
            sources=[names.get(s, str(s)) for s in terms.sources if s not in optional],
            target=names.get(terms.target, str(terms.target)), credits=terms.credits, ratio=terms.ratio,
            conditions=cond.describe(terms.conditions, names), note=note, created_at=created))
    return out


async def record_use(tenant_id: int, application_id: int, rule_id: int) -> int:
    """Record, in the submitting transaction, the version of the rule an application was
    submitted under; returns that version."""
    row = one(await Rule.select(Rule.version).where(Rule.id == rule_id, Rule.tenant_id == tenant_id).first())
    version = row["version"] or 1
    await RuleUse.insert(RuleUse(tenant_id=tenant_id, application_id=application_id, rule_id=rule_id, version=version,
                                 created_at=utcnow()))
    return version


async def versions_used(tenant_id: int, application_ids: Iterable[int]) -> dict[int, int]:
    """Application id → the version of its rule it was submitted under (1 for applications
    from before versions were kept)."""
    ids = list(application_ids)
    if not ids:
        return {}
    rows = await RuleUse.select(RuleUse.application_id, RuleUse.version).where(
        RuleUse.tenant_id == tenant_id, RuleUse.application_id.is_in(ids))
    return {r["application_id"]: r["version"] for r in rows}


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


async def rule_counts(tenant_id: int, achievements: list[dict], hooks=None) -> dict[int, tuple[int, int]]:
    """Achievement id → (rules it can still use, rules already used): the manual's 可转换规则数
    and 已用转换规则数. A rule with one source and no conditions is usable by holding it; the
    others (several sources, thresholds, windows, caps) only where the engine says they apply."""
    from core.rules import explain

    entry_ids = sorted({a["catalog_entry_id"] for a in achievements if a["catalog_entry_id"]})
    by_entry: dict[int, list[int]] = {}
    conditioned: set[int] = set()
    if entry_ids:
        today = date.today()
        # The matching rules, and whether holding the source is all they ask (one source, no
        # conditions): only the others go to the engine.
        rows = await db.fetch(
            Rule, "SELECT s.catalog_entry_id, s.rule_id, r.conditions, "
                  "(SELECT count(*) FROM conversion_rule_source o WHERE o.tenant_id = s.tenant_id AND o.rule_id = s.rule_id) "
                  "AS sources FROM conversion_rule_source s "
                  "JOIN conversion_rule r ON r.tenant_id = s.tenant_id AND r.id = s.rule_id "
                  f"WHERE s.tenant_id = $1 AND s.catalog_entry_id IN ({', '.join(f'${i + 3}' for i in range(len(entry_ids)))}) "
                  "AND r.status = 'published' AND (r.valid_from IS NULL OR r.valid_from <= $2) "
                  "AND (r.valid_to IS NULL OR r.valid_to >= $2)", tenant_id, today, *entry_ids)
        for r in rows:
            by_entry.setdefault(r["catalog_entry_id"], []).append(r["rule_id"])
            if r["conditions"] or r["sources"] > 1:
                conditioned.add(r["rule_id"])
    used = await used_rules(tenant_id, [a["id"] for a in achievements])
    matched = {r for ids in by_entry.values() for r in ids}
    usable = matched
    defaults = explain.defaults_of(hooks)
    if not (defaults.program_cap is None and defaults.year_cap is None and not defaults.once_per_program):
        conditioned = matched  # the province's defaults apply to every rule
    if conditioned:
        learner = await db.fetch(Rule, "SELECT learner_id FROM achievement WHERE tenant_id = $1 AND id = $2",
                                 tenant_id, achievements[0]["id"])
        if learner:
            usable = (matched - conditioned) | await explain.usable_rule_ids(
                tenant_id, learner[0]["learner_id"], conditioned, hooks)
    counts = {}
    for a in achievements:
        matching = set(by_entry.get(a["catalog_entry_id"], [])) & usable if a["catalog_entry_id"] else set()
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
