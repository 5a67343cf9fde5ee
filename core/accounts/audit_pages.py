"""审计日志 for admins (filter, page through, export) and 查看记录 for the learner: which units'
staff looked at their full ID number, ID scan or files."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlencode

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from core.accounts import audit
from core.clock import utcnow
from core.errors import DomainError
from core.ids import Cursor
from core.web.downloads import download
from core.web.portal import Portal, errors_of, page
from core.web.security import client_address

Text = Annotated[str | None, QueryParameter(max_length=128)]
Day = Annotated[str | None, QueryParameter(max_length=10)]
PAGE_SIZE = 50


class StaffAuditPages(Controller):
    path = "/staff/audit"
    include_in_schema = False

    @get("/")
    async def log(self, portal: NamedDependency[Portal], actor: Text = None, target: Text = None, action: Text = None,
                  date_from: Annotated[str | None, QueryParameter(name="from", max_length=10)] = None,
                  date_to: Annotated[str | None, QueryParameter(name="to", max_length=10)] = None,
                  cursor: Cursor = None) -> Response:
        """The filters travel in the address (a target is an account, never an ID number: the
        service refuses one), so a filtered view can be bookmarked and exported as it is."""
        viewer = portal.require_staff("audit.read")
        form = {k: (v or "").strip() for k, v in
                {"actor": actor, "target": target, "action": action, "from": date_from, "to": date_to}.items()}
        filters = audit.AuditFilter(actor=form["actor"] or None, target=form["target"] or None,
                                    action=form["action"] or None, date_from=form["from"] or None,
                                    date_to=form["to"] or None)
        chosen = {k: v for k, v in form.items() if v}
        context = {"title": "审计日志", "form": form, "actions": list(audit.ACTION_LABELS.items()),
                   "filtered": bool(chosen)}
        try:
            found = await audit.audit_log(portal.tenant.id, viewer, filters, cursor=int(cursor) if cursor else None,
                                          limit=PAGE_SIZE)
        except DomainError as exc:
            if exc.status != 400:
                raise
            return page("accounts/staff_audit.html", portal, status=400, items=[], errors=errors_of(exc), **context)
        api = portal.url("staff/audit/export")  # the portal's own route: the API takes no cookie
        return page(
            "accounts/staff_audit.html", portal, items=found.items, **context,
            next_url=f"{portal.url('staff/audit')}?{urlencode({**chosen, 'cursor': found.next_cursor})}"
            if found.next_cursor else None,
            exports=[("CSV", f"{api}?{urlencode({**chosen, 'format': 'csv'})}"),
                     ("JSON Lines", f"{api}?{urlencode({**chosen, 'format': 'jsonl'})}")],
        )


    @get("/export")
    async def export(self, request: Request, portal: NamedDependency[Portal], actor: Text = None, target: Text = None,
                     action: Text = None,
                     date_from: Annotated[str | None, QueryParameter(name="from", max_length=10)] = None,
                     date_to: Annotated[str | None, QueryParameter(name="to", max_length=10)] = None,
                     fmt: Annotated[Literal["csv", "jsonl"], QueryParameter(name="format")] = "csv") -> Response:
        """The filtered log as a file, as ``GET /api/v1/admin/audit?format=`` gives it (the
        export itself is audited)."""
        viewer = portal.require_staff("audit.read")
        filters = audit.AuditFilter(actor=actor or None, target=target or None, action=action or None,
                                    date_from=date_from or None, date_to=date_to or None)
        content = await audit.export(portal.tenant.id, viewer, filters, fmt, client_address(request))
        name = f"审计日志-{portal.tenant.slug}-{utcnow():%Y%m%d}.{fmt}"
        return download(content, "text/csv; charset=utf-8" if fmt == "csv" else "application/jsonl; charset=utf-8", name)


class LearnerPrivacyPages(Controller):
    path = "/me/privacy"
    include_in_schema = False

    @get("/")
    async def views(self, portal: NamedDependency[Portal], cursor: Cursor = None) -> Response:
        learner = portal.require_learner()
        found = await audit.views_of_me(portal.tenant.id, learner.id, cursor=int(cursor) if cursor else None,
                                        limit=PAGE_SIZE, role_labels=portal.tenant.hooks.wording.role_labels)
        return page("accounts/my_privacy.html", portal, title="查看记录", items=found.items,
                    next_url=f"{portal.url('me/privacy')}?{urlencode({'cursor': found.next_cursor})}"
                    if found.next_cursor else None)
