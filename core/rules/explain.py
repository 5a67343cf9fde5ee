"""Rules explained to one learner: which apply to what they hold, which are used, and what is
missing — the inputs gathered here (raw, tenant-scoped reads), the verdict from the one engine
in ``core.rules.conditions``. Also the what-if (outcomes the learner does not hold yet) and the
impact of a rule change on every learner holding one of its sources."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import msgspec

from core import db
from core.catalog.tables import CatalogEntry
from core.errors import DomainError
from core.rules import conditions as cond
from core.rules.conditions import Explanation, Holding, Ledger, Terms
from core.rules.schemas import Explanation as ExplanationOut
from core.rules.schemas import RuleOut
from core.rules.service import LIVE, _outs, rules_for_entries
from core.rules.tables import Rule

HELD = ("catalog", "recognized")  # outcomes a rule can take
IN_REVIEW = "applied"  # held but still under review (a stored outcome reviewed on store): said so, not "还需"


def defaults_of(hooks) -> cond.Defaults:
    """The province's defaults for conditions a rule leaves open (``rule_defaults`` hook)."""
    value = getattr(hooks, "rule_defaults", None) if hooks is not None else None
    if value is None:
        return cond.Defaults()
    return cond.Defaults(program_cap=value.program_credit_cap, year_cap=value.year_credit_cap,
                         once_per_program=value.source_once_per_program)


def _day(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _json(value) -> dict:
    if isinstance(value, (str, bytes)):
        return msgspec.json.decode(value) if value else {}
    return dict(value or {})


def _in(start: int, values: list) -> str:
    return ", ".join(f"${start + i}" for i in range(len(values)))


async def load_terms(tenant_id: int, rule_ids: Iterable[int]) -> dict[int, Terms]:
    """The current terms of these rules (any status)."""
    ids = sorted(set(rule_ids))
    if not ids:
        return {}
    rows = await db.fetch(
        Rule, "SELECT r.id, r.target_entry_id, r.credits, r.conditions, r.valid_from, e.project_name "
              "FROM conversion_rule r JOIN catalog_entry e ON e.tenant_id = r.tenant_id AND e.id = r.target_entry_id "
              f"WHERE r.tenant_id = $1 AND r.id IN ({_in(2, ids)})", tenant_id, *ids)
    sources = await db.fetch(
        Rule, f"SELECT rule_id, catalog_entry_id FROM conversion_rule_source WHERE tenant_id = $1 "
              f"AND rule_id IN ({_in(2, ids)}) ORDER BY id", tenant_id, *ids)
    by_rule: dict[int, list[int]] = {}
    for s in sources:
        by_rule.setdefault(s["rule_id"], []).append(s["catalog_entry_id"])
    return {r["id"]: Terms(rule_id=r["id"], sources=by_rule.get(r["id"], []), target=r["target_entry_id"],
                           target_program=r["project_name"] or "", credits=float(r["credits"]),
                           conditions=cond.decode(r["conditions"]), valid_from=_day(r["valid_from"]))
            for r in rows}


def is_plain(terms: Terms, defaults: cond.Defaults) -> bool:
    """One source, no conditions and no provincial defaults: holding the source is enough."""
    return (len(terms.sources) == 1 and terms.conditions == cond.NONE and defaults.program_cap is None
            and defaults.year_cap is None and not defaults.once_per_program)


async def learner_state(tenant_id: int, learner_ids: list[int]) -> dict[int, tuple[list[Holding], Ledger]]:
    """Learner → (the outcomes rules can take, what they have converted so far)."""
    if not learner_ids:
        return {}
    ids = sorted(set(learner_ids))
    rows = await db.fetch(
        Rule, "SELECT id, learner_id, catalog_entry_id, obtained_at, fields, status FROM achievement "
              f"WHERE tenant_id = $1 AND learner_id IN ({_in(2, ids)}) AND catalog_entry_id IS NOT NULL "
              f"AND status IN ({_in(2 + len(ids), [*HELD, IN_REVIEW])})", tenant_id, *ids, *HELD, IN_REVIEW)
    apps = await db.fetch(
        Rule, "SELECT a.learner_id, a.achievement_id, a.rule_id, a.created_at, r.credits, e.project_name "
              "FROM application a JOIN conversion_rule r ON r.tenant_id = a.tenant_id AND r.id = a.rule_id "
              "JOIN catalog_entry e ON e.tenant_id = a.tenant_id AND e.id = a.target_entry_id "
              f"WHERE a.tenant_id = $1 AND a.learner_id IN ({_in(2, ids)}) AND a.rule_id IS NOT NULL "
              f"AND a.status IN ({_in(2 + len(ids), list(LIVE))})", tenant_id, *ids, *LIVE)
    state: dict[int, tuple[list[Holding], Ledger]] = {i: ([], Ledger()) for i in ids}
    for r in rows:
        holdings, ledger = state[r["learner_id"]]
        fields = r["fields"]
        pending = r["status"] == IN_REVIEW
        holdings.append(Holding(achievement_id=r["id"], entry=r["catalog_entry_id"], obtained_at=_day(r["obtained_at"]),
                                fields=fields if isinstance(fields, str) else dict(fields or {}), pending=pending))
        if not pending:
            ledger.held_targets.add(r["catalog_entry_id"])
    for a in apps:
        _, ledger = state[a["learner_id"]]
        program = a["project_name"] or ""
        ledger.used_rules.add(a["rule_id"])
        ledger.program_credits[program] = ledger.program_credits.get(program, 0.0) + float(a["credits"])
        year = _day(a["created_at"]).year if a["created_at"] else date.today().year  # type: ignore[union-attr]
        key = f"{program}|{year}"
        ledger.year_credits[key] = ledger.year_credits.get(key, 0.0) + float(a["credits"])
        if a["achievement_id"]:
            ledger.used_in_program.setdefault(program, set()).add(a["achievement_id"])
    return state


async def entry_names(tenant_id: int, terms: Iterable[Terms], extra: Iterable[int] = ()) -> dict[int, str]:
    ids = sorted({e for t in terms for e in (*t.sources, t.target)} | set(extra))
    if not ids:
        return {}
    rows = await db.fetch(CatalogEntry, f"SELECT id, name FROM catalog_entry WHERE tenant_id = $1 AND id IN ({_in(2, ids)})",
                          tenant_id, *ids)
    return {r["id"]: r["name"] for r in rows}


def evaluate(terms: Terms, holdings: list[Holding], ledger: Ledger, names: dict[int, str], defaults: cond.Defaults,
             today: date | None = None) -> Explanation:
    return cond.evaluate(terms, holdings, ledger, today=today or date.today(), names=names, labels={}, defaults=defaults)


def explain(out: RuleOut, explanation: ExplanationOut) -> None:
    """Set ``out``'s explanation, and its verdict in the contract's words."""
    out.explanation = explanation
    out.rule_id, out.verdict = out.id, explanation.status
    out.reasons = explanation.missing if explanation.status == "missing" else explanation.because


def _out(e: Explanation) -> ExplanationOut:
    return ExplanationOut(status=e.status, because=e.because, missing=e.missing)


async def usable_rule_ids(tenant_id: int, learner_id: int, rule_ids: set[int], hooks=None) -> set[int]:
    """Of these rules (in force, sharing a source with the learner's outcomes), the ones that
    apply: plain rules without reading anything more, the others through the engine."""
    defaults = defaults_of(hooks)
    terms = await load_terms(tenant_id, rule_ids)
    complex_ = [t for t in terms.values() if not is_plain(t, defaults)]
    usable = {i for i, t in terms.items() if is_plain(t, defaults)}
    if complex_:
        holdings, ledger = (await learner_state(tenant_id, [learner_id]))[learner_id]
        for t in complex_:
            if evaluate(t, holdings, ledger, {}, defaults).status == "applies":
                usable.add(t.rule_id)
    return usable


async def explain_for_achievement(tenant_id: int, hooks, learner_id: int, achievement: dict) -> list[RuleOut]:
    """Every rule in force that shares a source or the target with this outcome, with its
    explanation for this learner (``applies``, ``missing`` with what fails, or ``used``)."""
    entry = achievement["catalog_entry_id"]
    if not entry:
        return []
    ids = set((await rules_for_entries(tenant_id, [entry])).get(entry, []))
    today = date.today()
    targets = await db.fetch(
        Rule, "SELECT id FROM conversion_rule WHERE tenant_id = $1 AND target_entry_id = $2 AND status = 'published' "
              "AND (valid_from IS NULL OR valid_from <= $3) AND (valid_to IS NULL OR valid_to >= $3)",
        tenant_id, entry, today)
    ids |= {r["id"] for r in targets}
    if not ids:
        return []
    return await _explained(tenant_id, hooks, learner_id, sorted(ids), converted_by=achievement.get("rule_id"))


async def _explained(tenant_id: int, hooks, learner_id: int, ids: list[int], *, converted_by: int | None = None,
                     extra: list[Holding] | None = None) -> list[RuleOut]:
    defaults = defaults_of(hooks)
    terms = await load_terms(tenant_id, ids)
    holdings, ledger = (await learner_state(tenant_id, [learner_id]))[learner_id]
    names = await entry_names(tenant_id, terms.values())
    rows = await Rule.select().where(Rule.tenant_id == tenant_id, Rule.id.is_in(ids)).order_by(Rule.id)
    outs = await _outs(tenant_id, rows)
    for out in outs:
        if out.id == converted_by:
            explain(out, ExplanationOut(status="used", because=["该成果由此规则转换取得"]))
        else:
            explain(out, _out(evaluate(terms[out.id], holdings + (extra or []), ledger, names, defaults)))
        out.used = out.verdict == "used"
    return outs


async def check_applies(tenant_id: int, hooks, learner_id: int, achievement: dict, rule_id: int) -> None:
    """Refuse a conversion whose rule does not apply to what the learner holds: the reasons
    in the message, one after another."""
    terms = (await load_terms(tenant_id, [rule_id]))[rule_id]
    if achievement["catalog_entry_id"] not in terms.sources:
        raise DomainError("该成果不符合此规则的源成果要求，或规则不在有效期内", 400, extra={"field": "rule_id"})
    holdings, ledger = (await learner_state(tenant_id, [learner_id]))[learner_id]
    ledger.used_rules.clear()  # the application's own duplicate check says that more precisely
    verdict = evaluate(terms, holdings, ledger, await entry_names(tenant_id, [terms]), defaults_of(hooks))
    if verdict.status == "missing":
        raise DomainError("不符合此规则的条件：" + "；".join(verdict.missing), 409, extra={"field": "rule_id"})


async def what_if(tenant_id: int, hooks, learner_id: int, entry_ids: list[int]) -> tuple[list[RuleOut], list[RuleOut]]:
    """With these catalog entries held too (obtained today): the rules that would open, and
    the rules they touch that would still miss something."""
    rows = await db.fetch(CatalogEntry, f"SELECT id, fields FROM catalog_entry WHERE tenant_id = $1 AND active = $2 "
                                        f"AND id IN ({_in(3, entry_ids)})", tenant_id, True, *entry_ids)
    found = {r["id"]: _json(r["fields"]) for r in rows}
    unknown = [e for e in entry_ids if e not in found]
    if unknown:
        raise DomainError(f"名录中没有编号为 {'、'.join(map(str, unknown))} 的成果", 400,
                          extra={"field": "catalog_entry_ids"})
    today = date.today()
    extra = [Holding(achievement_id=0, entry=e, obtained_at=today, fields=found[e], hypothetical=True) for e in found]
    touched = sorted({r for ids in (await rules_for_entries(tenant_id, found)).values() for r in ids})
    if not touched:
        return [], []
    # One read of the rules and the learner; each rule judged without and with the hypotheses.
    defaults = defaults_of(hooks)
    terms = await load_terms(tenant_id, touched)
    holdings, ledger = (await learner_state(tenant_id, [learner_id]))[learner_id]
    names = await entry_names(tenant_id, terms.values())
    verdicts = {}
    for rule_id, t in terms.items():
        before = evaluate(t, holdings, ledger, names, defaults, today)
        after = evaluate(t, holdings + extra, ledger, names, defaults, today)
        if after.status == "applies" and before.status != "applies" or after.status == "missing":
            verdicts[rule_id] = after
    rows = await Rule.select().where(Rule.tenant_id == tenant_id, Rule.id.is_in(sorted(verdicts) or [0])).order_by(Rule.id)
    opens: list[RuleOut] = []
    missing: list[RuleOut] = []
    for out in await _outs(tenant_id, rows):
        explain(out, _out(verdicts[out.id]))
        out.used = False
        (opens if verdicts[out.id].status == "applies" else missing).append(out)
    return opens, missing


async def explain_for_review(tenant_id: int, hooks, learner_id: int, rule_id: int, version: int) -> ExplanationOut:
    """For the reviewer: why the version of the rule an application was submitted under
    applies to the learner's outcomes now (or what no longer holds), the application itself
    set aside."""
    from core.rules.service import VersionTerms
    from core.rules.tables import RuleVersion

    current = (await load_terms(tenant_id, [rule_id])).get(rule_id)
    if current is None:
        return ExplanationOut(status="missing", missing=["规则不存在"])
    stored = await RuleVersion.select(RuleVersion.terms).where(
        RuleVersion.tenant_id == tenant_id, RuleVersion.rule_id == rule_id, RuleVersion.version == version).first()
    terms = current
    if stored:
        old = msgspec.json.decode(stored["terms"], type=VersionTerms)
        terms = msgspec.structs.replace(current, sources=old.sources, credits=old.credits, conditions=old.conditions)
    holdings, ledger = (await learner_state(tenant_id, [learner_id]))[learner_id]
    ledger.used_rules.discard(rule_id)
    ledger.held_targets.discard(terms.target)
    # Its own credits are in the ledger already (a live application): not counted twice.
    program = terms.target_program
    ledger.program_credits[program] = ledger.program_credits.get(program, 0.0) - terms.credits
    key = f"{program}|{date.today().year}"
    if key in ledger.year_credits:
        ledger.year_credits[key] -= terms.credits
    return _out(evaluate(terms, holdings, ledger, await entry_names(tenant_id, [terms]), defaults_of(hooks)))
