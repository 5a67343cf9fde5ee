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
from core.ids import Cursor, QueryId
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
        cursor: Cursor = None,
    ) -> Template:
        """``source`` names what the learner holds: one catalog match filters the rules by it,
        several are offered to pick from (each a link with ``catalog_entry_id``)."""
        tenant = portal.tenant
        q, source = (q or "").strip() or None, (source or "").strip() or None
        entry, choices = None, None
        if catalog_entry_id:
            entry = await catalog.get_entry(tenant.id, catalog_entry_id)
            if entry is None:
                raise NotFoundException("名录中没有该成果")
        elif source:
            found = await catalog.search(tenant.id, q=source, limit=SOURCE_CHOICES)
            if len(found.items) == 1 and not found.next_cursor:
                entry = found.items[0]
            else:
                choices = found.items
        result = None
        if choices is None:
            result = await rules.search_rules(tenant.id, q=q, catalog_entry_id=entry.id if entry else None,
                                              cursor=cursor, limit=RULES_PER_PAGE)
        base = {k: v for k, v in (("q", q), ("catalog_entry_id", entry.id if entry else None)) if v}
        next_url = None
        if result and result.next_cursor:
            next_url = portal.url("rules") + "?" + urlencode({**base, "cursor": result.next_cursor})
        pick_url = portal.url("rules") + "?" + urlencode({k: v for k, v in (("q", q),) if v})
        subtypes = {(c.code, s.code): s.label for c in tenant.hooks.taxonomy.categories for s in c.subtypes}
        return page("rules/search.html", portal, form={"q": q or "", "source": source or ""}, entry=entry,
                    choices=choices, rules=result.items if result else [], next_url=next_url, subtypes=subtypes,
                    pick_url=pick_url, searched=bool(q or entry or cursor))
