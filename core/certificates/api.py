"""Proofs over HTTP: public verification, keys and status lists, the learner's proofs (JSON
credential and PDF), revocation and key rotation by a tenant admin. The DID document and our
JSON-LD context live at the tenant's root (``IssuerDocuments``, mounted with the pages)."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, JSONBody, PathParameter, QueryParameter

from core.certificates import linked_data, service
from core.certificates.schemas import KeyOut, KeyPage, ProofPage, RevokeIn, Verdict
from core.ids import MAX_ID, Cursor
from core.security.auth import provide_learner, provide_principal, provide_staff
from core.security.principal import Principal
from core.tenancy.context import TenantContext
from core.web.downloads import download
from core.web.security import site_link

# A proof of 50 outcomes is some 30 kB; a larger body is not one of ours, and canonicalizing it
# would cost a public endpoint time for nothing.
MAX_DOCUMENT_BYTES = 256 * 1024


def tenant_base(request: Request, tenant: TenantContext) -> str:
    """The tenant's address (``https://host[:port]/t/{slug}``), the one source of every absolute
    URL a proof names: its did:web DID and key ids, status list, our context, verify links —
    from its configured base URL, never from the Host header (a forged one would be signed in)."""
    return site_link(request, tenant)


def _json(document: dict, media_type: str = "application/json") -> Response[bytes]:
    return Response(content=msgspec.json.encode(document), media_type=media_type,
                    headers={"Cache-Control": "public, max-age=60", "Access-Control-Allow-Origin": "*"})


class VerifyController(Controller):
    path = "/verify"
    opt = {"public_read": True}  # anyone's reads, from the replica when there is one
    tags = ["public"]

    @get("/{code:str}", summary="查验学习成果认证证明：持有人（脱敏）、成果、出具单位、日期、逐项检查（签名、密钥、撤销状态、有效期、结构）")
    async def by_code(self, request: Request, tenant: NamedDependency[TenantContext], code: FromPath[str]) -> Verdict:
        return await service.verify_code(tenant, code, tenant_base(request, tenant))

    @post("/", status_code=200, request_max_body_size=MAX_DOCUMENT_BYTES,
          summary="查验持有的证明文件（JSON 凭证）：逐项检查，以及本学分银行的记录")
    async def document(self, request: Request, tenant: NamedDependency[TenantContext],
                       data: JSONBody[dict[str, Any]]) -> Verdict:
        return await service.verify_document(tenant, data, tenant_base(request, tenant))


class StatusListController(Controller):
    path = "/status-lists"
    tags = ["public"]

    @get("/{list_id:int}", summary="撤销状态列表（W3C Bitstring Status List，已签名的 BitstringStatusListCredential）")
    async def status_list(self, request: Request, tenant: NamedDependency[TenantContext],
                          list_id: Annotated[int, PathParameter(ge=0, le=MAX_ID)]) -> Response[bytes]:
        return _json(await service.status_list_credential(tenant, tenant_base(request, tenant), list_id))


class ProofKeysController(Controller):
    path = "/proof-keys"
    opt = {"public_read": True}  # anyone's reads, from the replica when there is one
    tags = ["public"]

    @get("/", summary="证明签名公钥（Multikey / JWK），含已轮换的旧密钥")
    async def list(self, request: Request, tenant: NamedDependency[TenantContext]) -> KeyPage:
        return await service.public_keys(tenant, tenant_base(request, tenant))

    @get("/{multibase:str}", summary="一把签名公钥的 Multikey 文档（controller 为本学分银行的 DID）")
    async def key(self, request: Request, tenant: NamedDependency[TenantContext],
                  multibase: FromPath[str]) -> Response[bytes]:
        return _json(await service.key_document(tenant, tenant_base(request, tenant), multibase))


class AdminProofsController(Controller):
    path = "/admin"
    tags = ["staff"]
    dependencies = {"principal": Provide(provide_principal), "actor": Provide(provide_staff)}

    @post("/proof-keys/rotate", status_code=201, summary="轮换证明签名密钥（旧密钥保留用于查验）")
    async def rotate(self, request: Request, tenant: NamedDependency[TenantContext],
                     actor: NamedDependency[Principal]) -> KeyOut:
        return await service.rotate_key(tenant, actor, tenant_base(request, tenant))

    @post("/proofs/{code:str}/revoke", status_code=200, summary="撤销证明：此后查验显示已撤销、原因与时间")
    async def revoke(self, request: Request, tenant: NamedDependency[TenantContext], actor: NamedDependency[Principal],
                     code: FromPath[str], data: JSONBody[RevokeIn]) -> Verdict:
        return await service.revoke(tenant, actor, code, data.reason, tenant_base(request, tenant))


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
        return download(body, "application/json", f"{code.upper()}.json", inline=True)

    @get("/{code:str}/pdf", summary="证明的 PDF（按需生成，含查验二维码）")
    async def pdf(self, tenant: NamedDependency[TenantContext], learner: NamedDependency[Principal],
                  code: FromPath[str]) -> Response[bytes]:
        filename, body = await service.my_pdf(tenant, learner.id, code)
        return download(body, "application/pdf", filename)


class IssuerDocuments(Controller):
    """What a stock verifier fetches from the tenant's root: ``/t/{t}/did.json`` (did:web) and
    the context of our own terms."""

    tags = ["public"]

    @get("/did.json", summary="本学分银行的 DID 文档（did:web），列出现用和已停用的 Multikey 签名公钥")
    async def did(self, request: Request, tenant: NamedDependency[TenantContext]) -> Response[bytes]:
        return _json(await service.did_document(tenant, tenant_base(request, tenant)), "application/did+json")

    @get(linked_data.OUR_CONTEXT_PATH, summary="本平台证明所用术语的 JSON-LD 上下文（随软件发布，内容固定）")
    async def context(self) -> Response[bytes]:
        return _json(linked_data.context_document(linked_data.our_context("https://x")), "application/ld+json")
