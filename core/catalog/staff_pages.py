"""项目维护: the catalog (名录) as its administrators see it — searched like the public
catalog, one entry added at a time through ``service.create_entry`` (the ``POST /catalog``
of the API)."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, QueryParameter
from litestar.response import Template

from core.catalog import service
from core.catalog.schemas import CatalogEntryIn
from core.errors import DomainError
from core.ids import Cursor
from core.plugins import ProvinceHooks
from core.security import permissions
from core.web.pages import FormData
from core.web.portal import Portal, errors_of, page, read_form, redirect

Text = Annotated[str | None, QueryParameter(max_length=100)]
ENTRY_COLUMNS = ("project_name", "name", "institution")  # entry columns a catalog field may share
BASE_LABELS = {"project_name": "项目名称", "name": "名录条目名称", "institution": "资历机构名称"}


def catalog_types(hooks: ProvinceHooks) -> list[dict[str, Any]]:
    """The taxonomy's categories with the sub-types that have a catalog (业绩类 has none)."""
    out = []
    for cat in hooks.taxonomy.categories:
        subs = [{"value": f"{cat.code}/{sub.code}", "label": sub.label} for sub in cat.subtypes
                if any(f.from_catalog for f in sub.fields)]
        if subs:
            out.append({"value": cat.code, "label": cat.label, "subtypes": subs})
    return out


def _split_type(value: str | None) -> tuple[str, str]:
    category, _, subtype = (value or "").partition("/")
    return category, subtype


def _entry_form(hooks: ProvinceHooks, category: str, subtype: str) -> list[dict[str, Any]]:
    """The inputs of the add form for one sub-type: the entry's columns (a catalog field of
    the same name lends them its label and requiredness), then its other catalog fields."""
    fields = {f.name: f for f in service.catalog_fields(hooks, category, subtype)}
    inputs = []
    for name, label in BASE_LABELS.items():
        shared = fields.get(name)
        inputs.append({"name": name, "label": shared.label if shared else label, "type": "text",
                       "required": name == "name" or bool(shared and shared.required), "options": [],
                       "help": shared.help if shared else ""})
    for f in fields.values():
        if f.name in ENTRY_COLUMNS:
            continue
        inputs.append({"name": f.name, "label": f.label, "type": f.type, "required": f.required,
                       "options": [(o, o) for o in f.options], "help": f.help})
    return inputs


class CatalogStaffPages(Controller):
    path = "/staff/catalog"
    include_in_schema = False

    @get("/")
    async def search(self, portal: NamedDependency[Portal], q: Text = None, kind: Text = None, institution: Text = None,
                     cursor: Cursor = None) -> Template:
        viewer = portal.require_staff()
        category, subtype = _split_type(kind)
        results = await service.search(portal.tenant.id, q=q, category=category or None, subtype=subtype or None,
                                       institution=institution, cursor=cursor, limit=20)
        form = {"q": q or "", "kind": kind or "", "institution": institution or ""}
        next_url = None
        if results.next_cursor:
            next_url = portal.url("staff/catalog") + "?" + urlencode(
                {**{k: v for k, v in form.items() if v}, "cursor": results.next_cursor})
        labels = {s["value"]: f'{c["label"]} / {s["label"]}' for c in catalog_types(portal.tenant.hooks)
                  for s in c["subtypes"]}
        return page("catalog/staff_catalog.html", portal, form=form, results=results.items, next_url=next_url,
                    types=catalog_types(portal.tenant.hooks), type_labels=labels,
                    can_add=permissions.may(viewer, "catalog.manage"), searched=bool(q or kind or institution or cursor))

    @get("/new")
    async def new(self, portal: NamedDependency[Portal], kind: FromQuery[str | None] = None) -> Template:
        portal.require_staff("catalog.manage")
        return self._form(portal, {"kind": kind or ""}, {})

    @post("/new", status_code=200)
    async def create(self, portal: NamedDependency[Portal], data: FormData) -> Response:
        portal.require_staff("catalog.manage")
        form = {k: str(v).strip() for k, v in data.items() if not k.startswith("_") and isinstance(v, str)}
        category, subtype = _split_type(form.get("kind"))
        try:
            names = [i["name"] for i in _entry_form(portal.tenant.hooks, category, subtype)]
            entry = read_form(
                {k: form.get(k, "") for k in ("framework_level", *ENTRY_COLUMNS)}, CatalogEntryIn,
                category=category, subtype=subtype,
                fields={k: form.get(k, "") for k in names if k not in ENTRY_COLUMNS},
            )
            created = await service.create_entry(portal.tenant.id, portal.tenant.hooks, entry)
        except DomainError as exc:
            errors = errors_of(exc)
            if "subtype" in errors:
                errors["kind"] = errors.pop("subtype")
            return self._form(portal, form, errors, status=exc.status)
        return redirect(portal, "staff/catalog?" + urlencode({"q": created.name}), done=f"已添加名录条目“{created.name}”")

    def _form(self, portal: Portal, form: dict, errors: dict, status: int = 200) -> Template:
        hooks = portal.tenant.hooks
        category, subtype = _split_type(form.get("kind"))
        inputs: list = []
        if form.get("kind") and "kind" not in errors:
            try:
                inputs = _entry_form(hooks, category, subtype)
            except DomainError as exc:
                errors = {**errors, "kind": str(exc)}
                status = max(status, 400)
        levels = [(lvl.level, f"{lvl.level} 级 {lvl.name}") for lvl in hooks.framework_levels]
        return page("catalog/staff_catalog_new.html", portal, status=status, form=form, errors=errors,
                    types=catalog_types(hooks), inputs=inputs, levels=levels)
