"""Rule conditions as data, and the one engine that evaluates them.

A rule's conditions are a ``Conditions`` Struct stored with the rule (JSON). The engine here is
pure: it takes the rule's terms, what the learner holds, and what the learner has already
converted, and says whether the rule applies — and, when it does not, what is missing, in
plain Chinese. No database, no HTTP: the rules service gathers the inputs.

What a rule can ask for:

- ``all_of``: every one of these catalog entries held ("A and B together give C");
- ``any_of``: at least ``n`` of a set;
- ``thresholds``: a score or grade on a source (成绩 ≥ 70, 证书等级 ≥ 3级): the first number in
  the field's value, Arabic or Chinese (“三级” is 3), compared with ``value``;
- ``obtained_from`` / ``within_years``: each source obtained not before a date, or within N
  years before applying;
- ``program_cap`` / ``year_cap``: credits converted into the target's programme (项目/专业),
  in all, or in one calendar year, may not pass the cap;
- ``once_per_program``: one source outcome is used once per target programme.

A rule made before conditions existed has none: all of its sources are ``all_of``, as before.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Literal

import msgspec


class Threshold(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    entry: int  # the catalog entry (a source) whose outcome carries the field
    field: str  # a field of that entry's sub-type in the tenant's taxonomy
    op: Literal[">=", "<="] = ">="
    value: float
    label: str = ""  # the field's label in the taxonomy when the rule was stored (成绩)


class AnyOf(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    n: int
    entries: list[int]


class Conditions(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=True):
    any_of: AnyOf | None = None
    thresholds: list[Threshold] = []
    obtained_from: date | None = None
    within_years: int | None = None
    program_cap: float | None = None
    year_cap: float | None = None
    once_per_program: bool | None = None  # None: the province's default


NONE = Conditions()


def decode(text: str | bytes | None) -> Conditions:
    if not text:
        return NONE
    return msgspec.json.decode(text, type=Conditions)


def encode(conditions: Conditions) -> str:
    return msgspec.json.encode(conditions).decode()


class Terms(msgspec.Struct, kw_only=True):
    """What the engine needs of one rule (one version of it)."""

    rule_id: int
    sources: list[int]  # every source entry; those not in ``any_of`` must all be held
    target: int
    target_program: str
    credits: float
    conditions: Conditions
    valid_from: date | None = None

    def all_of(self) -> list[int]:
        optional = set(self.conditions.any_of.entries) if self.conditions.any_of else set()
        return [s for s in self.sources if s not in optional]


class Holding(msgspec.Struct, kw_only=True):
    """One outcome the learner holds (catalog or recognized), or would hold in a what-if."""

    achievement_id: int  # 0 for a hypothetical outcome
    entry: int
    obtained_at: date | None
    fields: dict | str  # the outcome's field values; JSON text until a threshold reads one
    hypothetical: bool = False
    pending: bool = False  # stored but still under review: held, not yet usable

    def value(self, name: str) -> object:
        if isinstance(self.fields, str):
            self.fields = msgspec.json.decode(self.fields) if self.fields else {}
        return self.fields.get(name)


class Ledger(msgspec.Struct, kw_only=True):
    """What the learner has already converted (live or approved applications)."""

    used_rules: set[int] = msgspec.field(default_factory=set)  # rules with a live application
    held_targets: set[int] = msgspec.field(default_factory=set)
    program_credits: dict[str, float] = msgspec.field(default_factory=dict)  # target programme → credits
    year_credits: dict[str, float] = msgspec.field(default_factory=dict)  # "programme|year" → credits
    used_in_program: dict[str, set[int]] = msgspec.field(default_factory=dict)  # programme → achievement ids


class Defaults(msgspec.Struct, kw_only=True):
    program_cap: float | None = None
    year_cap: float | None = None
    once_per_program: bool = False


class Explanation(msgspec.Struct, kw_only=True):
    status: Literal["applies", "missing", "used"]
    because: list[str] = []  # why it applies (or what the learner holds towards it)
    missing: list[str] = []  # what fails, one sentence each
    uses: list[int] = []  # the achievements the rule would take


_CN = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NUMBER = re.compile(r"\d+(?:\.\d+)?|[零〇一二两三四五六七八九十]+")


def number_in(value: object) -> float | None:
    """The first number in a field's value: ``85``, ``"85分"``, ``"三级"`` (3), ``"十二"`` (12)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    match = _NUMBER.search(str(value))
    if not match:
        return None
    text = match.group()
    if text[0].isdigit():
        return float(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return float((_CN.get(tens, 1) if tens else 1) * 10 + (_CN.get(ones, 0) if ones else 0))
    return float("".join(str(_CN[c]) for c in text))


def _fmt(x: float) -> str:
    return f"{x:g}"


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def evaluate(terms: Terms, holdings: list[Holding], ledger: Ledger, *, today: date, names: dict[int, str],
             labels: dict[tuple[int, str], str], defaults: Defaults) -> Explanation:
    """Whether the rule applies to what the learner holds, and if not, why not.

    ``names`` gives each catalog entry's display name, ``labels`` each (entry, field) its label
    in the taxonomy. The explanation lists every failing condition, not only the first."""
    cond = terms.conditions
    if terms.rule_id in ledger.used_rules:
        return Explanation(status="used", because=["您已用此规则申请转换"])
    by_entry: dict[int, list[Holding]] = {}
    in_review: set[int] = set()
    for h in holdings:
        if h.pending:
            in_review.add(h.entry)
        else:
            by_entry.setdefault(h.entry, []).append(h)
    because: list[str] = []
    missing: list[str] = []
    chosen: list[Holding] = []
    program = terms.target_program
    once = cond.once_per_program if cond.once_per_program is not None else defaults.once_per_program
    used_here = ledger.used_in_program.get(program, set()) if once else set()

    def usable(entry: int) -> list[Holding]:
        return [h for h in by_entry.get(entry, []) if h.achievement_id == 0 or h.achievement_id not in used_here]

    lacking = [e for e in terms.all_of() if not by_entry.get(e) and e not in in_review]
    if lacking:
        missing.append("还需：" + "、".join(names.get(e, str(e)) for e in lacking))
    for e in terms.all_of():
        if not by_entry.get(e) and e in in_review:
            missing.append(f"您的成果“{names.get(e, str(e))}”尚在审核中，审核通过后方可用于转换")
    for e in terms.all_of():
        if by_entry.get(e):
            if not usable(e):
                missing.append(f"您的成果“{names.get(e, str(e))}”已用于{program or '该专业'}的其他转换，同一成果在一个专业只能使用一次")
            else:
                chosen.append(_best(usable(e), e, cond))
                because.append(f"持有：{names.get(e, str(e))}" + ("（假设）" if chosen[-1].hypothetical else ""))
    if cond.any_of:
        held = [e for e in cond.any_of.entries if usable(e)]
        if len(held) < cond.any_of.n:
            rest = [names.get(e, str(e)) for e in cond.any_of.entries if e not in held]
            missing.append(f"须持有以下 {len(cond.any_of.entries)} 项中的任意 {cond.any_of.n} 项，"
                           f"您已有 {len(held)} 项；还可取得：{'、'.join(rest)}")
        else:
            because.append(f"持有以下 {cond.any_of.n} 项：" + "、".join(names.get(e, str(e)) for e in held[:cond.any_of.n]))
        chosen += [_best(usable(e), e, cond) for e in held[:cond.any_of.n]]
    for t in cond.thresholds:
        outcome = next((h for h in chosen if h.entry == t.entry), None)
        if outcome is None:
            continue  # the source itself is missing: said above
        label = t.label or labels.get((t.entry, t.field), t.field)
        raw = outcome.value(t.field)
        got = number_in(raw)
        need = f"{label}须 {'≥' if t.op == '>=' else '≤'} {_fmt(t.value)}"
        if got is None and (raw is None or not str(raw).strip()):
            missing.append(f"{need}，您的成果“{names.get(t.entry, str(t.entry))}”未填写{label}")
        elif got is None:  # filled in as words (合格、优秀): nothing to compare
            missing.append(f"{need}，您的{label}为“{str(raw).strip()}”，其中没有可比较的数值，无法判断是否满足")
        elif (got >= t.value) if t.op == ">=" else (got <= t.value):
            because.append(f"{label} {_fmt(got)}，满足 {'≥' if t.op == '>=' else '≤'} {_fmt(t.value)}")
        else:
            missing.append(f"{need}，您的{label}为 {_fmt(got)}")
    earliest = cond.obtained_from
    if cond.within_years:
        window = _years_before(today, cond.within_years)
        earliest = max(earliest, window) if earliest else window
    if earliest:
        for h in chosen:
            if h.obtained_at is None:
                missing.append(f"须在 {earliest.isoformat()} 之后取得，您的成果“{names.get(h.entry, str(h.entry))}”未填写取得时间")
            elif h.obtained_at < earliest:
                if cond.obtained_from and earliest == cond.obtained_from:
                    missing.append(f"该规则 {earliest.isoformat()} 起生效，您的成果取得于 {h.obtained_at.isoformat()}")
                else:
                    missing.append(f"成果须在申请前 {cond.within_years} 年内取得（{earliest.isoformat()} 以后），"
                                   f"您的成果取得于 {h.obtained_at.isoformat()}")
    if terms.target in ledger.held_targets:
        missing.append(f"您已取得目标成果“{names.get(terms.target, str(terms.target))}”")
    program_cap = cond.program_cap if cond.program_cap is not None else defaults.program_cap
    if program_cap is not None:
        done = ledger.program_credits.get(program, 0.0)
        if done + terms.credits > program_cap:
            missing.append(f"{program or '该专业'}可转换学分上限为 {_fmt(program_cap)}，您已转换 {_fmt(done)} 学分，"
                           f"此规则 {_fmt(terms.credits)} 学分")
    year_cap = cond.year_cap if cond.year_cap is not None else defaults.year_cap
    if year_cap is not None:
        done = ledger.year_credits.get(f"{program}|{today.year}", 0.0)
        if done + terms.credits > year_cap:
            missing.append(f"{program or '该专业'}每年可转换学分上限为 {_fmt(year_cap)}，您今年已转换 {_fmt(done)} 学分，"
                           f"此规则 {_fmt(terms.credits)} 学分")
    return Explanation(status="missing" if missing else "applies", because=because, missing=missing,
                       uses=[h.achievement_id for h in chosen if h.achievement_id])


def _best(outcomes: list[Holding], entry: int, cond: Conditions) -> Holding:
    """Of several outcomes of one entry, the one most likely to pass: highest score on the
    entry's thresholds, then the newest."""
    fields = [t for t in cond.thresholds if t.entry == entry]

    def key(h: Holding):
        score = sum((number_in(h.value(t.field)) or -1e9) * (1 if t.op == ">=" else -1) for t in fields)
        return (not h.hypothetical, score, h.obtained_at or date.min)

    return max(outcomes, key=key)


def check(conditions: Conditions, sources: list[int], target: int, known_fields: dict[int, set[str]]) -> str | None:
    """A reason (in Chinese) why these conditions cannot be stored, or None.

    ``known_fields`` gives each source entry the fields its sub-type has in the taxonomy."""
    if target in sources:
        return "目标成果不能同时是源成果"
    if conditions.any_of:
        entries = conditions.any_of.entries
        if len(set(entries)) != len(entries):
            return "“任选”的成果有重复"
        if not 1 <= conditions.any_of.n <= len(entries):
            return f"“任选 {conditions.any_of.n} 项”须在 1 到 {len(entries)} 之间"
        if target in entries:
            return "目标成果不能同时是源成果"
    seen: dict[tuple[int, str], list[Threshold]] = {}
    for t in conditions.thresholds:
        if t.entry not in sources:
            return f"成绩条件所指的成果（编号 {t.entry}）不是该规则的源成果"
        if t.field not in known_fields.get(t.entry, set()):
            return f"成果分类中没有字段“{t.field}”，不能设置成绩或等级条件"
        seen.setdefault((t.entry, t.field), []).append(t)
    for group in seen.values():
        low = max((t.value for t in group if t.op == ">="), default=None)
        high = min((t.value for t in group if t.op == "<="), default=None)
        if low is not None and high is not None and low > high:
            return f"条件互相矛盾：{group[0].field} 须 ≥ {_fmt(low)} 且 ≤ {_fmt(high)}"
    if conditions.within_years is not None and not 1 <= conditions.within_years <= 100:
        return "“取得后年限”须在 1 到 100 年之间"
    for cap, label in ((conditions.program_cap, "专业学分上限"), (conditions.year_cap, "每年学分上限")):
        if cap is not None and cap < 0:
            return f"{label}不能为负数"
    return None


def describe(c: Conditions, names: dict[int, str], defaults: Defaults | None = None) -> list[str]:
    """Every condition besides holding the all-of sources, one plain sentence each."""
    out = []
    if c.any_of:
        out.append(f"任选 {c.any_of.n} 项：" + "、".join(names.get(e, str(e)) for e in c.any_of.entries))
    for t in c.thresholds:
        out.append(f"{names.get(t.entry, str(t.entry))}：{t.label or t.field} {'≥' if t.op == '>=' else '≤'} {_fmt(t.value)}")
    if c.obtained_from:
        out.append(f"成果须于 {c.obtained_from.isoformat()} 以后取得")
    if c.within_years:
        out.append(f"成果须在申请前 {c.within_years} 年内取得")
    d = defaults or Defaults()
    program_cap = c.program_cap if c.program_cap is not None else d.program_cap
    year_cap = c.year_cap if c.year_cap is not None else d.year_cap
    if program_cap is not None:
        out.append(f"每个专业最多转换 {_fmt(program_cap)} 学分")
    if year_cap is not None:
        out.append(f"每个专业每年最多转换 {_fmt(year_cap)} 学分")
    if c.once_per_program if c.once_per_program is not None else d.once_per_program:
        out.append("同一成果在一个专业只能使用一次")
    return out
