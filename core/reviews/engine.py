"""The review-chain engine: turning a plugin's chain into the reviewers of one application,
and telling whether a staff member may decide its current step.

A chain is resolved once, when the application is submitted, against the unit it is made at;
the resolved steps (with their units) are stored with the application, so later changes to
the plugin or the tree never move an application in flight.
"""

from __future__ import annotations

import re
from datetime import datetime

import msgspec

from core.errors import DomainError
from core.hierarchy.tables import OrgUnit
from core.province import OpinionFormat, ReviewChain, ReviewStep
from core.security.principal import Principal
from core.workdays import due_at

# The working days a step takes when its chain names none: the 10 the credit banks promise.
DEFAULT_STEP_DAYS = 10


class ChainError(DomainError):
    pass


def step_due_at(step: ReviewStep, started: datetime) -> datetime:
    """When ``step``, begun at ``started``, should be decided: its working days later."""
    return due_at(started, step.days or DEFAULT_STEP_DAYS)


class ResolvedStep(ReviewStep, kw_only=True):
    """A step with the unit whose staff decide it (None: anyone with the role)."""

    unit_id: int | None = None
    unit_code: str | None = None
    unit_name: str | None = None


class ResolvedChain(msgspec.Struct, kw_only=True):
    steps: list[ResolvedStep]
    outcome: str = "add_target"
    unit_code: str | None = None  # the unit the application was made at


async def _units_on_path(tenant_id: int, path: str) -> list[dict]:
    """The units from the root down to the unit at ``path``."""
    codes = [c for c in path.strip("/").split("/") if c]
    rows = await OrgUnit.select(OrgUnit.id, OrgUnit.code, OrgUnit.name, OrgUnit.level).where(
        OrgUnit.tenant_id == tenant_id, OrgUnit.code.is_in(codes or [""]))
    by_code = {r["code"]: r for r in rows}
    return [by_code[c] for c in codes if c in by_code]


async def resolve_chain(tenant_id: int, chain: ReviewChain, unit: dict | None) -> ResolvedChain:
    """Find the reviewing unit of every step from ``unit`` (``{id, code, path}``) upward."""
    lineage = await _units_on_path(tenant_id, unit["path"]) if unit else []
    steps = []
    for step in chain.steps:
        found = None
        if step.reviewer != "tenant":
            if not lineage:
                raise ChainError(f"“{step.label}”由所在服务点审核，请先选择受理申请的服务点", 400,
                                 extra={"field": "unit_code"})
            if step.reviewer == "own_unit":
                found = lineage[-1]
            elif step.reviewer == "parent":
                found = lineage[-2] if len(lineage) > 1 else None
            else:
                found = next((u for u in reversed(lineage) if u["level"] == step.level), None)
            if found is None:
                raise ChainError(f"找不到负责“{step.label}”的单位（{unit['code']} 之上没有相应层级的单位），请联系服务点", 400,
                                 extra={"field": "unit_code"})
        steps.append(ResolvedStep(
            **{f: getattr(step, f) for f in step.__struct_fields__},
            unit_id=found["id"] if found else None, unit_code=found["code"] if found else None,
            unit_name=found["name"] if found else None,
        ))
    return ResolvedChain(steps=steps, outcome=chain.outcome, unit_code=unit["code"] if unit else None)


def decode_chain(value) -> ResolvedChain:
    return msgspec.json.decode(value, type=ResolvedChain) if isinstance(value, (str, bytes)) else msgspec.convert(value, ResolvedChain)


def may_decide(actor: Principal, step: ResolvedStep) -> bool:
    """Whether ``actor`` holds the step's role at the step's unit (or anywhere, for a
    tenant-wide step)."""
    return actor.holds(step.role, unit_id=step.unit_id)


# The decision an opinion states in words (…意见：同意 / 意见：不同意…), where it states one.
_STATED_DECISION = re.compile(r"意见\s*[:：]\s*(不同意|同意)")
_DECISION_WORDS = {"approve": "同意", "reject": "不同意"}


def opinion_example(fmt: OpinionFormat | None, unit: str = "", reviewer: str = "", decision: str = "approve") -> str:
    """The format's example said for this reviewer and this decision: its two free-text parts
    (the unit and the reviewer, as in ``教学点：X 审核人：X 意见：同意``) filled with ``unit``
    and ``reviewer``, and its decision word the one being made (a refusal the format wants a
    reason for gets ``（理由）``). A format of another shape gives its example as the plugin wrote it."""
    if fmt is None:
        return ""
    example = _stating(fmt, decision)
    match = re.fullmatch(fmt.pattern, example)
    if match is None:
        return example
    spans: list[tuple[int, int, str]] = []
    for index in range(1, (match.re.groups or 0) + 1):
        start, end = match.span(index)
        if start >= 0 and not any(a <= start and end <= b for a, b, _ in spans):
            spans.append((start, end, match.group(index)))
    free = [s for s in spans if s[2] not in _DECISION_WORDS.values()]
    if len(free) != 2 or not unit or not reviewer:
        return example
    values = {free[0][0]: unit, free[1][0]: reviewer}
    text = example
    for start, end, _ in sorted(spans, reverse=True):
        if start in values:
            text = text[:start] + values[start] + text[end:]
    return text if re.fullmatch(fmt.pattern, text) else example


def _stating(fmt: OpinionFormat, decision: str) -> str:
    """The example with its 意见：同意/不同意 turned to ``decision``, where the format accepts that."""
    example = fmt.example.strip()
    word = _DECISION_WORDS.get(decision, "同意")
    stated = re.search(r"意见\s*[:：]\s*(不同意|同意)", example)
    if not stated or stated.group(1) == word:
        return example
    head = example[:stated.start(1)] + word
    tail = example[stated.end(1):] if word == "不同意" else ""  # an agreeing example's reason is dropped
    for candidate in (head + tail, head, head + "，（理由）"):
        if re.fullmatch(fmt.pattern, candidate):
            return candidate
    return example


def check_opinion(step: ResolvedStep, opinion: str, decision: str | None = None, unit: str = "",
                  reviewer: str = "") -> None:
    """Refuse an opinion that does not follow the step's format, or whose words say the
    opposite of ``decision`` (the learner reads the opinion: 同意 with a refusing text, or the
    reverse, would tell them the wrong outcome). The example given is said for ``unit`` and
    ``reviewer``, the one deciding, and for ``decision``."""
    if step.opinion and not re.fullmatch(step.opinion.pattern, opinion.strip()):
        example = opinion_example(step.opinion, unit, reviewer, decision or "approve")
        raise ChainError(f"审核意见格式不正确，应为：{example}", 400, extra={"field": "opinion"})
    if not opinion.strip():
        raise ChainError("请填写审核意见", 400, extra={"field": "opinion"})
    stated = _STATED_DECISION.findall(opinion)
    if decision in _DECISION_WORDS and stated and stated[-1] != _DECISION_WORDS[decision]:
        raise ChainError(f"审核意见写的是“{stated[-1]}”，与审核结果“{_DECISION_WORDS[decision]}”不一致", 400,
                         extra={"field": "opinion"})


def issues_proof(kind: str, chain: ResolvedChain) -> bool:
    """Whether the final approval of an application of ``kind`` ends in a proof."""
    return kind == "certificate" or (kind == "conversion" and chain.outcome == "issue_proof")
