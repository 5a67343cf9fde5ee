"""我的学习档案 on the learner portal: the outcomes the record lists, the download of the signed
CLR 2.0 file, the upload of a record from another credit bank (with the verdict on each
credential in it) and the outcomes imported so far — over the services of ``/api/v1/me/record``
and ``/api/v1/me/imports/record``."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Template

from core.achievements.schemas import STATUS_LABELS
from core.achievements.tables import Achievement
from core.certificates import record, record_import
from core.certificates.api import tenant_base
from core.certificates.errors import ProofError
from core.certificates.record_api import MAX_RECORD_BYTES, record_filename, record_response
from core.errors import DomainError
from core.web.portal import Portal, errors_of, page, redirect

Upload = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]


async def _page(portal: Portal, *, status: int = 200, errors: dict | None = None,
                verdicts: list | None = None) -> Template:
    tenant, learner = portal.tenant, portal.require_learner()
    ids = await record.recognised_ids(tenant.id, learner.id)
    listed = await Achievement.select(Achievement.id, Achievement.name, Achievement.institution, Achievement.status,
                                      Achievement.source).where(
        Achievement.tenant_id == tenant.id, Achievement.learner_id == learner.id,
        Achievement.id.is_in(ids or [0])).order_by(Achievement.id)
    return page("certificates/learner_record.html", portal, status=status, errors=errors or {}, outcomes=listed,
                imported=await record_import.imported_outcomes(tenant, learner.id), verdicts=verdicts or [],
                outcome_labels=STATUS_LABELS, max_mb=MAX_RECORD_BYTES // (1024 * 1024))


class LearnerRecordPages(Controller):
    path = "/me/record"
    include_in_schema = False

    @get("/")
    async def index(self, portal: NamedDependency[Portal]) -> Template:
        """我的学习档案: what the file lists, the download, the import form, what was imported."""
        return await _page(portal)

    @get("/download")
    async def download(self, portal: NamedDependency[Portal]) -> Response:
        learner = portal.require_learner()
        try:
            document = await record.export_record(portal.tenant, learner.id, tenant_base(portal.request, portal.tenant))
        except ProofError as exc:
            return await _page(portal, status=exc.status, errors={"_download": str(exc)})
        return record_response(document, record_filename(portal.tenant))

    @post("/import", status_code=200, request_max_body_size=MAX_RECORD_BYTES + 64 * 1024)
    async def upload(self, request: Request, portal: NamedDependency[Portal], data: Upload) -> Response:
        """A record file from another credit bank: imported whole, or refused with the verdict
        on each of its credentials."""
        learner = portal.require_learner()
        upload = data.get("file")
        try:
            if not isinstance(upload, UploadFile) or not upload.filename:
                raise ProofError("请选择要导入的学习档案文件（JSON）", 400, extra={"field": "file"})
            body = await upload.read()
            if len(body) > MAX_RECORD_BYTES:
                raise ProofError("文件过大，不是本平台的学习档案", 413, extra={"field": "file"})
            try:
                document = msgspec.json.decode(body)
            except msgspec.DecodeError as exc:
                raise ProofError("文件不是 JSON 格式的学习档案", 400, extra={"field": "file"}) from exc
            state = request.app.state
            result = await record_import.import_record(portal.tenant, learner.id, document, state.settings.base_url,
                                                       state.tenants, pii=state.pii,
                                                       transport=state.get("outside_transport"))
        except DomainError as exc:
            extra = exc.extra if isinstance(exc.extra, dict) else {}
            errors = errors_of(exc)
            if "_form" in errors:
                errors = {"file": errors["_form"]}
            return await _page(portal, status=exc.status, errors=errors, verdicts=extra.get("credentials", []))
        return redirect(portal, "me/record", done=result.message)
