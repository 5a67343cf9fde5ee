"""The catalog picker (成果选择) that 成果添加 and 业绩类成果转换申请 share: 查询 by keyword over
project, entry and institution, pick one, 确认.

Without JavaScript it is a GET form on the page that uses it: ``q`` and ``cursor`` search,
``entry`` is the pick, and the page's own parameters (``keep``) ride along in hidden fields.
With JavaScript the same search runs in a ``<dialog>`` against the public catalog API and the
pick fills the page's form in place (``core/web/static/outcomes.js``); the templates are in
``catalog/picker.html``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from core.catalog import service
from core.catalog.schemas import CatalogEntryOut
from core.ids import in_range
from core.web.portal import Portal

PAGE_SIZE = 10


def query_int(value: object) -> int | None:
    """A positive whole number from a query string or form, else None (never an error: a
    mangled link shows the page without it)."""
    text = str(value or "").strip()
    return int(text) if text.isdigit() and in_range(int(text)) else None


@dataclass
class CatalogPicker:
    """What the picker shows: the search typed, its results, and the entry picked."""

    q: str
    searched: bool
    category: str | None
    subtype: str | None
    keep: dict[str, str]
    results: list[CatalogEntryOut] = field(default_factory=list)
    next_query: str | None = None
    chosen: CatalogEntryOut | None = None
    error: str | None = None


async def catalog_picker(portal: Portal, *, keep: dict[str, str], category: str | None = None,
                         subtype: str | None = None, chosen_id: int | None = None) -> CatalogPicker:
    """The picker for this request: searched when the query string has ``q`` (even empty: the
    whole list of the sub-type), the pick from ``entry`` unless ``chosen_id`` says which. A pick
    that is not an active entry of ``category``/``subtype`` is dropped with ``error`` set."""
    params = portal.request.query_params
    q = (params.get("q") or "").strip()[:100]
    entry_id = chosen_id if chosen_id is not None else query_int(params.get("entry"))
    picker = CatalogPicker(q=q, searched=False, category=category, subtype=subtype, keep=keep)
    if entry_id:
        chosen = await service.get_entry(portal.tenant.id, entry_id)
        if chosen is None or (category and chosen.category != category) or (subtype and chosen.subtype != subtype):
            picker.error = "所选名录成果不存在或不属于该成果分类，请重新查询"
        else:
            picker.chosen = chosen
    if "q" in params and picker.chosen is None:
        cursor = query_int(params.get("cursor"))
        found = await service.search(portal.tenant.id, q=q or None, category=category, subtype=subtype,
                                     cursor=cursor, limit=PAGE_SIZE)
        picker.searched = True
        picker.results = found.items
        if found.next_cursor:
            picker.next_query = urlencode({**keep, "q": q, "cursor": found.next_cursor})
    return picker
