"""The console's onboarding pages under ``/platform/tenants/<slug>``: contacts, the first units
(plugin defaults or an import, with the row report), the first tenant admin's invitation,
suspension with a message, and the figures across tenants over a period (table, charts, CSV).

They call the services the platform API calls (``core.platform.onboarding``, ``figures``,
``core.imports``)."""

from __future__ import annotations

import re
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body, FromPath, QueryParameter
from litestar.response import Template

from core.accounts.schemas import StaffInvite
from core.errors import DomainError
from core.hierarchy.tables import OrgUnit
from core.hierarchy.unit_picker import unit_options
from core.ids import PathId
from core.imports.api import KINDS, MAX_IMPORT_BYTES, read_job, recent_jobs, start_import
from core.imports.pages import KIND_LABELS, STATUS_LABELS
from core.imports.reader import ImportFileError
from core.platform import figures, onboarding
from core.platform.onboarding_api import servable
from core.platform.pages import PlatformViewer, platform_page, platform_redirect, provide_platform_admin
from core.province import Contact
from core.reviews.service import STATUS_LABELS as APPLICATION_LABELS
from core.tenancy import service as tenancy
from core.tenancy.context import TenantContext
from core.tenancy.schemas import TenantPatch
from core.web.pages import FormData
from core.web.portal import errors_of, read_form
from core.web.security import client_address

Upload = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]
CONTACT_FIELDS = ("phones", "email", "address", "hours", "other")
PLATFORM_KINDS = [k for k in ("units", "catalog", "rules", "learners") if k in KINDS]


def _ref(admin: PlatformViewer) -> onboarding.PlatformAdminRef:
    return onboarding.PlatformAdminRef(admin.id, admin.username)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in re.split(r"[\r\n]+", text) if line.strip()]


def contact_form(contact: Contact) -> dict[str, str]:
    return {"phones": "\n".join(contact.phones), "email": contact.email, "address": contact.address,
            "hours": contact.hours, "other": "\n".join(contact.other)}


async def onboarding_context(tenant: TenantContext | None, slug: str) -> dict[str, Any]:
    """What the tenant page shows of its onboarding: units so far, recent imports, the log."""
    units = await OrgUnit.count().where(OrgUnit.tenant_id == tenant.id) if tenant else 0
    return {"unit_count": units, "jobs": await recent_jobs(tenant.id, limit=10) if tenant else [],
            "kind_labels": KIND_LABELS, "job_status_labels": STATUS_LABELS,
            "import_kinds": [(k, KIND_LABELS[k]) for k in PLATFORM_KINDS],
            "top_level": min(tenant.hooks.org_levels, key=lambda lvl: lvl.rank).label if tenant else "",
            "log": await onboarding.platform_audit(slug=slug, limit=20),
            "unit_options": await unit_options(tenant.id) if tenant else []}


class OnboardingPages(Controller):
    include_in_schema = False
    dependencies = {"admin": Provide(provide_platform_admin)}

    async def _again(self, request: Request, admin: PlatformViewer, slug: str, errors: dict, status: int,
                     **forms: dict) -> Template:
        """The tenant page again with what was typed and the errors (nothing lost)."""
        from core.platform.pages import PlatformPages, _tenant_form

        tenant = await tenancy.get_tenant(slug, request.app.state.tenants)
        if tenant is None:
            raise NotFoundException(f"未找到租户 {slug}")
        form = {**_tenant_form(tenant), **contact_form(tenant.contact)}
        for typed in forms.values():
            form.update(typed)
        return await PlatformPages._tenant_page(PlatformPages, request, admin, tenant, form, errors, status=status)  # type: ignore[arg-type]

    @get(["/tenants/{slug:str}/contact", "/tenants/{slug:str}/suspension", "/tenants/{slug:str}/defaults",
          "/tenants/{slug:str}/imports", "/tenants/{slug:str}/invitations", "/tenants/{slug:str}/status"])
    async def form_step(self, admin: NamedDependency[PlatformViewer], slug: FromPath[str]) -> Response:
        """A reloaded (or bookmarked) form step: back to the tenant page, where its form is."""
        return platform_redirect(f"tenants/{slug}")

    @post("/tenants/{slug:str}/contact", status_code=200)
    async def contact(self, request: Request, admin: NamedDependency[PlatformViewer], slug: FromPath[str],
                      data: FormData) -> Response:
        typed = {k: str(data.get(k) or "").strip() for k in CONTACT_FIELDS}
        try:
            contact = read_form({k: typed[k] for k in ("email", "address", "hours")}, Contact,
                                phones=_lines(typed["phones"]), other=_lines(typed["other"]))
            if contact.email and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", contact.email):
                raise DomainError("电子邮箱格式不正确", 400, extra={"field": "email"})
            if await tenancy.update_tenant(slug, TenantPatch(contact=contact), request.app.state.tenants) is None:
                raise NotFoundException(f"未找到租户 {slug}")
            await onboarding.record(_ref(admin), "platform.tenant.contact", slug, "、".join(contact.phones),
                                    client_address(request))
        except DomainError as exc:
            return await self._again(request, admin, slug, errors_of(exc), exc.status, contact=typed)
        return platform_redirect(f"tenants/{slug}", done="联系方式已保存")

    @post("/tenants/{slug:str}/suspension", status_code=200)
    async def suspension(self, request: Request, admin: NamedDependency[PlatformViewer], slug: FromPath[str],
                         data: FormData) -> Response:
        status = str(data.get("status") or "")
        message = str(data.get("status_message") or "").strip()
        try:
            await onboarding.set_status(slug, status, message, request.app.state.tenants, _ref(admin),
                                        client_address(request))
        except DomainError as exc:
            return await self._again(request, admin, slug, errors_of(exc), exc.status, suspension={"status_message": message})
        return platform_redirect(f"tenants/{slug}", done="已暂停服务" if status == "suspended" else "已恢复服务")

    @post("/tenants/{slug:str}/defaults", status_code=200)
    async def defaults(self, request: Request, admin: NamedDependency[PlatformViewer], slug: FromPath[str],
                       data: FormData) -> Response:
        typed = {"root_code": str(data.get("root_code") or "").strip(), "root_name": str(data.get("root_name") or "").strip()}
        tenant = await servable(request, slug)
        try:
            added = await onboarding.start_from_defaults(tenant, typed["root_code"], typed["root_name"], _ref(admin),
                                                         client_address(request))
        except DomainError as exc:
            errors = errors_of(exc)
            errors = {("root_code" if k in ("code", "_form") else k): v for k, v in errors.items()}
            return await self._again(request, admin, slug, errors, exc.status, defaults=typed)
        return platform_redirect(f"tenants/{slug}", done=f"已建立管理中心 {typed['root_code']}" if added else "管理中心已存在")

    @post("/tenants/{slug:str}/imports", status_code=200, request_max_body_size=MAX_IMPORT_BYTES)
    async def upload(self, request: Request, admin: NamedDependency[PlatformViewer], slug: FromPath[str],
                     data: Upload) -> Response:
        tenant = await servable(request, slug)
        kind = str(data.get("kind") or "")
        upload = data.get("file")
        errors = {}
        if kind not in PLATFORM_KINDS:
            errors["kind"] = "请选择要导入的数据类型"
        if not isinstance(upload, UploadFile) or not upload.filename:
            errors["file"] = "请选择要上传的 CSV 或 XLSX 文件"
        try:
            if errors:
                raise DomainError(next(iter(errors.values())), 400, extra={"fields": errors})
            job_id = await start_import(request, tenant, onboarding.acting_admin(tenant), data, kind)
        except ImportFileError as exc:
            return await self._again(request, admin, slug, {"file": str(exc)}, exc.status, imports={"kind": kind})
        except DomainError as exc:
            return await self._again(request, admin, slug, errors or errors_of(exc), exc.status, imports={"kind": kind})
        await onboarding.record(_ref(admin), "platform.tenant.import", slug, f"{kind} 任务 {job_id}", client_address(request))
        return platform_redirect(f"tenants/{slug}/imports/{job_id}")

    @get("/tenants/{slug:str}/imports/{job_id:int}")
    async def job(self, request: Request, admin: NamedDependency[PlatformViewer], slug: FromPath[str],
                  job_id: PathId) -> Template:
        tenant = await servable(request, slug)
        job = await read_job(tenant.id, job_id)
        if job is None:
            raise NotFoundException("未找到该导入任务")
        return platform_page("platform/job.html", request, admin, tenant=tenant, job=job,
                             kind_label=KIND_LABELS.get(job.kind, job.kind),
                             status_label=STATUS_LABELS.get(job.status, job.status),
                             running=job.status in ("pending", "running"))

    @get("/tenants/{slug:str}/imports/{job_id:int}/progress")
    async def progress(self, request: Request, admin: NamedDependency[PlatformViewer], slug: FromPath[str],
                       job_id: PathId) -> Response:
        tenant = await servable(request, slug)
        job = await read_job(tenant.id, job_id)
        if job is None:
            raise NotFoundException("未找到该导入任务")
        counts = {"status": job.status, "total": job.total, "done": job.done, "created": job.created, "failed": job.failed}
        return Response(content=counts, media_type="application/json", headers={"Cache-Control": "no-store"})

    @post("/tenants/{slug:str}/invitations", status_code=200)
    async def invite(self, request: Request, admin: NamedDependency[PlatformViewer], slug: FromPath[str],
                     data: FormData) -> Response:
        names = ("real_name", "phone", "email", "username", "unit_code")
        typed = {k: str(data.get(f"invite_{k}") or "").strip() for k in names}
        tenant = await servable(request, slug)
        try:
            invite = read_form({"real_name": typed["real_name"]}, StaffInvite, role="tenant_admin",
                               phone=typed["phone"] or None, email=typed["email"] or None,
                               username=typed["username"] or None)
            invited = await onboarding.invite_first_admin(tenant, request.app.state.pii, typed["unit_code"], invite,
                                                          request.app.state.settings.base_url, _ref(admin),
                                                          client_address(request))
        except DomainError as exc:
            errors = {f"invite_{k}": v for k, v in errors_of(exc).items()}
            return await self._again(request, admin, slug, errors, exc.status,
                                     invite={f"invite_{k}": v for k, v in typed.items()})
        return platform_redirect(f"tenants/{slug}", done=f"已邀请 {invited.username}，激活码已发送至 {invited.sent_to}")

    @get("/figures")
    async def figures_page(self, request: Request, admin: NamedDependency[PlatformViewer],
                           date_from: Annotated[str | None, QueryParameter(name="from", max_length=10)] = None,
                           date_to: Annotated[str | None, QueryParameter(name="to", max_length=10)] = None,
                           measure: Annotated[str, QueryParameter(name="measure", max_length=20)] = "learners") -> Template:
        form = {"from": date_from or "", "to": date_to or ""}
        measure = measure if measure in figures.MEASURES else "learners"
        try:
            report = await figures.tenant_figures(figures.period(date_from, date_to))
        except DomainError as exc:
            return platform_page("platform/figures.html", request, admin, status=exc.status, form=form,
                                 errors=errors_of(exc), report=None)
        query = f"from={report.date_from:%Y-%m-%d}&to={report.date_to:%Y-%m-%d}"
        return platform_page("platform/figures.html", request, admin, form={"from": f"{report.date_from:%Y-%m-%d}",
                             "to": f"{report.date_to:%Y-%m-%d}"}, report=report, svg=figures.chart(report, measure),
                             measure=measure, measures=figures.MEASURES,
                             statuses=list(APPLICATION_LABELS.items()), query=query)

    @get("/figures.csv")
    async def figures_csv(self, admin: NamedDependency[PlatformViewer],
                          date_from: Annotated[str | None, QueryParameter(name="from", max_length=10)] = None,
                          date_to: Annotated[str | None, QueryParameter(name="to", max_length=10)] = None) -> Response:
        report = await figures.tenant_figures(figures.period(date_from, date_to))
        name = f"figures-{report.date_from:%Y%m%d}-{report.date_to:%Y%m%d}.csv"
        return Response(content=figures.csv_download(report), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})


ONBOARDING_PAGES = [OnboardingPages]
