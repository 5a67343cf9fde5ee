"""Delivery channels: the ``log`` (recorded as delivered), e-mail over SMTP, SMS through an
HTTP gateway or a province's own gateway (the ``send_sms`` hook).

A channel raises ``DeliveryError``: ``permanent`` for an address that can never be reached
(the message fails at once, with the reason), otherwise the sender retries with back-off.
Every send carries the message's stable key (``message["key"]``, 32 hex digits: the SMS
``id``, the local part of the e-mail ``Message-ID``), so a
gateway that saw it before — a retry after a crash — can drop the duplicate.
"""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formataddr
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

import anyio.to_thread
import httpx

from core.province import DeliveryError  # the plugin contract: a province's send_sms raises it too


class Channel(Protocol):
    name: str

    async def send(self, message: dict) -> None: ...


class LogChannel:
    """The embedded default: the message counts as delivered, kept whole in the delivery log."""

    name = "log"

    async def send(self, message: dict) -> None:
        return None


class SmtpChannel:
    """``smtp://user:pass@host:port?from=noreply@example.org&starttls=1`` (``smtps://`` for TLS)."""

    name = "smtp"

    def __init__(self, url: str, timeout: float = 10) -> None:
        parts = urlsplit(url)
        query = parse_qs(parts.query)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or (465 if parts.scheme == "smtps" else 25)
        self.tls = parts.scheme == "smtps"
        self.starttls = query.get("starttls", ["0"])[0] in ("1", "true")
        self.user = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password or "")
        self.sender = query.get("from", ["noreply@creditbank.local"])[0]
        self.domain = self.sender.rpartition("@")[2] or "creditbank.local"
        self.timeout = timeout

    def _send(self, message: dict, sender_name: str) -> None:
        mail = EmailMessage()
        mail["From"] = formataddr((sender_name, self.sender))
        mail["To"] = message["recipient"]
        mail["Subject"] = message["subject"] or sender_name
        # The stable key, so a mail gateway drops a copy sent again after a lost confirmation.
        mail["Message-ID"] = f"<{message['key']}@{self.domain}>"
        mail.set_content(message["body"])
        smtp_class = smtplib.SMTP_SSL if self.tls else smtplib.SMTP
        try:
            with smtp_class(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls(context=ssl.create_default_context())
                if self.user:
                    smtp.login(self.user, self.password)
                smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise DeliveryError(f"收件地址被拒绝：{exc.recipients}", permanent=all(500 <= c < 600 for c in codes)) from exc
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(f"SMTP {exc.smtp_code}：{exc.smtp_error!r}", permanent=500 <= exc.smtp_code < 600) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"无法连接邮件服务器：{type(exc).__name__}: {exc}") from exc

    async def send(self, message: dict) -> None:
        await anyio.to_thread.run_sync(self._send, message, message.get("tenant_name") or "学分银行")


class HttpSmsChannel:
    """An HTTP SMS gateway: ``POST url`` with ``{id, to, text}``; 2xx accepted, 4xx a
    permanent refusal (bad number), anything else retried."""

    name = "sms-http"

    def __init__(self, url: str, timeout: float = 10) -> None:
        self.url = url
        self.timeout = timeout
        self._client: httpx.AsyncClient | None = None

    async def send(self, message: dict) -> None:
        # One client for the sender's life: a new one per message costs a TLS context and a
        # connection each time, which bounds a backlog's pace more than the gateway does.
        if self._client is None:
            self._client = httpx.AsyncClient(timeout=self.timeout)
        try:
            response = await self._client.post(self.url, json={"id": message["key"], "to": message["recipient"],
                                                               "text": message["body"]})
        except httpx.HTTPError as exc:
            raise DeliveryError(f"短信网关无法连接：{type(exc).__name__}") from exc
        if 400 <= response.status_code < 500:
            raise DeliveryError(f"短信网关拒绝：{response.status_code} {response.text[:200]}", permanent=True)
        if response.status_code >= 300:
            raise DeliveryError(f"短信网关出错：{response.status_code}")


class PluginSmsChannel:
    """A province's own SMS gateway, through its ``send_sms`` hook."""

    name = "sms-plugin"

    def __init__(self, hooks) -> None:
        self.hooks = hooks

    async def send(self, message: dict) -> None:
        await self.hooks.send_sms(message["recipient"], message["body"], message["key"])
