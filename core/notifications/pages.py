"""发送记录 and 通知模板: the delivery log, filtered by recipient, and the tenant's own
notification texts (edit, preview, revert) — the services behind ``/admin/notifications``
and ``/admin/templates``.

A recipient is a phone number or an e-mail address, so the filter is posted, never put in
the address bar (nor in the next page's link: paging a filtered log posts again)."""

from __future__ import annotations

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Template

from core.errors import DomainError
from core.ids import Cursor, PathId
from core.notifications import templates
from core.notifications.events import EVENTS
from core.notifications.service import delivery_log, requeue
from core.security import permissions
from core.web.pages import FormData
from core.web.portal import Portal, errors_of, page, redirect

EVENT_LABELS = {
    "code.activation": "激活验证码",
    "code.register": "注册验证码",
    "code.reset": "找回密码验证码",
    "staff.invited": "工作人员账户开通",
    "account.opened": "窗口开户通知",
    "account.reviewed": "账户审核结果",
    "account.closure_decided": "账户注销申请结果",
    "recognition.decided": "成果认定结果",
    "conversion.step_passed": "转换审核通过一步",
    "conversion.approved": "转换申请通过",
    "conversion.rejected": "转换申请未通过",
    "proof.issued": "学习成果认证证明签发",
    "appeal.decided": "申诉处理结果",
    "achievement.collected": "受理点采集成果通知",
    "dispute.decided": "成果异议处理结果",
    "review.digest": "待审核事项提醒（每日）",
    "review.escalated": "逾期审核督办",
}
CHANNEL_LABELS = {"sms": "短信", "email": "电子邮件"}
STATUS_LABELS = {"queued": "待发送", "sending": "发送中", "sent": "已发送", "failed": "发送失败"}
PAGE_SIZE = 50


def _grants(portal: Portal):
    return portal.require_staff().grants


class NotificationPages(Controller):
    path = "/staff/notifications"
    include_in_schema = False

    @get("/")
    async def log(self, portal: NamedDependency[Portal],
                  cursor: Cursor = None) -> Template:
        found = await delivery_log(portal.tenant.id, _grants(portal), cursor=cursor, limit=PAGE_SIZE)
        return self._log_page(portal, found, {}, filtered=False)

    @post("/{notification_id:int}/requeue", status_code=303)
    async def requeue(self, portal: NamedDependency[Portal], notification_id: PathId) -> Response:
        actor = portal.require_staff()
        await requeue(portal.tenant.id, actor.id, actor.grants, notification_id)
        return redirect(portal, "staff/notifications", done="已放回发送队列，稍后重新发送")

    @post("/", status_code=200)
    async def filtered_log(self, portal: NamedDependency[Portal], data: FormData) -> Template:
        grants = _grants(portal)
        form = {"to": str(data.get("to") or "").strip(), "event": str(data.get("event") or "")}
        cursor = str(data.get("cursor") or "")
        if form["event"] and form["event"] not in EVENTS:
            form["event"] = ""
        found = await delivery_log(portal.tenant.id, grants, to=form["to"] or None, event=form["event"] or None,
                                   cursor=int(cursor) if cursor.isdigit() else None, limit=PAGE_SIZE)
        return self._log_page(portal, found, form, filtered=True)

    def _log_page(self, portal: Portal, found, form: dict, filtered: bool) -> Template:
        return page("notifications/log.html", portal, form=form, items=found.items, next_cursor=found.next_cursor,
                    filtered=filtered, events=[(k, EVENT_LABELS.get(k, k)) for k in EVENTS],
                    event_labels=EVENT_LABELS, channel_labels=CHANNEL_LABELS, status_labels=STATUS_LABELS,
                    can_edit_templates=permissions.may(portal.viewer, "notifications.templates"))

    @get("/templates")
    async def template_list(self, portal: NamedDependency[Portal]) -> Template:
        portal.require_staff("notifications.templates")
        return page("notifications/templates.html", portal, items=await templates.list_templates(portal.tenant),
                    event_labels=EVENT_LABELS, channel_labels=CHANNEL_LABELS)

    @get("/templates/{event:str}/{channel:str}")
    async def template_form(self, portal: NamedDependency[Portal], event: FromPath[str],
                            channel: FromPath[str]) -> Template:
        portal.require_staff("notifications.templates")
        current = await self._template(portal, event, channel)
        return self._template_page(portal, current, {"subject": current.subject, "body": current.body})

    @post("/templates/{event:str}/{channel:str}", status_code=200)
    async def template_save(self, portal: NamedDependency[Portal], event: FromPath[str], channel: FromPath[str],
                            data: FormData) -> Response:
        """``_action`` = ``preview`` renders with the event's sample data; ``save`` stores it."""
        actor = portal.require_staff("notifications.templates")
        current = await self._template(portal, event, channel)
        form = {"subject": str(data.get("subject") or ""), "body": str(data.get("body") or "").replace("\r\n", "\n")}
        try:
            if data.get("_action") == "preview":
                preview = await templates.check_template(event, channel, form["subject"], form["body"])
                return self._template_page(portal, current, form, preview=preview)
            await templates.save_override(portal.tenant, actor.id, event, channel, form["subject"], form["body"])
        except DomainError as exc:
            return self._template_page(portal, current, form, errors=errors_of(exc), status=exc.status)
        return redirect(portal, f"staff/notifications/templates/{event}/{channel}", done="模板已保存")

    @post("/templates/{event:str}/{channel:str}/revert", status_code=303)
    async def template_revert(self, portal: NamedDependency[Portal], event: FromPath[str],
                              channel: FromPath[str]) -> Response:
        portal.require_staff("notifications.templates")
        await templates.delete_override(portal.tenant, event, channel)
        return redirect(portal, f"staff/notifications/templates/{event}/{channel}", done="已恢复为省份模板")

    async def _template(self, portal: Portal, event: str, channel: str) -> templates.TemplateOut:
        for item in await templates.list_templates(portal.tenant):
            if item.event == event and item.channel == channel:
                return item
        raise DomainError(f"没有事件 {event} 的 {channel} 模板", 404)

    def _template_page(self, portal: Portal, current: templates.TemplateOut, form: dict, *, preview=None,
                       errors: dict | None = None, status: int = 200) -> Template:
        return page("notifications/template_form.html", portal, status=status, form=form, errors=errors or {},
                    current=current, preview=preview, sample=EVENTS[current.event],
                    event_label=EVENT_LABELS.get(current.event, current.event),
                    channel_label=CHANNEL_LABELS.get(current.channel, current.channel))
