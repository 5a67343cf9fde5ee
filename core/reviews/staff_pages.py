"""Reviewers' pages: the queues a staff member may decide, one tab per step of the province's
review chains (认定审核, 转换初审, 转换终审, 业绩类转换审核 … as the plugin names them), and one
application with everything the reviewer checks and the decision form of its current step."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromQuery, QueryParameter

from core.achievements import service as achievements
from core.catalog.service import get_entry
from core.clock import utcnow
from core.errors import DomainError
from core.hierarchy.schemas import OrgUnitOut
from core.hierarchy.service import get_unit
from core.ids import Cursor, PathId
from core.plugins import ProvinceHooks
from core.province import OpinionFormat, ReviewStep
from core.reviews import appeals, service
from core.reviews.duplicates import duplicates_of
from core.reviews.engine import opinion_example
from core.reviews.schemas import DecisionIn, StepOut
from core.rules.explain import explain_for_review
from core.rules.service import get_rule
from core.security.principal import Principal
from core.web.downloads import file_response
from core.web.pages import FormData
from core.web.portal import FormError, Portal, errors_of, page, read_form, redirect
from core.web.security import client_address, site_link

PAGE_SIZE = 20
_DEFAULT_MATERIALS = ReviewStep(name="", label="", role="").materials_label
# Tabs follow a learner's path: an outcome is stored, recognised, converted, then proven.


@dataclass(frozen=True)
class Tab:
    """One queue a reviewer works through: the applications of ``kind`` waiting at ``step``."""

    kind: str
    step: str
    label: str


def chain_steps(hooks: ProvinceHooks) -> list[tuple[str, ReviewStep]]:
    """Every (kind, step) the province's chains contain, each once, by kind then chain order."""
    found: dict[tuple[str, str], ReviewStep] = {}
    for kind, _, _, chain in hooks.chains:
        for step in chain.steps if chain else []:
            found.setdefault((kind, step.name), step)
    return [(kind, step) for (kind, _), step in found.items()]


async def grant_units(portal: Portal, viewer: Principal) -> dict[str, OrgUnitOut]:
    """The units the viewer holds roles at, by code."""
    units = {}
    for code in {g.unit_code for g in viewer.grants}:
        unit = await get_unit(portal.tenant.id, code, portal.tenant.hooks.org_levels)
        if unit is not None:
            units[code] = unit
    return units


async def review_tabs(portal: Portal, viewer: Principal) -> list[Tab]:
    """The steps this viewer can be asked to decide: their role, and where a step is found by
    level (教学点, 认证中心) a unit of theirs at that level; a parent's re-review only for
    viewers whose unit has units below it."""
    units = await grant_units(portal, viewer)
    tabs = []
    for kind, step in chain_steps(portal.tenant.hooks):
        grants = [units[g.unit_code] for g in viewer.grants if g.role == step.role and g.unit_code in units]
        if step.reviewer == "ancestor_level":
            grants = [u for u in grants if u.level == step.level]
        elif step.reviewer == "parent":
            grants = [u for u in grants if u.children_count]
        if grants:
            tabs.append(Tab(kind=kind, step=step.name, label=step.label))
    return tabs


def who_decides(portal: Portal) -> list[tuple[str, str]]:
    """(the step, who decides it and where) for every step of the province's chains: staff
    told which steps are whose, not only that none is theirs. Levels are the plugin's words."""
    levels = {lvl.code: lvl.label for lvl in portal.tenant.hooks.org_levels}
    roles = portal.tenant.hooks.wording.role_labels
    where = {"own_unit": "学习者所在单位", "parent": "学习者所在单位的上级单位", "tenant": portal.tenant.name}
    return [(f"{service.KIND_LABELS.get(kind, kind)} · {step.label}",
             (levels.get(step.level or "", step.level or "") if step.reviewer == "ancestor_level"
              else where.get(step.reviewer, "")) + "的" + roles.get(step.role, step.role))
            for kind, step in chain_steps(portal.tenant.hooks)]


def plugin_step(hooks: ProvinceHooks, kind: str, category: str, subtype: str, name: str) -> ReviewStep | None:
    """The plugin's definition of step ``name`` (its opinion format and accepted file types)."""
    chain = hooks.review_chain(kind, category, subtype)
    return next((s for s in chain.steps if s.name == name), None) if chain else None


def opinion_prefill(fmt: OpinionFormat | None, unit: str, reviewer: str) -> str:
    """The opinion a reviewer starts from: the format's example said for them, deciding 同意."""
    return opinion_example(fmt, unit, reviewer, "approve")


def _fields(hooks: ProvinceHooks, achievement) -> list[tuple[str, str]]:
    sub = hooks.taxonomy.subtype(achievement.category, achievement.subtype)
    labels = {f.name: f.label for f in sub.fields} if sub else {}
    shown = [(labels.get(k, k), v) for k, v in achievement.fields.items() if v not in (None, "", [])]
    return [(label, "、".join(map(str, v)) if isinstance(v, list) else str(v)) for label, v in shown]


def _evidence_labels(hooks: ProvinceHooks, achievement) -> dict[str, str]:
    sub = hooks.taxonomy.subtype(achievement.category, achievement.subtype)
    return {e.name: e.label for e in sub.evidence} if sub else {}


async def _achievement(portal: Portal, learner_id: int, achievement_id: int | None) -> dict | None:
    if not achievement_id:
        return None
    try:
        found = await achievements.get_achievement(portal.tenant, learner_id, achievement_id)
    except DomainError:  # deleted by the learner after the application ended
        return None
    return {"item": found, "fields": _fields(portal.tenant.hooks, found),
            "evidence_labels": _evidence_labels(portal.tenant.hooks, found)}


async def _unit_name(portal: Portal, viewer: Principal, step: StepOut) -> str:
    """The unit a reviewer signs for: the step's unit, else their own unit with the step's role."""
    if step.unit_name:
        return step.unit_name
    units = await grant_units(portal, viewer)
    return next((units[g.unit_code].name for g in viewer.grants if g.role == step.role and g.unit_code in units),
                portal.tenant.name)


async def detail_context(portal: Portal, viewer: Principal, application_id: int) -> dict[str, Any]:
    """Everything the application page shows; 404 for an application the viewer may not see."""
    application, learner = await service.review_detail(portal.tenant, viewer, application_id)
    hooks = portal.tenant.hooks
    main = await _achievement(portal, learner["id"], application.achievement_id)
    listed = [a for a in [await _achievement(portal, learner["id"], i)
                          for i in getattr(application, "achievement_ids", []) or []] if a]
    step = next((s for s in application.steps if s.name == application.current_step), None)
    # Whether the form is worth showing (the service decides for certain when it is posted).
    decider = step is not None and viewer.holds(step.role, unit_code=step.unit_code)
    kind_label = service.KIND_LABELS.get(application.kind, application.kind)
    definition = None
    if step is not None:
        first = main or (listed[0] if listed else None)
        category, subtype = (first["item"].category, first["item"].subtype) if first else ("", "")
        definition = plugin_step(hooks, application.kind, category, subtype, step.name)
    return {
        "title": f"{step.label if step else kind_label}：{application.achievement_name or kind_label + '申请'}",
        "application": application, "learner": learner, "achievement": main, "listed": listed,
        "rule": await get_rule(portal.tenant.id, application.rule_id) if application.rule_id else None,
        "rule_explanation": await explain_for_review(portal.tenant.id, hooks, learner["id"], application.rule_id,
                                                     application.rule_version or 1) if application.rule_id else None,
        "target": await get_entry(portal.tenant.id, application.target_catalog_entry_id)
        if application.target_catalog_entry_id and not application.rule_id else None,
        "step": step, "may_decide": decider, "definition": definition,
        "may_open_files": await service.may_open_files(portal.tenant, viewer, application_id),
        "pending_materials": await service.step_materials(portal.tenant, viewer, application_id) if decider else [],
        "prefill": opinion_prefill(definition.opinion if definition else None,
                                   await _unit_name(portal, viewer, step), viewer.real_name)
        if decider else "",
        # 转换初审材料: a step without a name of its own for its materials is named after the step.
        "materials_name": (f"{step.label}材料" if step.materials_label == _DEFAULT_MATERIALS else step.materials_label)
        if step else "",
        "kind_label": kind_label,
        "status_labels": service.REVIEWER_STATUS_LABELS, "decision_labels": service.DECISION_LABELS,
        "duplicates": await duplicates_of(portal.tenant, application.achievement_id),
        "refusal_reasons": [(r.code, r.label) for r in definition.refusal_reasons] if definition else [],
    }


def _queue_url(portal: Portal, **params: Any) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return portal.url("staff/reviews") + (f"?{query}" if query else "")


class StaffReviewPages(Controller):
    path = "/staff/reviews"
    include_in_schema = False

    @get("/")
    async def queue(self, portal: NamedDependency[Portal], kind: FromQuery[str | None] = None,
                    step: FromQuery[str | None] = None, status: FromQuery[str] = "pending",
                    name: Annotated[str | None, QueryParameter(max_length=50)] = None,
                    cursor: Cursor = None,
                    limit: Annotated[int, QueryParameter(ge=1, le=100)] = PAGE_SIZE) -> Response:
        """认定审核 / 转换初审 / 转换终审 / 业绩类转换审核 …: one tab per step, or what I decided;
        ``limit`` rows a page (a reviewer working through a long queue may ask for up to 100)."""
        viewer = portal.require_staff()
        tabs = await review_tabs(portal, viewer)
        current = None
        if status in ("decided", "escalated"):
            result = await service.queue(portal.tenant, viewer, kind=None, status=status, cursor=cursor, limit=limit)
        else:
            chosen = [t for t in tabs if (t.kind, t.step) == (kind, step)]
            # Without a choice: the first tab with work waiting (else the first tab).
            for current in chosen or tabs:
                result = await service.pending_at_step(portal.tenant, viewer, kind=current.kind, step=current.step,
                                                       name=name, cursor=cursor, limit=limit)
                if result.items or chosen:
                    break
            else:
                current = tabs[0] if tabs else None
                result = None
        next_url = None
        if result and result.next_cursor:
            next_url = _queue_url(portal, kind=current.kind if current else None, step=current.step if current else None,
                                  status=status if status in ("decided", "escalated") else None, name=name,
                                  cursor=result.next_cursor,
                                  limit=limit if limit != PAGE_SIZE else None)
        title = "逾期督办" if status == "escalated" else current.label if current and status != "decided" else "已审核"
        return page("reviews/staff_queue.html", portal, title=title,
                    tabs=tabs, counts=await service.pending_counts(portal.tenant, viewer, [(t.kind, t.step) for t in tabs]),
                    who_decides=who_decides(portal), current=current, decided=status == "decided",
                    escalated=status == "escalated", escalated_count=await service.escalated_count(portal.tenant, viewer),
                    appeals_count=len(await appeals.queue(portal.tenant, viewer, "pending")), now=utcnow(),
                    items=result.items if result else [],
                    next_url=next_url, form={"name": name or ""}, queue_url=lambda **p: _queue_url(portal, **p),
                    kind_labels=service.KIND_LABELS, status_labels=service.REVIEWER_STATUS_LABELS)

    @get("/{application_id:int}")
    async def detail(self, portal: NamedDependency[Portal], application_id: PathId) -> Response:
        viewer = portal.require_staff()
        return page("reviews/staff_review.html", portal, **await detail_context(portal, viewer, application_id))

    @post("/{application_id:int}/decision", status_code=200)
    async def decide(self, request: Request, portal: NamedDependency[Portal], application_id: PathId,
                     data: FormData) -> Response:
        """The decision for the step the reviewer saw (``step``): the service refuses an opinion
        that does not follow the step's format (400) and a step someone has decided since (409)."""
        viewer = portal.require_staff()
        form = {k: str(v) for k, v in data.items() if not k.startswith("_")}
        try:
            if form.get("decision") not in ("approve", "reject"):  # and what else is wrong, at once
                problems = await service.decision_problems(portal.tenant, viewer, application_id,
                                                           form.get("opinion", ""), None)
                raise DomainError(problems.get("decision", "请选择“同意”或“不同意”"), 400,
                                  extra={"field": "decision", "fields": problems})
            decision = read_form(data, DecisionIn)
            login_url = site_link(request, portal.tenant, "/login")
            decided = await service.decide(portal.tenant, viewer, application_id, decision, login_url)
        except DomainError as exc:
            if exc.status == 404:
                raise
            context = await detail_context(portal, viewer, application_id)
            if exc.status == 409:  # decided meanwhile: the fresh state, the reviewer's words dropped
                return page("reviews/staff_review.html", portal, status=409, errors={"_form": str(exc)}, **context)
            errors = errors_of(exc)
            if "materials" in errors:
                errors["file"] = errors.pop("materials")
            return page("reviews/staff_review.html", portal, status=exc.status, form=form, errors=errors, **context)
        outcome = service.REVIEWER_STATUS_LABELS.get(decided.status, "") if decided.status in ("approved", "rejected") else "已进入下一环节"
        return redirect(portal, "staff/reviews?" + urlencode({"kind": decided.kind, "step": decision.step}),
                        done=f"审核成功（申请 {decided.id}：{outcome}）")

    @post("/{application_id:int}/materials", status_code=200)
    async def material(self, request: Request, portal: NamedDependency[Portal], application_id: PathId,
                       data: Annotated[dict, Body(media_type=RequestEncodingType.MULTI_PART)]) -> Response:
        """A material for the current step (转换初审材料 …), kept until the step is decided."""
        viewer = portal.require_staff()
        upload = data.get("file")
        try:
            if not isinstance(upload, UploadFile) or not upload.filename:
                raise FormError("file", "请选择要上传的文件")
            max_bytes = request.app.state.settings.max_upload_mb * 1024 * 1024
            await service.add_material(portal.tenant, request.app.state.storage, viewer, application_id,
                                       upload.filename, await upload.read(), max_bytes)
        except DomainError as exc:
            if exc.status == 404:
                raise
            context = await detail_context(portal, viewer, application_id)
            errors = {"file": str(exc)} if exc.status in (400, 413, 415) else {"_form": str(exc)}
            return page("reviews/staff_review.html", portal, status=exc.status, form={k: str(v) for k, v in data.items()
                        if isinstance(v, str) and not k.startswith("_")}, errors=errors, **context)
        return redirect(portal, f"staff/reviews/{application_id}", done="审核材料已上传")

    @get("/{application_id:int}/evidence/{evidence_id:int}")
    async def evidence(self, request: Request, portal: NamedDependency[Portal], application_id: PathId,
                       evidence_id: PathId) -> Response:
        """A learner's evidence file, for a reviewer at (or past) the application's step."""
        viewer = portal.require_staff()
        row = await service.evidence_file(portal.tenant, viewer, application_id, evidence_id, client_address(request))
        return await file_response(request.app.state.storage, row)

    @get("/{application_id:int}/materials/{material_id:int}")
    async def material_file(self, request: Request, portal: NamedDependency[Portal], application_id: PathId,
                            material_id: PathId) -> Response:
        viewer = portal.require_staff()
        row = await service.material_file(portal.tenant, viewer, application_id, material_id, client_address(request))
        return await file_response(request.app.state.storage, row)

    @get("/appeals")
    async def appeals_list(self, portal: NamedDependency[Portal], status: FromQuery[str] = "pending") -> Response:
        """申诉: the appeals the viewer decides, or has decided."""
        viewer = portal.require_staff()
        listing = "decided" if status == "decided" else "pending"
        return page("reviews/staff_appeals.html", portal, title="申诉处理", listing=listing,
                    appeals=await appeals.queue(portal.tenant, viewer, listing))

    @get("/appeals/{appeal_id:int}")
    async def appeal_detail(self, portal: NamedDependency[Portal], appeal_id: PathId) -> Response:
        viewer = portal.require_staff()
        return page("reviews/staff_appeal.html", portal, title="申诉处理", form={}, errors={},
                    appeal=await appeals.appeal_of(portal.tenant, viewer, appeal_id))

    @post("/appeals/{appeal_id:int}/decision", status_code=200)
    async def appeal_decision(self, portal: NamedDependency[Portal], appeal_id: PathId,
                              data: FormData) -> Response:
        viewer = portal.require_staff()
        form = {k: str(v) for k, v in data.items() if not k.startswith("_")}
        try:
            if form.get("decision") not in ("uphold", "overturn"):
                raise FormError("decision", "请选择“维持原结果”或“改判”")
            decided = await appeals.decide(portal.tenant, viewer, appeal_id, form["decision"], form.get("opinion", ""))
        except DomainError as exc:
            if exc.status == 404:
                raise
            return page("reviews/staff_appeal.html", portal, status=exc.status, title="申诉处理", form=form,
                        errors=errors_of(exc), appeal=await appeals.appeal_of(portal.tenant, viewer, appeal_id))
        return redirect(portal, "staff/reviews/appeals", done=f"申诉已处理：{decided.status_label}")

    @get("/appeals/{appeal_id:int}/files/{file_id:int}")
    async def appeal_file(self, request: Request, portal: NamedDependency[Portal], appeal_id: PathId,
                          file_id: PathId) -> Response:
        viewer = portal.require_staff()
        return await file_response(request.app.state.storage,
                                   await appeals.file_of(portal.tenant, viewer, appeal_id, file_id))
