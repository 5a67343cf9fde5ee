"""The learner's proof pages: 学习成果证明 (the issued proofs — view, PDF, the signed JSON — and
the certificate applications with their progress) and 申请学习成果证明 (choose the outcomes,
the service point where the province's chain starts from one) — over the same services as
``/api/v1/me/proofs`` and ``/api/v1/me/applications``.

The application form carries an ``idempotency_key`` made when the form is drawn, so a double
submit (or a form re-sent after a lost answer) makes one application.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from core.achievements.schemas import SOURCE_LABELS, STATUS_LABELS, AchievementOut
from core.achievements.service import list_achievements
from core.catalog.pages import query_int
from core.certificates import service
from core.certificates.issuing import normalize_code
from core.errors import DomainError
from core.hierarchy.tables import OrgUnit
from core.province import ReviewChain
from core.reviews import service as reviews
from core.reviews.proof_requests import MAX_OUTCOMES, USABLE, listed_outcomes
from core.reviews.schemas import ApplicationIn
from core.reviews.service import STATUS_LABELS as APPLICATION_STATUS_LABELS
from core.security.principal import Principal
from core.tenancy.context import TenantContext
from core.web.downloads import download
from core.web.portal import FormError, Portal, errors_of, page, redirect

PAGE_SIZE = 20
# A learner holds tens of outcomes; the form lists them all, up to this many.
MAX_LISTED = 1000
# Up to this many units the service point is chosen from a list; beyond it, its code is typed.
MAX_UNIT_CHOICES = 500
PROOF_STATUS_LABELS = {"issued": "有效", "revoked": "已撤销"}
LABELS = {"status_labels": APPLICATION_STATUS_LABELS, "outcome_labels": STATUS_LABELS, "source_labels": SOURCE_LABELS,
          "proof_status_labels": PROOF_STATUS_LABELS}


@dataclass
class UnitChoice:
    """How the learner names the service point: ``options`` (value, label) for a list, or None
    for a typed code; ``own`` is the learner's unit code where the chain can start from it."""

    options: list[tuple[str, str]] | None
    own: str | None
    required: bool


async def _usable(tenant: TenantContext, learner_id: int) -> list[AchievementOut]:
    """The outcomes a proof may list (名录成果, 已认定, converted), newest first."""
    items: list[AchievementOut] = []
    for status in USABLE:
        cursor = None
        while len(items) < MAX_LISTED:
            found = await list_achievements(tenant, learner_id, status=status, cursor=cursor, limit=100)
            items += found.items
            if not found.next_cursor:
                break
            cursor = int(found.next_cursor)
    return sorted(items, key=lambda a: a.id, reverse=True)[:MAX_LISTED]


def _starts_from(chain: ReviewChain, levels: list[str]) -> bool:
    """Whether every step of ``chain`` finds its reviewing unit from a unit whose lineage (root
    first) has ``levels`` — the test ``core.reviews.engine.resolve_chain`` makes."""
    for step in chain.steps:
        if step.reviewer == "tenant":
            continue
        if not levels or (step.reviewer == "parent" and len(levels) < 2) or (
                step.reviewer == "ancestor_level" and step.level not in levels):
            return False
    return True


async def _unit_choice(tenant: TenantContext, learner: Principal, chain: ReviewChain | None) -> UnitChoice | None:
    """The service point field, where the chain has a step a unit decides (None: tenant-wide
    steps only, nothing to choose). Lists the units the chain can start from."""
    if chain is None or all(step.reviewer == "tenant" for step in chain.steps):
        return None
    rows = await OrgUnit.select(OrgUnit.id, OrgUnit.code, OrgUnit.name, OrgUnit.level, OrgUnit.path).where(
        OrgUnit.tenant_id == tenant.id).order_by(OrgUnit.path).limit(MAX_UNIT_CHOICES + 1)
    level_of = {r["code"]: r["level"] for r in rows}
    own = next((r for r in rows if r["id"] == learner.unit_id), None) if learner.unit_id else None
    if len(rows) > MAX_UNIT_CHOICES:
        return UnitChoice(options=None, own=own["code"] if own else None, required=own is None)
    usable = [r for r in rows
              if _starts_from(chain, [level_of.get(c, "") for c in r["path"].strip("/").split("/") if c])]
    codes = {r["code"] for r in usable}
    return UnitChoice(options=[(r["code"], f"{r['name']}（{r['code']}）") for r in usable],
                      own=own["code"] if own and own["code"] in codes else None, required=True)


def _new_form(chosen: list[str], unit_code: str | None, key: str | None = None) -> dict[str, Any]:
    return {"achievement_ids": chosen, "unit_code": unit_code or "", "idempotency_key": key or uuid.uuid4().hex}


async def _new_page(portal: Portal, learner: Principal, *, status: int = 200, form: dict | None = None,
                    errors: dict | None = None) -> Template:
    tenant = portal.tenant
    chain = tenant.hooks.review_chain("certificate")
    if chain is not None and not chain.steps:
        chain = None
    units = await _unit_choice(tenant, learner, chain)
    shown = {"achievement_ids", "unit_code"} if units else {"achievement_ids"}
    errors = {k if k in shown else "_form": v for k, v in (errors or {}).items()}  # e.g. ``kind``: not on the form
    if form is None:
        chosen = [portal.request.query_params.get("achievement") or ""]
        form = _new_form([c for c in chosen if c], units.own if units else None)
    return page("certificates/learner_proof_new.html", portal, status=status, form=form, errors=errors,
                candidates=await _usable(tenant, learner.id), chain=chain, units=units, max_outcomes=MAX_OUTCOMES,
                **LABELS)


def _pager(portal: Portal, name: str, cursor: str | None) -> str | None:
    if not cursor:
        return None
    params = {k: v for k, v in portal.request.query_params.items() if k != name and k != "done"}
    return portal.url("me/proofs") + "?" + urlencode({**params, name: cursor})


class LearnerProofPages(Controller):
    path = "/me/proofs"
    include_in_schema = False

    @get("/")
    async def proofs(self, portal: NamedDependency[Portal]) -> Template:
        """学习成果证明: issued proofs newest first, then the certificate applications."""
        learner = portal.require_learner()
        tenant = portal.tenant
        params = portal.request.query_params
        proofs = await service.my_proofs(tenant, learner.id, cursor=query_int(params.get("cursor")), limit=PAGE_SIZE)
        listed = await listed_outcomes([p.application_id for p in proofs.items if p.kind == "certificate"])
        counts = {p.code: len(listed.get(p.application_id, [])) if p.kind == "certificate" else 1 for p in proofs.items}
        applications = await reviews.my_applications(tenant, learner.id, achievement_id=None,
                                                     cursor=query_int(params.get("applications")), limit=PAGE_SIZE,
                                                     kinds=["certificate"])
        chain = tenant.hooks.review_chain("certificate")
        return page("certificates/learner_proofs.html", portal, proofs=proofs.items,
                    counts=counts, applications=applications.items,
                    proofs_next=_pager(portal, "cursor", proofs.next_cursor),
                    applications_next=_pager(portal, "applications", applications.next_cursor),
                    accepts=bool(chain and chain.steps), **LABELS)

    @get("/new")
    async def new(self, portal: NamedDependency[Portal]) -> Template:
        """申请学习成果证明: ``achievement`` ticks that outcome to begin with."""
        return await _new_page(portal, portal.require_learner())

    @post("/new", status_code=200)
    async def apply(self, request: Request, portal: NamedDependency[Portal]) -> Response:
        learner = portal.require_learner()
        data = await request.form()
        chosen = [str(v).strip() for v in data.getall("achievement_ids", []) if str(v).strip()]
        unit_code = str(data.get("unit_code") or "").strip() or None
        key = str(data.get("idempotency_key") or "").strip()[:100] or None
        form = _new_form(chosen, unit_code, key)
        try:
            if any(not c.isdigit() or len(c) > 18 for c in chosen):
                raise FormError("achievement_ids", "所选成果无效，请刷新页面后重新选择")
            # past the limit the service names it; more than one past it is never read
            ids = list(dict.fromkeys(int(c) for c in chosen))[:MAX_OUTCOMES + 1]
            application = ApplicationIn(kind="certificate", achievement_ids=ids, unit_code=unit_code)
            await reviews.submit(portal.tenant, learner, application, key)
        except DomainError as exc:
            return await _new_page(portal, learner, status=exc.status, form=form, errors=errors_of(exc))
        return redirect(portal, "me/proofs", done="学习成果证明申请已提交，审核通过后证明将出现在本页")

    @get("/{code:str}/pdf")
    async def pdf(self, portal: NamedDependency[Portal], code: FromPath[str]) -> Response[bytes]:
        """The proof as a PDF, drawn now; 404 unless it is the learner's own."""
        filename, body = await service.my_pdf(portal.tenant, portal.require_learner().id, code)
        return download(body, "application/pdf", filename)

    @get("/{code:str}/credential")
    async def credential(self, portal: NamedDependency[Portal], code: FromPath[str]) -> Response[bytes]:
        """The signed credential exactly as issued (JSON), to hand to anyone who verifies it."""
        body = await service.my_credential(portal.tenant, portal.require_learner().id, code)
        return download(body, "application/json", f"学习成果认证证明-{normalize_code(code) or code}.json")
