"""The learner's application pages: 认定成果申请 with 认定记录, 转换成果申请 (可转换规则数 /
已用转换规则数, rule choice), 业绩类成果转换申请 (a target picked from the catalog), 进度查询 and
查看详情 (every step's opinions and materials, withdrawal) — over the same services as
``/api/v1/me/applications``.

Each submission form carries an ``idempotency_key`` made when the form is drawn, so a double
submit (or a re-sent form after a lost answer) makes one application.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body
from litestar.response import Template

from core.achievements.schemas import STATUS_LABELS, AchievementOut
from core.achievements.service import get_achievement, list_achievements
from core.catalog.pages import catalog_picker, query_int
from core.errors import DomainError
from core.hierarchy.unit_picker import unit_options
from core.ids import PathId
from core.reviews import appeals, service
from core.reviews.schemas import ApplicationIn, ApplicationOut
from core.rules.explain import explain_for_achievement
from core.security.principal import Principal
from core.tenancy.context import TenantContext
from core.web.pages import FormData
from core.web.portal import Portal, errors_of, page, redirect

PAGE_SIZE = 20
# A learner holds tens of outcomes; the lists to apply from show them all, up to this many.
MAX_LISTED = 1000
LABELS = {"kind_labels": service.KIND_LABELS, "status_labels": service.STATUS_LABELS,
          "outcome_labels": STATUS_LABELS, "decision_labels": service.DECISION_LABELS}


async def _outcomes(tenant: TenantContext, learner_id: int, status: str | None) -> list[AchievementOut]:
    """All the learner's outcomes with ``status`` (None: all), newest first."""
    items: list[AchievementOut] = []
    cursor = None
    while len(items) < MAX_LISTED:
        found = await list_achievements(tenant, learner_id, status=status, cursor=cursor, limit=100)
        items += found.items
        if not found.next_cursor:
            break
        cursor = int(found.next_cursor)
    return items


def _form(data: dict[str, Any], **defaults: Any) -> dict[str, Any]:
    """The posted values to show again (never the CSRF token), a fresh idempotency key if none."""
    form = {k: str(v) for k, v in data.items() if not k.startswith("_")}
    for key, value in defaults.items():
        form.setdefault(key, value)
    form.setdefault("idempotency_key", uuid.uuid4().hex)
    return form


def _submission(data: dict[str, Any], kind: str, *ids: str) -> tuple[ApplicationIn, str | None]:
    """The application a form posts (``ids``: the fields naming its outcome, rule, target), and
    its idempotency key."""
    key = str(data.get("idempotency_key") or "").strip()[:100] or None
    unit_code = str(data.get("unit_code") or "").strip() or None
    return ApplicationIn(kind=kind, unit_code=unit_code,
                         **{name: query_int(data.get(name)) for name in ids}), key


async def _records_page(portal: Portal, learner: Principal, kinds: list[str], cursor: int | None = None):
    return await service.my_applications(portal.tenant, learner.id, achievement_id=None, cursor=cursor,
                                         limit=PAGE_SIZE, kinds=kinds)


# ---------------------------------------------------------------------------------------------
# 认定成果申请


async def _recognition_page(portal: Portal, learner: Principal, *, status: int = 200, form: dict | None = None,
                            errors: dict | None = None) -> Template:
    tenant = portal.tenant
    candidates = [a for s in ("unapplied", "rejected") for a in await _outcomes(tenant, learner.id, s)
                  if a.source == "self" and tenant.hooks.review_chain("recognition", a.category, a.subtype)]
    candidates.sort(key=lambda a: a.id, reverse=True)
    cursor = query_int(portal.request.query_params.get("cursor"))
    records = await _records_page(portal, learner, ["recognition", "store_review"], cursor)
    chosen = portal.request.query_params.get("achievement") or ""
    return page("reviews/learner_recognition.html", portal, status=status, errors=errors or {},
                form=form or _form({}, achievement_id=chosen), candidates=candidates, applications=records.items,
                next_url=portal.url("me/recognition") + "?" + urlencode({"cursor": records.next_cursor})
                if records.next_cursor else None, unit_options=await unit_options(tenant.id), **LABELS)


# ---------------------------------------------------------------------------------------------
# 转换成果申请


async def _conversion_page(portal: Portal, learner: Principal, achievement_id: int | None, *, status: int = 200,
                           form: dict | None = None, errors: dict | None = None) -> Template:
    tenant = portal.tenant
    candidates = [a for s in ("catalog", "recognized") for a in await _outcomes(tenant, learner.id, s)]
    candidates.sort(key=lambda a: a.id, reverse=True)
    chosen, rules = None, []
    if achievement_id:
        chosen = await get_achievement(tenant, learner.id, achievement_id)  # 404 unless the learner's own
        # Every rule sharing a source or the target, each explained: applies / what is missing / used.
        rules = await explain_for_achievement(tenant.id, tenant.hooks, learner.id,
                                              {"id": chosen.id, "catalog_entry_id": chosen.catalog_entry_id})
    return page("reviews/learner_conversion.html", portal, status=status, errors=errors or {},
                form=form or _form({}, achievement_id=str(achievement_id or "")), candidates=candidates,
                chosen=chosen, rules=rules, unit_options=await unit_options(tenant.id),
                picks_targets=tenant.hooks.taxonomy.picks_targets(), **LABELS)


# ---------------------------------------------------------------------------------------------
# 业绩类成果转换申请


async def _performance_page(portal: Portal, learner: Principal, achievement_id: int | None, *, status: int = 200,
                            form: dict | None = None, errors: dict | None = None,
                            target_id: int | None = None) -> Template:
    tenant = portal.tenant
    taxonomy = tenant.hooks.taxonomy
    if not taxonomy.picks_targets():
        raise NotFoundException("本学分银行不办理此类申请")

    def picks_target(a: AchievementOut) -> bool:
        sub = taxonomy.subtype(a.category, a.subtype)
        return sub is not None and sub.conversion == "catalog_pick"

    candidates = [a for a in await _outcomes(tenant, learner.id, None) if picks_target(a)]
    chosen = picker = None
    if achievement_id:
        chosen = await get_achievement(tenant, learner.id, achievement_id)
        if picks_target(chosen):
            picker = await catalog_picker(portal, keep={"achievement": str(chosen.id)}, chosen_id=target_id)
    records = await _records_page(portal, learner, ["performance_conversion"])
    return page("reviews/learner_performance.html", portal, status=status, errors=errors or {},
                form=form or _form({}), candidates=candidates, chosen=chosen, picker=picker,
                applications=records.items, unit_options=await unit_options(tenant.id), **LABELS)


# ---------------------------------------------------------------------------------------------
# 查看详情


def _steps(application: ApplicationOut) -> list[dict[str, Any]]:
    """Each step of the chain with its state (已通过 / 未通过 / 审核中 / 待审核) and its records."""
    open_ = application.status in service.OPEN
    views = []
    for step in application.steps:
        records = [r for r in application.records if r.step == step.name]
        decided = next((r for r in reversed(records) if r.decision in ("approve", "reject")), None)
        if decided:
            state = "已通过" if decided.decision == "approve" else "未通过"
        elif application.current_step == step.name:
            state = "审核中" if application.status == "in_review" else "待审核"
        else:
            state = "待审核" if open_ else "未进行"
        views.append({"step": step, "state": state, "records": records, "current": application.current_step == step.name})
    return views


async def _detail_page(portal: Portal, application: ApplicationOut, *, status: int = 200,
                       errors: dict | None = None, form: dict | None = None) -> Template:
    application = await appeals.with_appeal(portal.tenant, application)
    current = next((s for s in application.steps if s.name == application.current_step), None)
    withdrawable = application.status in service.OPEN and not any(
        r.decision in ("approve", "reject") for r in application.records)
    return page("reviews/learner_application.html", portal, status=status, errors=errors or {}, application=application,
                steps=_steps(application), current=current, withdrawable=withdrawable, form=form or {}, **LABELS)


class LearnerApplicationPages(Controller):
    path = "/me"
    include_in_schema = False

    @get("/recognition")
    async def recognition(self, portal: NamedDependency[Portal]) -> Template:
        """认定成果申请: the outcomes the plugin lets the learner apply for, and 认定记录."""
        return await _recognition_page(portal, portal.require_learner())

    @post("/recognition", status_code=200)
    async def apply_recognition(self, portal: NamedDependency[Portal], data: FormData) -> Response:
        learner = portal.require_learner()
        application, key = _submission(data, "recognition", "achievement_id")
        try:
            made = await service.submit(portal.tenant, learner, application, key)
        except DomainError as exc:
            if exc.status == 404:
                raise
            return await _recognition_page(portal, learner, status=exc.status, form=_form(data), errors=errors_of(exc))
        return redirect(portal, f"me/applications/{made.id}", done="认定申请已提交")

    @get("/conversion")
    async def conversion(self, portal: NamedDependency[Portal]) -> Template:
        """转换成果申请: catalog and recognized outcomes with their rule counts; ``achievement``
        shows that outcome's rules to choose from."""
        learner = portal.require_learner()
        return await _conversion_page(portal, learner, query_int(portal.request.query_params.get("achievement")))

    @post("/conversion", status_code=200)
    async def apply_conversion(self, portal: NamedDependency[Portal], data: FormData) -> Response:
        learner = portal.require_learner()
        application, key = _submission(data, "conversion", "achievement_id", "rule_id")
        try:
            made = await service.submit(portal.tenant, learner, application, key)
        except DomainError as exc:
            if exc.status == 404:
                raise
            return await _conversion_page(portal, learner, application.achievement_id, status=exc.status,
                                          form=_form(data), errors=errors_of(exc))
        return redirect(portal, f"me/applications/{made.id}", done="转换申请已提交")

    @get("/performance")
    async def performance(self, portal: NamedDependency[Portal]) -> Template:
        """业绩类成果转换申请: choose a 业绩类 outcome, then its target through the catalog picker."""
        learner = portal.require_learner()
        return await _performance_page(portal, learner, query_int(portal.request.query_params.get("achievement")))

    @post("/performance", status_code=200)
    async def apply_performance(self, portal: NamedDependency[Portal], data: FormData) -> Response:
        learner = portal.require_learner()
        application, key = _submission(data, "performance_conversion", "achievement_id",
                                       "target_catalog_entry_id")
        try:
            made = await service.submit(portal.tenant, learner, application, key)
        except DomainError as exc:
            if exc.status == 404:
                raise
            return await _performance_page(portal, learner, application.achievement_id, status=exc.status,
                                           form=_form(data), errors=errors_of(exc),
                                           target_id=application.target_catalog_entry_id)
        return redirect(portal, f"me/applications/{made.id}", done="业绩类成果转换申请已提交")

    @get("/applications")
    async def applications(self, portal: NamedDependency[Portal]) -> Template:
        """进度查询: every application, newest first; ``achievement`` narrows to one outcome's."""
        learner = portal.require_learner()
        params = portal.request.query_params
        achievement_id = query_int(params.get("achievement"))
        outcome = await get_achievement(portal.tenant, learner.id, achievement_id) if achievement_id else None
        found = await service.my_applications(portal.tenant, learner.id, achievement_id=achievement_id,
                                              cursor=query_int(params.get("cursor")), limit=PAGE_SIZE)
        filters = {"achievement": achievement_id} if achievement_id else {}
        return page("reviews/learner_applications.html", portal, applications=found.items, outcome=outcome,
                    next_url=portal.url("me/applications") + "?" + urlencode({**filters, "cursor": found.next_cursor})
                    if found.next_cursor else None, **LABELS)

    @get("/applications/{application_id:int}")
    async def application(self, portal: NamedDependency[Portal], application_id: PathId) -> Template:
        """查看详情: each step of the chain (初审 / 终审 …) with its opinions and materials."""
        learner = portal.require_learner()
        return await _detail_page(portal, await service.my_application(portal.tenant, learner.id, application_id))

    @post("/applications/{application_id:int}/withdraw", status_code=200)
    async def withdraw(self, portal: NamedDependency[Portal], application_id: PathId) -> Response:
        learner = portal.require_learner()
        try:
            await service.withdraw(portal.tenant, learner.id, application_id)
        except DomainError as exc:
            if exc.status == 404:
                raise
            application = await service.my_application(portal.tenant, learner.id, application_id)
            return await _detail_page(portal, application, status=exc.status, errors={"_form": str(exc)})
        return redirect(portal, f"me/applications/{application_id}", done="申请已撤回")

    @post("/applications/{application_id:int}/appeal", status_code=200)
    async def appeal(self, request: Request, portal: NamedDependency[Portal], application_id: PathId,
                     data: Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]) -> Response:
        """申诉: the grounds and, optionally, one file, in one step; nothing is kept if either fails."""
        learner = portal.require_learner()
        grounds = str(data.get("grounds") or "")
        upload = data.get("file")
        try:
            filename = getattr(upload, "filename", "") or ""
            content = await upload.read() if upload is not None and filename else b""
            max_bytes = request.app.state.settings.max_upload_mb * 1024 * 1024
            await appeals.submit_with_file(portal.tenant, request.app.state.storage, learner.id, application_id,
                                           grounds, filename, content, max_bytes)
        except DomainError as exc:
            if exc.status == 404:
                raise
            application = await service.my_application(portal.tenant, learner.id, application_id)
            return await _detail_page(portal, application, status=exc.status, errors=errors_of(exc),
                                      form={"grounds": grounds})
        return redirect(portal, f"me/applications/{application_id}", done="申诉已提交")
