"""Learner management pages for admins: search the learners in their scope (an ID number only
ever in a POST body), one learner with account review and the audited reveal of the full ID
number, and opening an account at a service window."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from core.accounts import staff
from core.accounts.identity import IdentityError, validate_id_number
from core.accounts.schemas import AccountDecision, AccountPage, WindowOpening
from core.errors import DomainError
from core.hierarchy.service import get_unit
from core.ids import Cursor, PathId
from core.security.permissions import ACTIONS
from core.security.principal import Principal
from core.web.downloads import file_response
from core.web.pages import FormData
from core.web.portal import FormError, Portal, errors_of, page, read_form, redirect
from core.web.security import client_address

ADMIN_ROLES = ACTIONS["accounts.manage"]
PAGE_SIZE = 20
STATUS_LABELS = {
    "imported": "待激活（已导入）", "invited": "待激活（受邀）", "opened_by_staff": "待激活（窗口开户）",
    "registered": "待验证", "verified": "已验证", "pending_review": "待审核", "active": "正常",
    "rejected": "未通过审核", "disabled": "已停用",
}
SOURCE_LABELS = {"import": "批量导入", "register": "自助注册", "window": "窗口开户", "invite": "受邀", "cli": "命令行"}
# Core registration fields and how pages name them; the plugin's own fields carry their labels.
DETAIL_LABELS = {"gender": "性别", "ethnicity": "民族", "nationality": "国籍", "region": "所在地区", "address": "联系地址",
                 "birth_date": "出生日期"}


def _looks_like_id_number(text: str) -> bool:
    try:
        validate_id_number(text)
    except IdentityError:
        return False
    return True


def _review_open(portal: Portal) -> bool:
    policy = portal.tenant.hooks.registration_policy
    return policy.account_review or policy.activation_review


async def _list(portal: Portal, viewer: Principal, *, q: str | None, status: str | None, cursor: str | None,
                form: dict, errors: dict, http_status: int = 200, searched_by_id: bool = False,
                search: bool = True) -> Response:
    """The list page; ``search=False`` shows the forms alone (a search that was refused)."""
    result = await staff.list_learners(portal.tenant, portal.request.app.state.pii, viewer, q=q, status=status,
                                       cursor=cursor, limit=PAGE_SIZE) if search else AccountPage(items=[], next_cursor=None)
    next_url = None
    if result.next_cursor and not searched_by_id:
        query = urlencode({k: v for k, v in {"q": q, "status": status, "cursor": result.next_cursor}.items() if v})
        next_url = portal.url("staff/learners") + "?" + query
    return page("accounts/staff_learners.html", portal, status=http_status, title="学习者管理", items=result.items,
                next_url=next_url, form=form, errors=errors, searched_by_id=searched_by_id,
                status_labels=STATUS_LABELS, source_labels=SOURCE_LABELS,
                window_opening=portal.tenant.hooks.registration_policy.window_opening, review_open=_review_open(portal))


_IMPORT_LABELS = {"import_job": "导入批次", "import_row": "导入文件行号"}
_IMPORT_VALUES = {"import_job": "第 {} 号导入任务", "import_row": "第 {} 行"}


async def _learner_page(portal: Portal, viewer: Principal, account_id: int, *, http_status: int = 200,
                        form: dict | None = None, errors: dict | None = None, revealed: Any = None) -> Response:
    account, details = await staff.learner_for_staff(portal.tenant, viewer, account_id)
    # the import's bookkeeping (which job, which row) read as words, not as its keys
    labels = {f.name: f.label for f in portal.tenant.hooks.registration_policy.fields} | _IMPORT_LABELS
    profile = [(labels.get(k, k), _IMPORT_VALUES.get(k, "{}").format(v)) for k, v in details["profile"].items()
               if v not in (None, "", [], False)
               and k not in ("password", "password_confirm", "code", "agree_terms", "id_scan")]
    facts = [(DETAIL_LABELS[k], details[k]) for k in DETAIL_LABELS if details.get(k)]
    response = page("accounts/staff_learner.html", portal, status=http_status, title=f"学习者：{account.real_name}",
                    account=account, details=details, facts=facts, profile=profile, form=form or {},
                    errors=errors or {}, revealed=revealed, status_labels=STATUS_LABELS, source_labels=SOURCE_LABELS,
                    review_open=_review_open(portal) and account.status == "pending_review",
                    audit_url=portal.url("staff/audit") + "?" + urlencode({"target": f"account:{account.id}"}))
    if revealed is not None:  # the full number is shown once: never kept by a cache or the back button
        response.headers["Cache-Control"] = "no-store"
    return response


async def _admin_units(portal: Portal, viewer: Principal) -> list[tuple[str, str]]:
    options = []
    for code in dict.fromkeys(g.unit_code for g in viewer.grants if g.role in ADMIN_ROLES):
        unit = await get_unit(portal.tenant.id, code, portal.tenant.hooks.org_levels)
        if unit is not None:
            options.append((unit.code, f"{unit.name}（{unit.code}）"))
    return options


class StaffLearnerPages(Controller):
    path = "/staff/learners"
    include_in_schema = False

    @get("/")
    async def learners(self, portal: NamedDependency[Portal],
                       q: Annotated[str | None, QueryParameter(max_length=50)] = None,
                       status: Annotated[str | None, QueryParameter(max_length=24)] = None,
                       cursor: Cursor = None) -> Response:
        """Search by name, username or phone. An ID number typed here is not searched: it
        would sit in the address; the ID-number search posts it."""
        viewer = portal.require_staff("accounts.manage")
        q = (q or "").strip() or None
        if q and _looks_like_id_number(q):
            return await _list(portal, viewer, q=None, status=status, cursor=None, form={"status": status or ""},
                               errors={"q": "证件号码请使用“按证件号码查找”，证件号码不会出现在网址中"},
                               http_status=400, search=False)
        return await _list(portal, viewer, q=q, status=status, cursor=cursor,
                           form={"q": q or "", "status": status or ""}, errors={})

    @post("/search", status_code=200)
    async def search_by_id_number(self, portal: NamedDependency[Portal], data: FormData) -> Response:
        viewer = portal.require_staff("accounts.manage")
        typed = str(data.get("id_number", "")).strip()
        try:
            number = validate_id_number(typed) if typed else None
        except IdentityError as exc:
            return await _list(portal, viewer, q=None, status=None, cursor=None, form={"id_number": typed},
                               errors={"id_number": str(exc)}, http_status=400, search=False)
        if number is None:
            return await _list(portal, viewer, q=None, status=None, cursor=None, form={},
                               errors={"id_number": "请输入证件号码"}, http_status=400, search=False)
        return await _list(portal, viewer, q=number, status=None, cursor=None, form={}, errors={}, searched_by_id=True)

    @get("/open")
    async def open_form(self, portal: NamedDependency[Portal]) -> Response:
        viewer = portal.require_staff("accounts.manage")
        if not portal.tenant.hooks.registration_policy.window_opening:
            raise DomainError("本学分银行不在服务窗口开户", 404)
        units = await _admin_units(portal, viewer)
        return page("accounts/staff_open.html", portal, title="窗口开户", units=units,
                    form={"unit_code": units[0][0] if units else ""})

    @post("/open", status_code=200)
    async def open_account(self, request: Request, portal: NamedDependency[Portal], data: FormData) -> Response:
        """The account is opened by the service (who, where and when are recorded there); the
        learner then sets a password with the code sent to their phone."""
        viewer = portal.require_staff("accounts.manage")
        form = {k: str(v) for k, v in data.items() if not k.startswith("_")}
        try:
            opening = read_form(data, WindowOpening, identity_checked=form.get("identity_checked") == "1")
            account = await staff.open_at_window(portal.tenant, request.app.state.pii, viewer, opening,
                                                 client_address(request),
                                                 str(request.base_url).rstrip("/") + portal.url("activate"))
        except DomainError as exc:
            return page("accounts/staff_open.html", portal, status=exc.status, title="窗口开户",
                        units=await _admin_units(portal, viewer), form=form, errors=errors_of(exc))
        return redirect(portal, f"staff/learners/{account.id}",
                        done="开户成功：激活验证码已发送给学习者，请其在“激活账户”页面输入证件号码和验证码设置密码")

    @get("/{account_id:int}")
    async def learner(self, portal: NamedDependency[Portal], account_id: PathId) -> Response:
        viewer = portal.require_staff("accounts.manage")
        return await _learner_page(portal, viewer, account_id)

    @post("/{account_id:int}/review", status_code=200)
    async def review(self, portal: NamedDependency[Portal], account_id: PathId, data: FormData) -> Response:
        viewer = portal.require_staff("accounts.manage")
        form = {k: str(v) for k, v in data.items() if not k.startswith("_")}
        try:
            if form.get("decision") not in ("approve", "reject"):
                raise FormError("decision", "请选择“通过”或“不通过”")
            decision = read_form(data, AccountDecision)
            account = await staff.review_account(portal.tenant, viewer, account_id, decision)
        except DomainError as exc:
            if exc.status == 404:
                raise
            return await _learner_page(portal, viewer, account_id, http_status=exc.status, form=form,
                                       errors=errors_of(exc))
        return redirect(portal, f"staff/learners/{account_id}",
                        done="审核完成：账户已" + ("通过审核" if account.status == "active" else "退回"))

    @post("/{account_id:int}/id-number", status_code=200)
    async def reveal(self, request: Request, portal: NamedDependency[Portal], account_id: PathId,
                     data: FormData) -> Response:
        """The full ID number on this response only (no redirect: it must not travel in an
        address); the service writes the reason to the audit log."""
        viewer = portal.require_staff("accounts.manage")
        reason = str(data.get("reason", "")).strip()
        try:
            full = await staff.reveal_id_number(portal.tenant, request.app.state.pii, viewer, account_id, reason,
                                                client_address(request))
        except DomainError as exc:
            if exc.status == 404:
                raise
            return await _learner_page(portal, viewer, account_id, http_status=exc.status, form={"reason": reason},
                                       errors=errors_of(exc))
        return await _learner_page(portal, viewer, account_id, revealed=full)

    @get("/{account_id:int}/id-scan")
    async def id_scan(self, request: Request, portal: NamedDependency[Portal], account_id: PathId) -> Response:
        """The scan for the account review; any other look goes through the form below."""
        viewer = portal.require_staff("accounts.manage")
        row = await staff.id_scan_for_staff(portal.tenant, viewer, account_id, client=client_address(request))
        return await file_response(request.app.state.storage, row)

    @post("/{account_id:int}/id-scan", status_code=200)
    async def reveal_id_scan(self, request: Request, portal: NamedDependency[Portal], account_id: PathId,
                             data: FormData) -> Response:
        """The audited reveal of the scan: the reason goes to the audit log, the picture comes
        back on this response (never kept by a cache)."""
        viewer = portal.require_staff("accounts.manage")
        reason = str(data.get("scan_reason", "")).strip()
        try:
            row = await staff.id_scan_for_staff(portal.tenant, viewer, account_id, reason, client_address(request))
        except DomainError as exc:
            if exc.status == 404:
                raise
            return await _learner_page(portal, viewer, account_id, http_status=exc.status,
                                       form={"scan_reason": reason}, errors={"scan_reason": str(exc)})
        return await file_response(request.app.state.storage, row)
