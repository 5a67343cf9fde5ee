"""The learner's outcome pages: 我的信息 (profile, status counts, the outcomes table), 成果添加
(category and sub-type, the catalog picker, the taxonomy's fields) and one outcome's page (its
fields, evidence upload and download, its applications, deletion) — over the same services as
``/api/v1/me/achievements``. It lives in reviews, the highest package it shows (an outcome's
applications, whether it may be deleted)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Template

from core.accounts.service import account_out
from core.accounts.tables import Account
from core.achievements import service
from core.achievements.collection import DisputeIn, open_dispute
from core.achievements.schemas import SOURCE_LABELS, STATUS_LABELS, AchievementIn, AchievementOut
from core.catalog.fields import check_value
from core.catalog.pages import catalog_picker, query_int
from core.db import one
from core.errors import DomainError
from core.hierarchy.unit_picker import unit_options
from core.ids import PathId
from core.province import Category, Evidence, Field, Subtype, Taxonomy
from core.reviews.reactions import deletion_refusal
from core.reviews.service import DECISION_LABELS, KIND_LABELS, my_applications
from core.reviews.service import STATUS_LABELS as APPLICATION_STATUS_LABELS
from core.web.downloads import file_response
from core.web.pages import FormData
from core.web.portal import Portal, errors_of, page, redirect

Upload = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]

PAGE_SIZE = 10
# How a taxonomy field type is typed in a browser.
INPUT_TYPES = {"date": "date", "email": "email", "phone": "tel", "integer": "text", "number": "text"}
FILE_ACCEPT = {"jpg": "image/jpeg", "png": "image/png", "gif": "image/gif", "pdf": "application/pdf"}


def find_subtype(taxonomy: Taxonomy, category: str, subtype: str) -> tuple[Category, Subtype] | None:
    for cat in taxonomy.categories:
        if cat.code == category:
            sub = next((s for s in cat.subtypes if s.code == subtype), None)
            return (cat, sub) if sub else None
    return None


def field_view(f: Field) -> dict[str, Any]:
    """What the field macros need to draw a taxonomy field as a labelled input."""
    attrs = ""
    if f.type == "integer":
        attrs = 'inputmode="numeric"'
    elif f.type == "number":
        attrs = 'inputmode="decimal"'
    return {"name": f.name, "label": f.label, "type": f.type, "input_type": INPUT_TYPES.get(f.type, "text"),
            "required": f.required, "help": f.help, "options": [(o, o) for o in f.options], "attrs": attrs,
            "from_catalog": f.from_catalog}


def file_types(evidence: list[Evidence]) -> list[str]:
    """The file types a sub-type's evidence accepts, in the taxonomy's order (the service's
    default when it names none)."""
    return list(dict.fromkeys(t for e in evidence for t in e.file_types)) or ["jpg", "png", "gif"]


def _uses_catalog(sub: Subtype, manual: bool) -> bool:
    """Whether the catalog fields come from a picked entry (else every field is typed)."""
    return not manual and any(f.from_catalog for f in sub.fields)


def _kind_page(portal: Portal, *, status: int = 200, form: dict | None = None, errors: dict | None = None) -> Template:
    taxonomy = portal.tenant.hooks.taxonomy
    return page("achievements/new_kind.html", portal, status=status, form=form or {}, errors=errors or {},
                categories=[(c.code, c.label) for c in taxonomy.categories], taxonomy=taxonomy)


async def _fields_page(portal: Portal, cat: Category, sub: Subtype, *, manual: bool, status: int = 200,
                       form: dict | None = None, errors: dict | None = None, entry_id: int | None = None) -> Template:
    keep = {"category": cat.code, "subtype": sub.code}
    picker = None
    if _uses_catalog(sub, manual):
        picker = await catalog_picker(portal, keep=keep, category=cat.code, subtype=sub.code, chosen_id=entry_id)
    types = file_types(sub.evidence)
    here = portal.url("me/achievements/new")
    return page("achievements/new_fields.html", portal, status=status, form=form or {}, errors=errors or {},
                category=cat, sub=sub, manual=manual, picker=picker, fields=[field_view(f) for f in sub.fields],
                evidence_types="、".join(types), manual_url=f"{here}?{urlencode({**keep, 'manual': 1})}",
                catalog_url=f"{here}?{urlencode(keep)}",
                unit_options=await unit_options(portal.tenant.id) if any(f.type == "unit" for f in sub.fields) else None)


async def _detail_page(portal: Portal, outcome: AchievementOut, *, status: int = 200, form: dict | None = None,
                       errors: dict | None = None) -> Template:
    hooks = portal.tenant.hooks
    sub = hooks.taxonomy.subtype(outcome.category, outcome.subtype)
    known = sub.fields if sub else []
    shown = [(f.label, outcome.fields[f.name]) for f in known if outcome.fields.get(f.name) not in (None, "")]
    shown += [(name, value) for name, value in outcome.fields.items()  # fields a later taxonomy dropped
              if name not in {f.name for f in known} and value not in (None, "")]
    evidence = sub.evidence if sub else []
    types = file_types(evidence)
    applications = (await my_applications(portal.tenant, portal.require_learner().id, achievement_id=outcome.id,
                                          cursor=None, limit=50)).items
    can_recognize = outcome.status in ("unapplied", "rejected") and outcome.source == "self" and \
        hooks.review_chain("recognition", outcome.category, outcome.subtype) is not None
    return page(
        "achievements/detail.html", portal, status=status, errors=errors or {}, outcome=outcome,
        form=form or {"item": evidence[0].name if evidence else ""},  # the first (required) item to start with
        fields=shown, evidence_items=[(e.name, e.label + ("（必传）" if e.required else "（选传）")) for e in evidence],
        item_labels={e.name: e.label for e in evidence}, evidence_types="、".join(types),
        accept=",".join(FILE_ACCEPT[t] for t in types if t in FILE_ACCEPT),
        can_upload=service.accepts_evidence(outcome.status, outcome.source, outcome.applications),
        can_recognize=can_recognize,
        can_convert=outcome.status in ("catalog", "recognized") and sub is not None and sub.conversion == "rule",
        can_pick_target=sub is not None and sub.conversion == "catalog_pick",
        review_note=sub.description if sub else "", status_labels=STATUS_LABELS, source_labels=SOURCE_LABELS,
        kind_labels=KIND_LABELS, application_labels=APPLICATION_STATUS_LABELS, applications=applications,
        decision_labels=DECISION_LABELS, kept=await deletion_refusal(
            portal.tenant, {"id": outcome.id, "source": outcome.source, "status": outcome.status}),
    )


class MyOutcomePages(Controller):
    path = "/me"
    include_in_schema = False

    @get("/")
    async def me(self, portal: NamedDependency[Portal]) -> Template:
        """我的信息: who I am (ID number masked), the counts (each a filter), my outcomes a page at a time."""
        learner = portal.require_learner()
        tenant = portal.tenant
        params = portal.request.query_params
        status = params.get("status") if params.get("status") in service.STATUSES else None
        cursor = query_int(params.get("cursor"))
        row = one(await Account.select().where(Account.id == learner.id, Account.tenant_id == tenant.id).first())
        outcomes = await service.list_achievements(tenant, learner.id, status=status, cursor=cursor, limit=PAGE_SIZE)
        filters = {"status": status} if status else {}
        return page(
            "achievements/me.html", portal, profile=await account_out(row), summary=await service.summary(tenant, learner.id),
            outcomes=outcomes.items, chosen=status, status_labels=STATUS_LABELS, source_labels=SOURCE_LABELS,
            next_url=portal.url("me") + "?" + urlencode({**filters, "cursor": outcomes.next_cursor})
            if outcomes.next_cursor else None,
            first_url=portal.url("me") + ("?" + urlencode(filters) if filters else "") if cursor else None,
        )

    @get("/achievements/new")
    async def new(self, portal: NamedDependency[Portal]) -> Template:
        """成果添加. Without ``category``/``subtype``: choose them; with them: the picker and the fields."""
        portal.require_learner()
        params = portal.request.query_params
        category, subtype = params.get("category") or "", params.get("subtype") or ""
        if not category and not subtype:
            return _kind_page(portal)
        found = find_subtype(portal.tenant.hooks.taxonomy, category, subtype)
        if found is None:
            errors = {"category": "请选择成果分类"} if not category else {
                "subtype": "请选择成果小类" if not subtype else "所选小类不属于该成果分类，请重新选择"}
            return _kind_page(portal, status=400, form={"category": category, "subtype": subtype}, errors=errors)
        return await _fields_page(portal, *found, manual=bool(params.get("manual")))

    @post("/achievements/new", status_code=200)
    async def add(self, portal: NamedDependency[Portal], data: FormData) -> Response:
        learner = portal.require_learner()
        category, subtype = str(data.get("category") or ""), str(data.get("subtype") or "")
        found = find_subtype(portal.tenant.hooks.taxonomy, category, subtype)
        if found is None:
            return _kind_page(portal, status=400, form={"category": category, "subtype": subtype},
                              errors={"subtype": "请选择成果分类和小类"})
        cat, sub = found
        manual = bool(data.get("manual"))
        uses_catalog = _uses_catalog(sub, manual)
        entry_id = query_int(data.get("catalog_entry_id")) if uses_catalog else None
        typed = [f for f in sub.fields if not (uses_catalog and f.from_catalog)]
        values = {f.name: str(data.get(f.name) or "").strip() for f in typed}
        errors: dict[str, str] = {}
        if uses_catalog and entry_id is None:
            errors["catalog_entry_id"] = "请先查询名录并选择成果；名录中没有时请选择手动输入"
        for f in typed:  # every field's message at once, by the service's own check
            try:
                check_value(f, values[f.name])
            except DomainError as exc:
                errors[f.name] = str(exc)
        if not errors:
            try:
                added = await service.add_achievement(portal.tenant, learner.id, AchievementIn(
                    category=cat.code, subtype=sub.code, catalog_entry_id=entry_id,
                    fields={k: v for k, v in values.items() if v}))
            except DomainError as exc:
                errors = errors_of(exc)
                if not ({"catalog_entry_id", *values} & set(errors)):
                    errors = {"_form": next(iter(errors.values()))}
                status = exc.status
            else:
                done = "成果已添加并提交审核，请上传证明材料" if added.status == "applied" else "成果已添加，请上传证明材料"
                return redirect(portal, f"me/achievements/{added.id}", done=done)
        else:
            status = 400
        return await _fields_page(portal, cat, sub, manual=manual, status=status, errors=errors, entry_id=entry_id,
                                  form=values)

    @get("/achievements/{achievement_id:int}")
    async def one(self, portal: NamedDependency[Portal], achievement_id: PathId) -> Template:
        learner = portal.require_learner()
        return await _detail_page(portal, await service.get_achievement(portal.tenant, learner.id, achievement_id))

    @post("/achievements/{achievement_id:int}/evidence", status_code=200)
    async def upload(self, request: Request, portal: NamedDependency[Portal], achievement_id: PathId,
                     data: Upload) -> Response:
        """One evidence file; a refused file re-shows the page with the reason beside the file field."""
        learner = portal.require_learner()
        upload, item = data.get("file"), str(data.get("item") or "")
        try:
            if not isinstance(upload, UploadFile) or not upload.filename:
                raise DomainError("请选择要上传的文件", 400, extra={"field": "file"})
            await service.add_evidence(portal.tenant, request.app.state.storage, learner.id, achievement_id,
                                       upload.filename, await upload.read(), item,
                                       request.app.state.settings.max_upload_mb * 1024 * 1024)
        except DomainError as exc:
            if exc.status == 404:
                raise
            errors = errors_of(exc)
            if "_form" in errors and exc.status in (400, 413, 415):  # the file's size or content
                errors = {"file": errors["_form"]}
            outcome = await service.get_achievement(portal.tenant, learner.id, achievement_id)
            return await _detail_page(portal, outcome, status=exc.status, errors=errors, form={"item": item})
        return redirect(portal, f"me/achievements/{achievement_id}", done="证明材料已上传")

    @get("/achievements/{achievement_id:int}/evidence/{evidence_id:int}")
    async def download(self, request: Request, portal: NamedDependency[Portal], achievement_id: PathId,
                       evidence_id: PathId) -> Response:
        learner = portal.require_learner()
        row = await service.evidence_for_owner(portal.tenant, learner.id, achievement_id, evidence_id)
        return await file_response(request.app.state.storage, row)

    @post("/achievements/{achievement_id:int}/dispute", status_code=200)
    async def dispute(self, portal: NamedDependency[Portal], achievement_id: PathId, data: FormData) -> Response:
        """An objection to an outcome a window collected (core.achievements.collection)."""
        learner = portal.require_learner()
        grounds = str(data.get("grounds") or "")[:2000]
        try:
            await open_dispute(portal.tenant, learner.id, achievement_id, DisputeIn(grounds=grounds))
        except DomainError as exc:
            if exc.status == 404:
                raise
            outcome = await service.get_achievement(portal.tenant, learner.id, achievement_id)
            return await _detail_page(portal, outcome, status=exc.status, errors=errors_of(exc),
                                      form={"grounds": grounds})
        return redirect(portal, f"me/achievements/{achievement_id}", done="异议已提交，由采集单位核实处理")

    @post("/achievements/{achievement_id:int}/delete", status_code=200)
    async def delete(self, request: Request, portal: NamedDependency[Portal], achievement_id: PathId) -> Response:
        learner = portal.require_learner()
        try:
            await service.delete_achievement(portal.tenant, request.app.state.storage, learner.id, achievement_id)
        except DomainError as exc:
            if exc.status == 404:
                raise
            outcome = await service.get_achievement(portal.tenant, learner.id, achievement_id)
            return await _detail_page(portal, outcome, status=exc.status, errors={"delete": str(exc)})
        return redirect(portal, "me", done="成果已删除")
