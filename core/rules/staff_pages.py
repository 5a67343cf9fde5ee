"""规则管理: every conversion rule of the tenant with its agreement, sources, target and
credits; publishing one, editing its text, validity, credits and ratio, retiring it — through
the rules service the ``/rules`` API uses."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import QueryParameter
from litestar.response import Template

from core.errors import DomainError
from core.ids import Cursor, PathId
from core.rules import service
from core.rules.schemas import RuleIn, RuleOut, RulePatch
from core.rules.tables import Rule
from core.security import permissions
from core.web.pages import FormData
from core.web.portal import FormError, Portal, errors_of, page, read_form, redirect

STATUSES = [("published", "已发布"), ("retired", "已停用")]
RULE_FIELDS = ("agreement", "name", "description", "sources", "target", "credits", "ratio", "valid_from", "valid_to")


def _typed(data: dict, names: tuple[str, ...]) -> dict[str, str]:
    return {k: str(data.get(k) or "").strip() for k in names}


def _sources(text: str) -> list[str]:
    """One source per line (or separated by ``;`` as in import files)."""
    return [s.strip() for line in text.splitlines() for s in line.split(";") if s.strip()]


def _edit_form(rule: RuleOut) -> dict[str, str]:
    return {"description": rule.description, "credits": f"{rule.target.credits:g}", "ratio": str(rule.target.ratio),
            "valid_from": rule.valid_from.isoformat() if rule.valid_from else "",
            "valid_to": rule.valid_to.isoformat() if rule.valid_to else ""}


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
            rule = read_form({k: v for k, v in form.items() if k != "sources"}, RuleIn, sources=sources)
            async with Rule._meta.db.transaction():
                rule_id = await service.create_rule(portal.tenant.id, rule)
        except DomainError as exc:
            return page("rules/staff_rule_form.html", portal, status=exc.status, form=form, errors=errors_of(exc),
                        rule=None)
        return redirect(portal, f"staff/rules/{rule_id}", done=f"规则“{rule.name.strip()}”已发布")

    @get("/{rule_id:int}")
    async def edit(self, portal: NamedDependency[Portal], rule_id: PathId) -> Template:
        viewer = portal.require_staff()
        rule = await self._rule(portal, rule_id)
        return page("rules/staff_rule_form.html", portal, form=_edit_form(rule), rule=rule,
                    can_manage=permissions.may(viewer, "rules.manage"))

    @post("/{rule_id:int}", status_code=200)
    async def update(self, portal: NamedDependency[Portal], rule_id: PathId, data: FormData) -> Response:
        portal.require_staff("rules.manage")
        rule = await self._rule(portal, rule_id)
        form = _typed(data, ("description", "credits", "ratio", "valid_from", "valid_to"))
        before = _edit_form(rule)
        try:
            # Only what changed is sent: credits and ratio are frozen once a rule is used, and
            # re-sending them unchanged must not count as changing them.
            changed = {k: v for k, v in form.items() if v != before[k]}
            patch = read_form(changed, RulePatch)
            await service.update_rule(portal.tenant.id, rule_id, patch, portal.require().as_actor())
        except DomainError as exc:
            return page("rules/staff_rule_form.html", portal, status=exc.status, form=form, errors=errors_of(exc),
                        rule=rule, can_manage=True)
        return redirect(portal, f"staff/rules/{rule_id}", done="规则已保存")

    @post("/{rule_id:int}/retire", status_code=303)
    async def retire(self, portal: NamedDependency[Portal], rule_id: PathId) -> Response:
        portal.require_staff("rules.manage")
        rule = await service.retire_rule(portal.tenant.id, rule_id)
        return redirect(portal, "staff/rules", done=f"规则“{rule.name}”已停用")

    async def _rule(self, portal: Portal, rule_id: int) -> RuleOut:
        rule = await service.get_rule(portal.tenant.id, rule_id)
        if rule is None:
            raise NotFoundException("未找到该规则")
        return rule
