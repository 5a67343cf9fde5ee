"""我的学习档案 over HTTP: the learner's whole record as a signed CLR 2.0 file, and the import
of a record from another credit bank of the platform (or an outside issuer it trusts)."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.openapi import ResponseSpec
from litestar.params import JSONBody

from core.api_contract import ErrorBody
from core.certificates import record, record_import
from core.certificates.api import tenant_base
from core.certificates.record_import import ImportOut
from core.security.auth import provide_learner, provide_principal
from core.security.principal import Principal
from core.tenancy.context import TenantContext
from core.web.downloads import download

# A record of 500 outcomes, each with its proof set, is under 2 MiB; a larger body is not one.
MAX_RECORD_BYTES = 2 * 1024 * 1024


def record_filename(tenant: TenantContext) -> str:
    return f"学习档案-{tenant.slug}.json"


def record_response(document: dict, filename: str) -> Response[bytes]:
    return download(msgspec.json.encode(document), "application/json", filename)


class MyRecordController(Controller):
    path = "/me"
    tags = ["learner"]
    dependencies = {"principal": Provide(provide_principal), "learner": Provide(provide_learner)}

    @get("/record", responses={409: ResponseSpec(ErrorBody, description="还没有已认定的学习成果，无法生成学习档案",
                                                generate_examples=False)},
         summary="我的学习档案：全部已认定成果，签名的 CLR 2.0 凭证（每项成果另附签名的 OB 3.0 凭证）")
    async def export(self, request: Request, tenant: NamedDependency[TenantContext],
                     learner: NamedDependency[Principal]) -> Response[bytes]:
        document = await record.export_record(tenant, learner.id, tenant_base(request, tenant))
        return record_response(document, record_filename(tenant))

    @post("/imports/record", status_code=201, request_max_body_size=MAX_RECORD_BYTES,
          responses={
              409: ResponseSpec(ErrorBody, description="同一份档案正在导入，或相同 Idempotency-Key 的请求仍在处理中",
                                generate_examples=False),
              413: ResponseSpec(ErrorBody, description="文件过大，不是学习档案", generate_examples=False),
              422: ResponseSpec(ErrorBody, description="学习档案未通过查验，未导入任何成果：detail 说明哪一份凭证、为什么；"
                                "extra.credentials 为逐份结果（或 Idempotency-Key 已用于另一个请求）",
                                generate_examples=False)},
          summary="导入其他学分银行签发的学习档案（CLR 2.0）：逐份查验签名、信任名单、撤销状态和本人身份，"
                  "全部通过才导入；任一份不通过则什么都不导入（422，指明哪一份、为什么）")
    async def import_record(self, request: Request, tenant: NamedDependency[TenantContext],
                            learner: NamedDependency[Principal], data: JSONBody[dict[str, Any]]) -> ImportOut:
        state = request.app.state
        return await record_import.import_record(tenant, learner.id, data, state.settings.base_url, state.tenants,
                                                 pii=state.pii, transport=state.get("outside_transport"))
