"""批量导入任务: uploading a learners, catalog or rules file, following its job, and the
rejected-rows report. The same background job as ``POST /admin/imports/{kind}``."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body
from litestar.response import Redirect, Template

from core.errors import DomainError
from core.ids import PathId
from core.imports.achievements import achievement_columns
from core.imports.api import KINDS, MAX_IMPORT_BYTES, read_job, recent_jobs, start_import
from core.imports.catalog_rules import RULE_COLUMNS, catalog_columns
from core.imports.learners import LEARNER_COLUMNS
from core.imports.reader import ImportFileError
from core.imports.units import UNIT_COLUMNS
from core.tabular import csv_bytes
from core.tenancy.context import TenantContext
from core.web.downloads import download
from core.web.portal import Portal, page, redirect

Upload = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]

KIND_LABELS = {"learners": "学习者", "units": "组织机构", "catalog": "名录条目", "rules": "转换规则",
               "achievements": "窗口采集的学习成果"}
# Staff of a unit (not the centre) import only the outcomes their window collected.
UNIT_KINDS = ("achievements",)
STATUS_LABELS = {"pending": "排队中", "running": "导入中", "done": "已完成", "failed": "失败"}


def _columns(tenant: TenantContext) -> dict[str, list]:
    """Per kind, the columns a file may carry (the help beside the upload form)."""
    return {"learners": list(LEARNER_COLUMNS), "units": list(UNIT_COLUMNS), "catalog": catalog_columns(tenant), "rules": list(RULE_COLUMNS),
            "achievements": achievement_columns(tenant)}


def _kinds(portal: Portal) -> tuple[str, ...]:
    return KINDS if portal.require_staff("imports.collect") and portal.may("imports.run") else UNIT_KINDS


async def _jobs(portal: Portal) -> list:
    actor = portal.require_staff("imports.collect")
    return await recent_jobs(portal.tenant.id, created_by=None if portal.may("imports.run") else actor.id)


async def _own_job(portal: Portal, job_id: int):
    """The job, for a tenant admin or the staff member who started it; 404 otherwise."""
    actor = portal.require_staff("imports.collect")
    job = await read_job(portal.tenant.id, job_id)
    if job is None or not (portal.may("imports.run") or job.created_by == actor.id):
        raise NotFoundException("未找到该导入任务")
    return job


def _form_page(portal: Portal, jobs: list, *, status: int = 200, form: dict | None = None,
               errors: dict | None = None) -> Template:
    return page("imports/index.html", portal, status=status, form=form or {}, errors=errors or {}, jobs=jobs,
                kinds=[(k, KIND_LABELS[k]) for k in _kinds(portal)], kind_labels=KIND_LABELS, status_labels=STATUS_LABELS,
                columns=_columns(portal.tenant))


class ImportPages(Controller):
    path = "/staff/imports"
    include_in_schema = False

    @get("/")
    async def index(self, portal: NamedDependency[Portal]) -> Template:
        return _form_page(portal, await _jobs(portal))

    @post("/", status_code=200, request_max_body_size=MAX_IMPORT_BYTES)
    async def upload(self, request: Request, portal: NamedDependency[Portal], data: Upload) -> Response:
        actor = portal.require_staff("imports.collect")
        kind = str(data.get("kind") or "")
        upload = data.get("file")
        errors = {}
        if kind not in _kinds(portal):
            errors["kind"] = "请选择要导入的数据类型"
        if not isinstance(upload, UploadFile) or not upload.filename:
            errors["file"] = "请选择要上传的 CSV 或 XLSX 文件"
        if errors:
            return _form_page(portal, await _jobs(portal), status=400, form={"kind": kind}, errors=errors)
        try:
            job_id = await start_import(request, portal.tenant, actor, data, kind)
        except (ImportFileError, DomainError) as exc:  # e.g. an XLSX past the limits, no collecting unit
            return _form_page(portal, await _jobs(portal), status=exc.status, form={"kind": kind},
                              errors={"file": str(exc)})
        return redirect(portal, f"staff/imports/{job_id}", done="文件已上传，正在导入")

    @get("/{job_id:int}")
    async def job(self, portal: NamedDependency[Portal], job_id: PathId) -> Template | Redirect:
        job = await _own_job(portal, job_id)
        if portal.flash and job.status not in ("pending", "running"):
            # '文件已上传，正在导入' was true when the upload landed; once the job ended it is not
            return redirect(portal, f"staff/imports/{job_id}")
        return page("imports/job.html", portal, job=job, kind_label=KIND_LABELS.get(job.kind, job.kind),
                    status_label=STATUS_LABELS.get(job.status, job.status),
                    running=job.status in ("pending", "running"))

    @get("/{job_id:int}/progress")
    async def progress(self, portal: NamedDependency[Portal], job_id: PathId) -> Response:
        """The job's counts for the page's progress poll (admin.js): the portal's own route,
        behind the session, since the JSON API takes no cookie."""
        job = await _own_job(portal, job_id)
        counts = {"status": job.status, "total": job.total, "done": job.done, "created": job.created, "failed": job.failed}
        return Response(content=counts, media_type="application/json", headers={"Cache-Control": "no-store"})

    @get("/{job_id:int}/rejected.csv")
    async def rejected_rows(self, portal: NamedDependency[Portal], job_id: PathId) -> Response:
        """The rejected rows as a CSV that opens in Excel (UTF-8 with BOM): row number, reason."""
        job = await _own_job(portal, job_id)
        # A reason may quote what the file held: core.tabular keeps it from running as a formula.
        content = csv_bytes(["行号", "原因"], ((e.row, e.message) for e in job.errors))
        return download(content, "text/csv; charset=utf-8", f"import-{job.job_id}-rejected.csv")
