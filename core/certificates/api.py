"""Proofs over HTTP: public verification and keys, the learner's proofs (JSON credential and
PDF), revocation and key rotation by a tenant admin."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody, QueryParameter

from core.accounts.api import provide_principal, provide_staff
from core.accounts.login import Principal
from core.achievements.api import provide_learner
from core.certificates import service
from core.certificates.schemas import KeyOut, KeyPage, ProofPage, RevokeIn, Verdict
from core.tenancy.service import TenantContext
from core.ids import Cursor

PRIVATE = {"Cache-Control": "private, no-store"}
# A proof of 50 outcomes is some 30 kB; a larger body is not one of ours, and canonicalizing it
# would cost a public endpoint time for nothing.
MAX_DOCUMENT_BYTES = 256 * 1024


def site_url(request: Request, tenant: TenantContext) -> str:
    """The tenant's address as proofs name it: issuer id, verification and key URLs — from
    its configured base URL, never from the Host header (a forged one would be signed in)."""
    return tenant.site(request.app.state.settings.base_url)


def _attachment(filename: str, disposition: str = "attachment") -> dict[str, str]:
    return {**PRIVATE, "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(filename)}"}


class VerifyController(Controller):
    path = "/verify"
    opt = {"public_read": True}  # anyone's reads, from the replica when there is one
    tags = ["public"]

    @get("/{code:str}", summary="查验学习成果认证证明：持有人（脱敏）、成果、出具单位、日期、签名是否有效、是否撤销")
    async def by_code(self, tenant: NamedDependency[TenantContext], code: FromPath[str]) -> Verdict:
        return await service.verify_code(tenant, code)

    @post("/", status_code=200, request_max_body_size=MAX_DOCUMENT_BYTES,
          summary="查验持有的证明文件（JSON 凭证）：签名是否有效，以及本学分银行的记录")
    async def document(self, tenant: NamedDependency[TenantContext], data: JSONBody[dict[str, Any]]) -> Verdict:
        return await service.verify_document(tenant, data)


class ProofKeysController(Controller):
    path = "/proof-keys"
    opt = {"public_read": True}  # anyone's reads, from the replica when there is one
    tags = ["public"]

    @get("/", summary="证明签名公钥（Multikey / JWK），含已轮换的旧密钥")
    async def list(self, request: Request, tenant: NamedDependency[TenantContext]) -> KeyPage:
        return await service.public_keys(tenant, site_url(request, tenant))


class AdminProofsController(Controller):
    path = "/admin"
    tags = ["staff"]
    dependencies = {"principal": Provide(provide_principal), "actor": Provide(provide_staff)}

    @post("/proof-keys/rotate", status_code=201, summary="轮换证明签名密钥（旧密钥保留用于查验）")
    async def rotate(self, request: Request, tenant: NamedDependency[TenantContext],
                     actor: NamedDependency[Principal]) -> KeyOut:
        return await service.rotate_key(tenant, actor, site_url(request, tenant))

    @post("/proofs/{code:str}/revoke", status_code=200, summary="撤销证明：此后查验显示已撤销、原因与时间")
    async def revoke(self, tenant: NamedDependency[TenantContext], actor: NamedDependency[Principal],
                     code: FromPath[str], data: JSONBody[RevokeIn]) -> Verdict:
        return await service.revoke(tenant, actor, code, data.reason)


class MyProofsController(Controller):
    path = "/me/proofs"
    tags = ["learner"]
    dependencies = {"principal": Provide(provide_principal), "learner": Provide(provide_learner)}

    @get("/", summary="我的学习成果认证证明（最新在前）")
    async def list(self, tenant: NamedDependency[TenantContext], learner: NamedDependency[Principal],
                   cursor: Cursor = None,
                   limit: Annotated[int, QueryParameter(ge=1, le=100)] = 20) -> ProofPage:
        return await service.my_proofs(tenant, learner.id, cursor=cursor, limit=limit)

    @get("/{code:str}", summary="证明的可验证凭证（W3C VC 2.0 / Open Badges 3.0，JSON），与签发时一字不差")
    async def credential(self, tenant: NamedDependency[TenantContext], learner: NamedDependency[Principal],
                         code: FromPath[str]) -> Response[bytes]:
        body = await service.my_credential(tenant, learner.id, code)
        return Response(content=body, media_type="application/json",
                        headers=_attachment(f"{code.upper()}.json", "inline"))

    @get("/{code:str}/pdf", summary="证明的 PDF（按需生成，含查验二维码）")
    async def pdf(self, tenant: NamedDependency[TenantContext], learner: NamedDependency[Principal],
                  code: FromPath[str]) -> Response[bytes]:
        filename, body = await service.my_pdf(tenant, learner.id, code)
        return Response(content=body, media_type="application/pdf", headers=_attachment(filename))
