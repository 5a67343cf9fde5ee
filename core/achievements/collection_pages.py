"""Information collection at the window, in the staff portal: entering an outcome for a
learner of the unit's subtree (窗口信息采集), and the learners' objections (成果异议) to decide."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.response import Template

from core.achievements import collection
from core.achievements.collection import CollectIn, DisputeDecisionIn
from core.errors import DomainError
from core.ids import PathId
from core.web.pages import FormData
from core.web.portal import Portal, errors_of, page, redirect
from core.web.security import site_link


def _subtypes(portal: Portal) -> list[tuple[str, str]]:
    return [(f"{c.code}/{s.code}", c.label if len(c.subtypes) == 1 else f"{c.label} · {s.label}")
            for c in portal.tenant.hooks.taxonomy.categories for s in c.subtypes]


def _collect_page(portal: Portal, account_id: int, kind: str, *, status: int = 200, form: dict | None = None,
                  errors: dict | None = None) -> Template:
    category, _, subtype = kind.partition("/")
    sub = portal.tenant.hooks.taxonomy.subtype(category, subtype) if kind else None
    fields = [{"name": f.name, "label": f.label, "required": f.required, "help": f.help, "type": f.type,
               "options": [(o, o) for o in f.options]} for f in (sub.fields if sub else [])]
    return page("collection/collect.html", portal, status=status, title="窗口信息采集", account_id=account_id,
                kinds=_subtypes(portal), kind=kind, fields=fields, form=form or {"kind": kind}, errors=errors or {})


class CollectionPages(Controller):
    path = "/staff"
    include_in_schema = False

    @get("/collect/{account_id:int}")
    async def form(self, portal: NamedDependency[Portal], account_id: PathId,
                   kind: Annotated[str, QueryParameter(max_length=130)] = "") -> Template:
        portal.require_staff("imports.collect")
        return _collect_page(portal, account_id, kind)

    @post("/collect/{account_id:int}", status_code=200)
    async def collect(self, request: Request, portal: NamedDependency[Portal], account_id: PathId,
                      data: FormData) -> Response:
        actor = portal.require_staff("imports.collect")
        kind = str(data.get("kind") or "")
        category, _, subtype = kind.partition("/")
        sub = portal.tenant.hooks.taxonomy.subtype(category, subtype)
        form = {k: str(v) for k, v in data.items() if isinstance(v, str)}
        if sub is None:
            return _collect_page(portal, account_id, "", status=400, form=form, errors={"kind": "请选择成果类别"})
        values = {f.name: form[f.name].strip() for f in sub.fields if form.get(f.name, "").strip()}
        try:
            await collection.collect(portal.tenant, actor, account_id, CollectIn(
                category=category, subtype=subtype, fields=values, unit_code=form.get("unit_code") or None),
                site_link(request, portal.tenant, "/login"))
        except DomainError as exc:
            if exc.status == 404:
                raise
            return _collect_page(portal, account_id, kind, status=exc.status, form=form, errors=errors_of(exc))
        return redirect(portal, f"staff/learners/{account_id}", done="成果已采集录入，已通知学习者核对")

    @get("/disputes")
    async def disputes(self, portal: NamedDependency[Portal],
                       status: Annotated[str, QueryParameter(max_length=16)] = "pending") -> Template:
        actor = portal.require_staff("imports.collect")
        items, _ = await collection.staff_disputes(portal.tenant, actor, status or None, None, 100)
        return page("collection/disputes.html", portal, title="成果异议", items=items, tab=status,
                    tabs=list(collection.DISPUTE_LABELS.items()), form={}, errors={})

    @post("/disputes/{dispute_id:int}", status_code=200)
    async def decide(self, portal: NamedDependency[Portal], dispute_id: PathId, data: FormData) -> Response:
        actor = portal.require_staff("imports.collect")
        decision = str(data.get("decision") or "")
        opinion = str(data.get("opinion") or "")[:2000]
        try:
            if decision not in ("uphold", "dismiss"):
                raise DomainError("请选择处理结果", 400, extra={"field": "decision"})
            await collection.decide_dispute(portal.tenant, actor, dispute_id,
                                            DisputeDecisionIn(decision=decision, opinion=opinion))  # type: ignore[arg-type]
        except DomainError as exc:
            if exc.status == 404:
                raise
            items, _ = await collection.staff_disputes(portal.tenant, actor, "pending", None, 100)
            return page("collection/disputes.html", portal, status=exc.status, title="成果异议", items=items,
                        tab="pending", tabs=list(collection.DISPUTE_LABELS.items()),
                        form={"opinion": opinion, "dispute": dispute_id}, errors=errors_of(exc))
        return redirect(portal, "staff/disputes", done="异议已处理，已通知学习者")
