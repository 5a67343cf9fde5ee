"""规则管理: every conversion rule of the tenant with its agreement, sources, target and
credits; publishing one, editing its text, validity, credits and ratio, retiring it — through
the rules service the ``/rules`` API uses."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

import msgspec
from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import QueryParameter
from litestar.response import Template

from core.db import one
from core.errors import DomainError
from core.ids import Cursor, PathId
from core.rules import conditions as cond
from core.rules import service
from core.rules.impact import preview
from core.rules.schemas import ConditionsIn, ImpactIn, RuleIn, RuleOut, RulePatch
from core.rules.tables import Rule
from core.security import permissions
from core.web.pages import FormData
from core.web.portal import FormError, Portal, errors_of, page, read_form, redirect

STATUSES = [("published", "已发布"), ("retired", "已停用")]
CONDITION_FIELDS = ("any_of", "thresholds", "obtained_from", "within_years", "program_cap", "year_cap", "once_per_program")
RULE_FIELDS = ("agreement", "name", "description", "sources", "target", "credits", "ratio", "valid_from", "valid_to",
               *CONDITION_FIELDS)
EDIT_FIELDS = ("description", "credits", "ratio", "valid_from", "valid_to", *CONDITION_FIELDS)


def _typed(data: dict, names: tuple[str, ...]) -> dict[str, str]:
    return {k: str(data.get(k) or "").strip() for k in names}


def _sources(text: str) -> list[str]:
    """One source per line (or separated by ``;`` as in import files)."""
    return [s.strip() for line in text.splitlines() for s in line.split(";") if s.strip()]


def _conditions(form: dict[str, str]):
    """The condition fields as the import reads them (one threshold per line or ``;``)."""
    return service.conditions_from_row({**form, "thresholds": ";".join(
        t.strip() for line in form.get("thresholds", "").splitlines() for t in line.split(";") if t.strip())})


async def _condition_form(tenant_id: int, rule_id: int) -> dict[str, str]:
    """The stored conditions written back the way the form takes them."""
    row = one(await Rule.select(Rule.conditions).where(Rule.id == rule_id, Rule.tenant_id == tenant_id).first())
    c = cond.decode(row["conditions"])
    names = await service.entry_refs(tenant_id, [*(c.any_of.entries if c.any_of else []), *(t.entry for t in c.thresholds)])
    return {
        "any_of": f"{c.any_of.n}:" + ";".join(names[e] for e in c.any_of.entries) if c.any_of else "",
        "thresholds": "\n".join(f"{names[t.entry]}:{t.label or t.field}{t.op}{t.value:g}" for t in c.thresholds),
        "obtained_from": c.obtained_from.isoformat() if c.obtained_from else "",
        "within_years": str(c.within_years or ""), "program_cap": f"{c.program_cap:g}" if c.program_cap is not None else "",
        "year_cap": f"{c.year_cap:g}" if c.year_cap is not None else "",
        "once_per_program": "" if c.once_per_program is None else ("是" if c.once_per_program else "否"),
    }


async def _edit_form(tenant_id: int, rule: RuleOut) -> dict[str, str]:
    return {"description": rule.description, "credits": f"{rule.target.credits:g}", "ratio": str(rule.target.ratio),
            "valid_from": rule.valid_from.isoformat() if rule.valid_from else "",
            "valid_to": rule.valid_to.isoformat() if rule.valid_to else "",
            **await _condition_form(tenant_id, rule.id)}


class RuleStaffPages(Controller):
    path = "/staff/rules"
    include_in_schema = False

    @get("/")
    async def index(self, portal: NamedDependency[Portal],
                    q: Annotated[str | None, QueryParameter(max_length=100)] = None,
                    status: Annotated[str | None, QueryParameter(pattern=r"^(published|retired)?$")] = None,
                    cursor: Cursor = None) -> Template:
        viewer = portal.require_staff()
        found = await service.list_rules(portal.tenant.id, q=q, status=status or None, cursor=cursor, limit=20)
        form = {"q": q or "", "status": status or ""}
        next_url = None
        if found.next_cursor:
            next_url = portal.url("staff/rules") + "?" + urlencode(
                {**{k: v for k, v in form.items() if v}, "cursor": found.next_cursor})
        return page("rules/staff_rules.html", portal, form=form, rules=found.items, next_url=next_url,
                    statuses=STATUSES, can_manage=permissions.may(viewer, "rules.manage"))

    @get("/new")
    async def new(self, portal: NamedDependency[Portal]) -> Template:
        portal.require_staff("rules.manage")
        return page("rules/staff_rule_form.html", portal, form={"ratio": "100"}, rule=None)

    @post("/new", status_code=200)
    async def create(self, portal: NamedDependency[Portal], data: FormData) -> Response:
        portal.require_staff("rules.manage")
        form = _typed(data, RULE_FIELDS)
        try:
            sources = _sources(form["sources"])
            if not sources:
                raise FormError("sources", "请至少填写一个源成果")
            if not form["target"]:
                raise FormError("target", "请填写目标成果")
            conditions = _conditions(form)
            rule = read_form({k: v for k, v in form.items() if k not in ("sources", *CONDITION_FIELDS)}, RuleIn,
                             sources=sources, conditions=msgspec.to_builtins(conditions) if conditions else None)
            async with Rule._meta.db.transaction():
                rule_id = await service.create_rule(portal.tenant.id, rule, portal.tenant.hooks)
        except DomainError as exc:
            return page("rules/staff_rule_form.html", portal, status=exc.status, form=form, errors=errors_of(exc),
                        rule=None)
        return redirect(portal, f"staff/rules/{rule_id}", done=f"规则“{rule.name.strip()}”已发布")

    @get("/{rule_id:int}")
    async def edit(self, portal: NamedDependency[Portal], rule_id: PathId) -> Template:
        viewer = portal.require_staff()
        rule = await self._rule(portal, rule_id)
        return page("rules/staff_rule_form.html", portal, form=await _edit_form(portal.tenant.id, rule), rule=rule,
                    can_manage=permissions.may(viewer, "rules.manage"), versions=await self._versions(portal, rule_id))

    @post("/{rule_id:int}", status_code=200)
    async def update(self, portal: NamedDependency[Portal], rule_id: PathId, data: FormData) -> Response:
        portal.require_staff("rules.manage")
        rule = await self._rule(portal, rule_id)
        form = _typed(data, (*EDIT_FIELDS, "note"))
        before = await _edit_form(portal.tenant.id, rule)
        versions = await self._versions(portal, rule_id)
        try:
            # Only what changed is sent: re-sending a value unchanged must not publish a version.
            changed = {k: v for k, v in form.items() if k in before and k not in CONDITION_FIELDS and v != before[k]}
            conditions = None
            if any(form[k] != before[k] for k in CONDITION_FIELDS):
                conditions = _conditions(form) or ConditionsIn()
            patch = read_form(changed, RulePatch, note=form["note"],
                              conditions=msgspec.to_builtins(conditions) if conditions is not None else None)
            if data.get("preview"):
                impact = await preview(portal.tenant.id, portal.tenant.hooks, ImpactIn(rule_id=rule_id, patch=patch))
                return page("rules/staff_rule_form.html", portal, form=form, rule=rule, can_manage=True,
                            versions=versions, impact=impact)
            await service.update_rule(portal.tenant.id, rule_id, patch, portal.tenant.hooks)
        except DomainError as exc:
            return page("rules/staff_rule_form.html", portal, status=exc.status, form=form, errors=errors_of(exc),
                        rule=rule, can_manage=True, versions=versions)
        return redirect(portal, f"staff/rules/{rule_id}", done="规则已保存")

    @post("/{rule_id:int}/retire", status_code=303)
    async def retire(self, portal: NamedDependency[Portal], rule_id: PathId) -> Response:
        portal.require_staff("rules.manage")
        rule = await service.retire_rule(portal.tenant.id, rule_id)
        return redirect(portal, "staff/rules", done=f"规则“{rule.name}”已停用")

    async def _versions(self, portal: Portal, rule_id: int) -> list:
        return await service.rule_versions(portal.tenant.id, rule_id, public=False) or []

    async def _rule(self, portal: Portal, rule_id: int) -> RuleOut:
        rule = await service.get_rule(portal.tenant.id, rule_id)
        if rule is None:
            raise NotFoundException("未找到该规则")
        return rule
