"""Tenant admins' own notification texts: checked before they are saved, previewed with the
event's sample data — rendered in a worker thread within the bounds of
``core.notifications.rendering``, so that no template holds the event loop."""

from __future__ import annotations

import re

import jinja2
import msgspec
from jinja2.sandbox import SecurityError

from core.clock import utcnow
from core.errors import DomainError
from core.notifications.events import EVENTS
from core.notifications.rendering import TemplateRefused, allowed_filters, off_the_loop, render_text
from core.notifications.service import template_for
from core.notifications.tables import TemplateOverride
from core.tenancy.context import TenantContext

CHANNELS = ("sms", "email")


class TemplateOut(msgspec.Struct, kw_only=True):
    event: str
    channel: str
    subject: str
    body: str
    source: str  # tenant | province
    variables: list[str]


class Rendered(msgspec.Struct):
    subject: str
    body: str


def _check_names(event: str, channel: str) -> None:
    if event not in EVENTS or channel not in CHANNELS:
        raise DomainError(f"没有事件 {event} 的 {channel} 模板", 404)


async def check_template(event: str, channel: str, subject: str, body: str) -> Rendered:
    """Render with the event's sample under ``StrictUndefined`` in the bounded sandbox, off the
    event loop; a syntax error (with its line), an unknown variable, an attempt to reach
    outside the sandbox or to another template, a template past the budget or the time limit,
    or one that fails when rendered is a 400 naming the field."""
    _check_names(event, channel)
    if channel == "email" and not subject.strip():
        raise DomainError("邮件模板需要主题", 400, extra={"field": "subject"})
    if not body.strip():
        raise DomainError("模板内容不能为空", 400, extra={"field": "body"})
    return await off_the_loop(_render_checked, event, subject, body)


def _render_checked(event: str, subject: str, body: str) -> Rendered:
    sample = EVENTS[event]
    rendered = {}
    for field, text in (("subject", subject), ("body", body)):
        try:
            rendered[field] = render_text("", text, sample)[1] if text else ""
        except jinja2.TemplateAssertionError as exc:
            unknown = re.match(r"No (filter|test) named '([^']+)'", exc.message or "")
            if unknown is None:
                raise DomainError(f"模板第 {exc.lineno} 行语法错误：{exc.message}", 400,
                                  extra={"field": field, "line": exc.lineno}) from exc
            kind, name = ("过滤器", allowed_filters()) if unknown[1] == "filter" else ("测试", None)
            hint = f"（可用：{'、'.join(name)}）" if name else ""
            raise DomainError(f"模板第 {exc.lineno} 行：不支持{kind} {unknown[2]}{hint}", 400,
                              extra={"field": field, "line": exc.lineno}) from exc
        except jinja2.TemplateSyntaxError as exc:
            raise DomainError(f"模板第 {exc.lineno} 行语法错误：{exc.message}", 400, extra={"field": field, "line": exc.lineno}) from exc
        except jinja2.UndefinedError as exc:
            names = "、".join(sorted(sample))
            raise DomainError(f"模板使用了不存在的变量：{exc.message}（可用：{names}）", 400, extra={"field": field}) from exc
        except TemplateRefused as exc:  # the bounds: too heavy, another template, an object
            raise DomainError(str(exc), 400, extra={"field": field}) from exc
        except SecurityError as exc:
            raise DomainError("模板试图访问受限的内容，已拒绝", 400, extra={"field": field}) from exc
        except (jinja2.TemplateError, ArithmeticError, LookupError, TypeError, ValueError) as exc:
            # e.g. {{ 1 / 0 }}: the template's own fault, not the server's
            raise DomainError(f"模板无法用示例数据渲染：{type(exc).__name__}: {exc}", 400, extra={"field": field}) from exc
    return Rendered(subject=rendered["subject"], body=rendered["body"])


async def list_templates(tenant: TenantContext) -> list[TemplateOut]:
    out = []
    for event, sample in EVENTS.items():
        for channel in CHANNELS:
            try:
                subject, body, source = await template_for(tenant.id, tenant.hooks, event, channel)
            except LookupError:
                continue
            out.append(TemplateOut(event=event, channel=channel, subject=subject, body=body, source=source,
                                   variables=sorted(sample)))
    return out


async def save_override(tenant: TenantContext, actor_id: int, event: str, channel: str, subject: str, body: str) -> TemplateOut:
    await check_template(event, channel, subject, body)
    where = (TemplateOverride.tenant_id == tenant.id, TemplateOverride.event == event, TemplateOverride.channel == channel)
    async with TemplateOverride._meta.db.transaction():
        if await TemplateOverride.exists().where(*where):
            await TemplateOverride.update({TemplateOverride.subject: subject, TemplateOverride.body: body,
                                           TemplateOverride.updated_by: actor_id,
                                           TemplateOverride.updated_at: utcnow()}).where(*where)
        else:
            await TemplateOverride.insert(TemplateOverride(tenant_id=tenant.id, event=event, channel=channel, subject=subject,
                                                           body=body, updated_by=actor_id, updated_at=utcnow()))
    return TemplateOut(event=event, channel=channel, subject=subject, body=body, source="tenant", variables=sorted(EVENTS[event]))


async def delete_override(tenant: TenantContext, event: str, channel: str) -> None:
    _check_names(event, channel)
    await TemplateOverride.delete().where(TemplateOverride.tenant_id == tenant.id, TemplateOverride.event == event,
                                          TemplateOverride.channel == channel)
