"""The public verification page a proof's QR code leads to (``/t/{tenant}/verify/{code}``), and
the form where someone types a code from a paper proof."""

from __future__ import annotations

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from core.certificates import service
from core.certificates.api import tenant_base
from core.certificates.errors import ProofError
from core.certificates.issuing import normalize_code
from core.web.portal import Portal, page

TITLE = "学习成果认证证明查验"
CODE_HINT = "证明编号为 16 位字母和数字，印在证明上方，如 7K2M-9QXD-4RTA-B8WZ"


class ProofPages(Controller):
    tags = ["portal"]
    include_in_schema = False

    @get("/verify", opt={"public_read": True})
    async def form(self, portal: NamedDependency[Portal], code: FromQuery[str | None] = None) -> Response:
        if code is None:
            return page("certificates/verify.html", portal, title=TITLE, verdict=None, hint=CODE_HINT)
        normalized = normalize_code(code)
        if normalized is None:
            return page("certificates/verify.html", portal, status=400, title=TITLE, verdict=None, hint=CODE_HINT,
                        form={"code": code}, errors={"code": CODE_HINT})
        return Redirect(path=portal.url(f"verify/{normalized}"), status_code=303)

    @get("/verify/{code:str}", opt={"public_read": True})
    async def verdict(self, portal: NamedDependency[Portal], code: FromPath[str]) -> Response:
        try:
            verdict = await service.verify_code(portal.tenant, code, tenant_base(portal.request, portal.tenant))
        except ProofError as exc:
            return page("certificates/verify.html", portal, status=exc.status, title=TITLE, verdict=None,
                        hint=CODE_HINT, form={"code": code}, errors={"code": str(exc)})
        return page("certificates/verify.html", portal, title=f"{TITLE} {verdict.code}", verdict=verdict,
                    hint=CODE_HINT, form={})
