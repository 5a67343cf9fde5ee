"""Import jobs over HTTP: upload a file, get a job id at once, poll its progress."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated

import msgspec
from litestar import Controller, Request, get, post
from litestar.di import NamedDependency, Provide
from litestar.enums import RequestEncodingType
from litestar.exceptions import NotFoundException
from litestar.params import Body

from core.accounts.tables import ImportJob
from core.achievements.collection import collecting_unit
from core.ids import PathId
from core.imports.achievements import import_achievements
from core.imports.catalog_rules import import_catalog, import_rules
from core.imports.jobs import SealedUpload, heartbeat, job_upload_path, new_upload_path
from core.imports.learners import create_job, import_learners
from core.imports.reader import ImportFileError, XlsxLimits, check_xlsx_package, file_kind
from core.imports.schemas import JobCreated, JobOut, RowErrorOut
from core.imports.units import import_units
from core.security.auth import provide_principal, provide_staff
from core.security.permissions import guard, may, require
from core.security.principal import Principal
from core.storage.files import clean_filename
from core.storage.uploads import single_file
from core.tenancy.context import TenantContext
from core.web.security import site_link

log = logging.getLogger("creditbank.imports")
MAX_IMPORT_BYTES = 512 * 1024 * 1024


RUN = [guard("imports.run")]  # the centre imports learners, units, the catalog and rules
COLLECT = [guard("imports.collect")]  # a unit admin imports the outcomes it collected, reads its own jobs


class ImportController(Controller):
    path = "/admin/imports"
    tags = ["staff"]
    dependencies = {"principal": Provide(provide_principal), "actor": Provide(provide_staff)}

    @post("/learners", status_code=202, guards=RUN, request_max_body_size=MAX_IMPORT_BYTES,
          summary="批量导入学习者（CSV 或 XLSX）；返回任务编号，进度见 GET /admin/imports/{job_id}")
    async def import_learners(self, request: Request, tenant: NamedDependency[TenantContext],
                              actor: NamedDependency[Principal],
                              data: Annotated[dict, Body(media_type=RequestEncodingType.MULTI_PART)]) -> JobCreated:
        return JobCreated(job_id=await start_import(request, tenant, actor, data, "learners"))

    @post("/catalog", status_code=202, guards=RUN, request_max_body_size=MAX_IMPORT_BYTES, summary="批量导入名录条目")
    async def import_catalog(self, request: Request, tenant: NamedDependency[TenantContext],
                             actor: NamedDependency[Principal],
                             data: Annotated[dict, Body(media_type=RequestEncodingType.MULTI_PART)]) -> JobCreated:
        return JobCreated(job_id=await start_import(request, tenant, actor, data, "catalog"))

    @post("/units", status_code=202, guards=RUN, request_max_body_size=MAX_IMPORT_BYTES,
          summary="批量导入组织机构（单位编码、单位名称、层级、上级单位编码；上级在前）")
    async def import_units(self, request: Request, tenant: NamedDependency[TenantContext],
                           actor: NamedDependency[Principal],
                           data: Annotated[dict, Body(media_type=RequestEncodingType.MULTI_PART)]) -> JobCreated:
        return JobCreated(job_id=await start_import(request, tenant, actor, data, "units"))

    @post("/rules", status_code=202, guards=RUN, request_max_body_size=MAX_IMPORT_BYTES, summary="批量导入转换规则")
    async def import_rules(self, request: Request, tenant: NamedDependency[TenantContext],
                           actor: NamedDependency[Principal],
                           data: Annotated[dict, Body(media_type=RequestEncodingType.MULTI_PART)]) -> JobCreated:
        return JobCreated(job_id=await start_import(request, tenant, actor, data, "rules"))

    @post("/achievements", status_code=202, guards=COLLECT, request_max_body_size=MAX_IMPORT_BYTES,
          summary="批量导入本单位采集的学习成果（社会培训成果等，按证件号码对应学习者；CSV 或 XLSX；可选 unit_code 指定采集单位）")
    async def import_achievements(self, request: Request, tenant: NamedDependency[TenantContext],
                                  actor: NamedDependency[Principal],
                                  data: Annotated[dict, Body(media_type=RequestEncodingType.MULTI_PART)]) -> JobCreated:
        return JobCreated(job_id=await start_import(request, tenant, actor, data, "achievements"))

    @get("/{job_id:int}", guards=COLLECT, summary="导入任务进度与被拒绝的行")
    async def job(self, tenant: NamedDependency[TenantContext], actor: NamedDependency[Principal],
                  job_id: PathId) -> JobOut:
        found = await read_job(tenant.id, job_id)
        # A tenant admin reads every job; the staff member who started one (a window's bulk
        # collection) reads their own.
        if found is None or not (may(actor, "imports.run") or found.created_by == actor.id):
            raise NotFoundException("未找到该导入任务")
        return found


KINDS = ("learners", "units", "catalog", "rules", "achievements")


def _job_out(row: dict, with_errors: bool = True) -> JobOut:
    errors = row.get("errors") if with_errors else None
    errors = msgspec.json.decode(errors) if isinstance(errors, str) else errors or []
    return JobOut(
        job_id=row["id"], kind=row["kind"], filename=row["filename"], status=row["status"], total=row["total"],
        done=row["done"], failed=row["failed"], created=row["created"], message=row["message"],
        errors=[RowErrorOut(row=e["row"], message=e["message"]) for e in errors],
        created_at=row["created_at"], finished_at=row["finished_at"], created_by=row["created_by"],
    )


async def read_job(tenant_id: int, job_id: int) -> JobOut | None:
    """One import job of the tenant with its rejected rows (the first 1,000), or None."""
    row = await ImportJob.select().where(ImportJob.id == job_id, ImportJob.tenant_id == tenant_id).first()
    return _job_out(row) if row else None


async def recent_jobs(tenant_id: int, limit: int = 20, created_by: int | None = None) -> list[JobOut]:
    """The tenant's latest import jobs (``created_by``: that staff member's only), newest first,
    without their rejected rows."""
    columns = [c for c in ImportJob._meta.columns if c._meta.name != "errors"]
    query = ImportJob.select(*columns).where(ImportJob.tenant_id == tenant_id)
    if created_by is not None:
        query = query.where(ImportJob.created_by == created_by)
    rows = await query.order_by(ImportJob.id, ascending=False).limit(limit)
    return [_job_out(r, with_errors=False) for r in rows]


async def start_import(request: Request, tenant: TenantContext, actor: Principal, form: dict, kind: str) -> int:
    """Start a ``kind`` import (``KINDS``) of the form's ``file``; returns the job id at once.
    The API and the portal's import page both come through here.

    An XLSX that would unpack past the limits (``Settings.xlsx_*``) is refused here, with a
    400, before a job exists: nothing of it is parsed or imported."""
    limits = XlsxLimits.from_settings(request.app.state.settings)
    if kind == "learners":
        pii = request.app.state.pii
        return await _start(request, tenant, actor, form, kind, limits, lambda path, name, job: import_learners(
            tenant_id=tenant.id, hooks=tenant.hooks, pii=pii, path=path, filename=name, job_id=job, xlsx_limits=limits))
    if kind == "catalog":
        return await _start(request, tenant, actor, form, kind, limits, lambda path, name, job: import_catalog(
            tenant=tenant, path=path, filename=name, job_id=job, xlsx_limits=limits))
    if kind == "units":
        return await _start(request, tenant, actor, form, kind, limits, lambda path, name, job: import_units(
            tenant=tenant, path=path, filename=name, job_id=job, xlsx_limits=limits))
    if kind == "rules":
        return await _start(request, tenant, actor, form, kind, limits, lambda path, name, job: import_rules(
            tenant=tenant, path=path, filename=name, job_id=job, xlsx_limits=limits))
    if kind == "achievements":  # by the staff of the collecting unit, not only the centre
        unit_code = form.get("unit_code")
        unit = await collecting_unit(tenant, actor, unit_code if isinstance(unit_code, str) and unit_code else None)
        pii, site = request.app.state.pii, site_link(request, tenant)
        return await _start(request, tenant, actor, form, kind, limits, lambda path, name, job: import_achievements(
            tenant=tenant, unit=unit, staff_id=actor.id, pii=pii, path=path, filename=name, job_id=job,
            login_url=site + "/login", xlsx_limits=limits), require_admin=False)
    raise ValueError(f"unknown import kind {kind!r}")


async def _start(request: Request, tenant: TenantContext, actor: Principal, form: dict, kind: str,
                 limits: XlsxLimits, run: Callable[[Path, str, int], Awaitable[object]],
                 require_admin: bool = True) -> int:
    """Seal the upload under ``var/imports/`` (core.imports.jobs), check it, record the job,
    run the import outside the request."""
    if require_admin:  # the handler's guard checked it too
        require(actor, "imports.run")
    upload, _ = single_file(form)
    settings = request.app.state.settings
    filename = clean_filename(upload.filename, kind)
    # Litestar spooled the upload; it is copied sealed, a chunk at a time, off the event loop.
    sealed = await asyncio.to_thread(SealedUpload.write, upload.file, new_upload_path(settings.var_dir))
    try:
        await asyncio.to_thread(_check_package, sealed, filename, limits)
        job_id = await create_job(tenant.id, kind, filename, actor.id)
        sealed.rename(job_upload_path(settings.var_dir, job_id))
    except BaseException:
        sealed.delete()
        raise
    task = asyncio.create_task(_background(run, sealed, filename, job_id, settings.job_stale_seconds))
    request.app.state.jobs.add(task)
    task.add_done_callback(request.app.state.jobs.discard)
    return job_id


def _check_package(path: SealedUpload, filename: str, limits: XlsxLimits) -> None:
    """The zip-bomb check of an XLSX upload; anything else about the file the job reports."""
    try:
        kind = file_kind(path, filename)
    except ImportFileError:
        return  # not a table at all: the job says why, as before
    if kind == "xlsx":
        check_xlsx_package(path, filename, limits)


async def _background(run, upload: SealedUpload, filename: str, job_id: int, stale_seconds: int) -> None:
    """The import, outside the request; the job row carries its outcome. The upload is deleted
    when it ends, however it ends (a process that dies leaves it to ``fail_dead_jobs``)."""
    try:
        async with heartbeat(job_id, stale_seconds):
            await run(upload, filename, job_id)
    except ImportFileError:
        pass  # the job says why
    except Exception:
        log.exception("导入任务 %s 失败", job_id)
    finally:
        upload.delete()
