"""规则查询: the public search of published conversion rules, by words and by the catalog (名录)
entry a learner holds."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.exceptions import NotFoundException
from litestar.params import QueryParameter
from litestar.response import Template

from core.catalog import service as catalog
from core.ids import Cursor, Id, PathId, QueryId
from core.rules import explain as explained
from core.rules import service as rules
from core.web.portal import Portal, page

RULES_PER_PAGE = 20
SOURCE_CHOICES = 20


class RuleSearchPages(Controller):
    include_in_schema = False

    @get("/rules", opt={"public_read": True})
    async def search(
        self, portal: NamedDependency[Portal],
        q: Annotated[str | None, QueryParameter(max_length=100)] = None,
        source: Annotated[str | None, QueryParameter(max_length=100)] = None,
        catalog_entry_id: QueryId = None,
        target: Annotated[str | None, QueryParameter(max_length=100)] = None,
        target_entry_id: QueryId = None,
        cursor: Cursor = None,
    ) -> Template:
        """``source`` names what the learner holds, ``target`` what they want credit for
        (要获得某课程的学分，可以用哪些成果？): one catalog match filters the rules by it,
        several are offered to pick from (each a link with ``catalog_entry_id`` or
        ``target_entry_id``)."""
        tenant = portal.tenant
        q, source, target = (q or "").strip() or None, (source or "").strip() or None, (target or "").strip() or None
        entry = wanted = None
        choices, choice_param = None, "catalog_entry_id"
        for given_id, words, param in ((catalog_entry_id, source, "catalog_entry_id"),
                                       (target_entry_id, target, "target_entry_id")):
            picked = None
            if given_id:
                picked = await catalog.get_entry(tenant.id, given_id)
                if picked is None:
                    raise NotFoundException("名录中没有该成果")
            elif words and choices is None:
                found = await catalog.search(tenant.id, q=words, limit=SOURCE_CHOICES)
                if len(found.items) == 1 and not found.next_cursor:
                    picked = found.items[0]
                else:
                    choices, choice_param = found.items, param
            if param == "catalog_entry_id":
                entry = picked
            else:
                wanted = picked
        result = None
        if choices is None:
            result = await rules.search_rules(tenant.id, q=q, catalog_entry_id=entry.id if entry else None,
                                              target_entry_id=wanted.id if wanted else None,
                                              cursor=cursor, limit=RULES_PER_PAGE)
        base = {k: v for k, v in (("q", q), ("catalog_entry_id", entry.id if entry else None),
                                  ("target_entry_id", wanted.id if wanted else None)) if v}
        next_url = None
        if result and result.next_cursor:
            next_url = portal.url("rules") + "?" + urlencode({**base, "cursor": result.next_cursor})
        keep = {k: v for k, v in base.items() if k != choice_param}
        pick_url = portal.url("rules") + "?" + urlencode(keep) + ("&" if keep else "")
        subtypes = {(c.code, s.code): s.label for c in tenant.hooks.taxonomy.categories for s in c.subtypes}
        return page("rules/search.html", portal, form={"q": q or "", "source": source or "", "target": target or ""},
                    entry=entry, wanted=wanted, choices=choices, choice_param=choice_param,
                    rules=result.items if result else [], next_url=next_url, subtypes=subtypes,
                    pick_url=pick_url, searched=bool(q or entry or wanted or cursor))

    @get("/rules/{rule_id:int}/history", opt={"public_read": True})
    async def history(self, portal: NamedDependency[Portal], rule_id: PathId) -> Template:
        """A published rule's versions, newest first: what it asked and gave, and when."""
        versions = await rules.rule_versions(portal.tenant.id, rule_id, public=True)
        rule = await rules.get_rule(portal.tenant.id, rule_id)
        if versions is None or rule is None:
            raise NotFoundException("未找到该规则")
        return page("rules/history.html", portal, rule=rule, versions=versions)


class WhatIfPages(Controller):
    """假设取得: a learner picks catalog entries they do not hold yet and sees which rules
    those would open and what would still be missing."""

    include_in_schema = False

    @get("/me/what-if")
    async def what_if(self, portal: NamedDependency[Portal],
                      q: Annotated[str | None, QueryParameter(max_length=100)] = None,
                      entry: Annotated[list[Id] | None, QueryParameter(max_items=20)] = None) -> Template:
        learner = portal.require_learner()
        tenant = portal.tenant
        found = await catalog.search(tenant.id, q=q.strip(), limit=SOURCE_CHOICES) if q and q.strip() else None
        picked = [e for e in [await catalog.get_entry(tenant.id, i) for i in dict.fromkeys(entry or [])] if e]
        opens = missing = None
        if picked:
            opens, missing = await explained.what_if(tenant.id, tenant.hooks, learner.id, [e.id for e in picked])
        return page("rules/what_if.html", portal, form={"q": q or ""}, found=found.items if found else None,
                    picked=picked, opens=opens, missing=missing)
