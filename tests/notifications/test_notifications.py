"""Notifications: province texts, the transactional outbox, the sender (races, retries, a real
process killed mid-batch), SMTP and SMS peers down then back, and tenant template overrides."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import msgspec
import pytest

from core.clock import utcnow
from core.notifications.events import EVENTS
from core.notifications.sender import Sender
from core.notifications.service import enqueue
from core.notifications.tables import Notification
from tests.accounts.helpers import staff_headers
from tests.notifications.gateways import SmsGateway, SmtpServer, free_port

PROVINCES = ("guangdong", "national_ouc", "zhejiang", "gansu")


@pytest.mark.parametrize("slug", PROVINCES)
async def test_each_province_renders_every_event(client, slug):
    tenant = await client._transport.app.state.tenants.get(slug)
    for event in EVENTS:
        await enqueue(tenant.id, tenant.hooks, event=event, channel="sms", recipient="13800138000",
                      context={**EVENTS[event], "tenant_name": tenant.name}, dedupe_key=f"{slug}:{event}:sms")
        await enqueue(tenant.id, tenant.hooks, event=event, channel="email", recipient="a@example.com",
                      context={**EVENTS[event], "tenant_name": tenant.name}, dedupe_key=f"{slug}:{event}:email")
    rows = await Notification.select().where(Notification.tenant_id == tenant.id)
    assert len(rows) == 2 * len(EVENTS)
    assert all(r["body"].strip() for r in rows)
    assert all(r["subject"] for r in rows if r["channel"] == "email")
    if slug == "guangdong":
        assert all("【广东学银】" in r["body"] for r in rows if r["channel"] == "sms")
        final = next(r for r in rows if r["event"] == "conversion.approved" and r["channel"] == "sms")
        assert "已自动添加到您个人学习账户" in final["body"]
    if slug == "zhejiang":
        assert all("【浙江学分银行】" in r["body"] for r in rows if r["channel"] == "sms")


async def test_the_outbox_is_written_with_its_transaction_or_not_at_all(client):
    tenant = await client._transport.app.state.tenants.get("guangdong")
    args = dict(event="code.register", channel="sms", recipient="13800138000", context={**EVENTS["code.register"]})
    with pytest.raises(RuntimeError):
        async with Notification._meta.db.transaction():
            await enqueue(tenant.id, tenant.hooks, dedupe_key="rolled-back", **args)
            raise RuntimeError("the change failed")
    assert await Notification.count() == 0
    async with Notification._meta.db.transaction():
        await enqueue(tenant.id, tenant.hooks, dedupe_key="kept", **args)
        await enqueue(tenant.id, tenant.hooks, dedupe_key="kept", **args)  # a retried change writes it once
    assert await Notification.count() == 1


async def _queue_sms(client, count: int, slug: str = "guangdong") -> None:
    tenant = await client._transport.app.state.tenants.get(slug)
    now = utcnow()
    await Notification.insert(*[
        Notification(tenant_id=tenant.id, event="code.register", channel="sms", recipient=f"1380000{i:04d}",
                     body=f"验证码 {i:06d}", dedupe_key=f"{slug}:batch:{i}", created_at=now, next_attempt_at=now)
        for i in range(count)])


async def test_two_senders_racing_deliver_each_message_once(client, settings):
    await _queue_sms(client, 60)
    with SmsGateway() as gateway:
        shared = msgspec.structs.replace(settings, sms_url=gateway.url)
        a, b = Sender(shared), Sender(shared)
        handled = await asyncio.gather(a.run_once(1000), b.run_once(1000))
        assert sum(handled) == 60
        assert gateway.requests == 60 and len(gateway.accepted) == 60
    statuses = {r["status"] for r in await Notification.select(Notification.status)}
    assert statuses == {"sent"}
    sample = await Notification.select().where(Notification.dedupe_key == "guangdong:batch:7").first()
    assert sample["delivered_via"] == "sms-http" and sample["body"] == "验证码 ******"  # codes masked once sent for real


async def test_a_sender_killed_mid_batch_loses_nothing_and_sends_nothing_twice(client, settings):
    """A real ``creditbank sender`` process, killed with SIGKILL while it works through 40."""
    await _queue_sms(client, 40)
    with SmsGateway(delay=0.05) as gateway:
        env = {**os.environ, "CREDITBANK_DATABASE_URL": settings.database_url, "CREDITBANK_HOME": str(settings.home),
               "CREDITBANK_SMS_URL": gateway.url + "killed", "CREDITBANK_SENDER_LEASE": "2",
               "CREDITBANK_SECRET_KEY": settings.secret_key}
        process = subprocess.Popen([sys.executable, "-m", "core.cli", "sender"], env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while len(gateway.accepted) < 10 and time.monotonic() < deadline:
            await asyncio.sleep(0.02)
        gateway.held.add("/killed")  # killed while the gateway holds its message unanswered
        while not gateway.parked["/killed"] and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        gateway.held.clear()
        assert 10 <= len(gateway.accepted) < 40, "the sender should have been killed mid-batch"
        shared = msgspec.structs.replace(settings, sms_url=gateway.url, sender_lease_seconds=2)
        # Seen from three seconds on, the dead sender's lease has run out (no need to wait for it).
        await Sender(shared, clock=lambda: utcnow() + timedelta(seconds=3)).run_once(1000)
        assert len(gateway.accepted) == 40  # nothing lost
        # Killed while the gateway worked on one: that one was never confirmed, so it went again.
        assert gateway.duplicates == 0 and gateway.requests == 40
    assert {r["status"] for r in await Notification.select(Notification.status)} == {"sent"}


async def test_sms_gateway_down_then_back_and_a_refused_number_fails(client, settings):
    await _queue_sms(client, 2)
    with SmsGateway() as gateway:
        sender = Sender(msgspec.structs.replace(settings, sms_url=gateway.url))
        gateway.status = 503
        await sender.run_once()
        rows = await Notification.select().order_by(Notification.id)
        assert [r["status"] for r in rows] == ["queued", "queued"] and "503" in rows[0]["last_error"]
        assert await sender.run_once() == 0  # backing off: not due yet
        await Notification.update({Notification.next_attempt_at: utcnow()}, force=True)
        gateway.status = 200
        assert await sender.run_once() == 2
        assert len(gateway.accepted) == 2
    await _queue_sms(client, 1, "zhejiang")
    with SmsGateway() as gateway:
        gateway.status = 400
        await Sender(msgspec.structs.replace(settings, sms_url=gateway.url)).run_once()
    failed = await Notification.select().where(Notification.status == "failed")
    assert len(failed) == 1 and "400" in failed[0]["last_error"]


async def test_smtp_down_then_back_and_an_undeliverable_address_ends_failed(client, settings):
    tenant = await client._transport.app.state.tenants.get("national_ouc")
    context = {**EVENTS["code.activation"], "tenant_name": tenant.name}
    await enqueue(tenant.id, tenant.hooks, event="code.activation", channel="email", recipient="lin@example.com",
                  context=context, dedupe_key="mail-1")
    await enqueue(tenant.id, tenant.hooks, event="code.activation", channel="email", recipient="nobody@bounce.example",
                  context=context, dedupe_key="mail-2")
    port = free_port()
    sender = Sender(msgspec.structs.replace(settings, smtp_url=f"smtp://127.0.0.1:{port}?from=noreply@cbouc.example"))
    await sender.run_once()  # nothing listens yet
    rows = await Notification.select().order_by(Notification.id)
    assert [r["status"] for r in rows] == ["queued", "queued"] and "无法连接" in rows[0]["last_error"]
    with SmtpServer(port) as smtp:
        await Notification.update({Notification.next_attempt_at: utcnow()}, force=True)
        await sender.run_once()
        rows = await Notification.select().order_by(Notification.id)
        assert [r["status"] for r in rows] == ["sent", "failed"]
        assert "550" in rows[1]["last_error"] or "拒绝" in rows[1]["last_error"]
        assert len(smtp.messages) == 1
        mail = smtp.messages[0]
        assert mail["To"] == "lin@example.com" and mail["Message-ID"].endswith("@cbouc.example>")
        assert "123456" in mail.get_content() and mail["Subject"]


async def test_tenant_admin_overrides_a_template_checked_before_it_is_saved(client):
    admin = await staff_headers(client, "guangdong", "GD", "tenant_admin")
    T = "/t/guangdong/api/v1/admin/templates"
    listed = (await client.get(T, headers=admin)).json()
    assert any(t["event"] == "code.register" and t["channel"] == "sms" and t["source"] == "province" for t in listed)
    syntax = await client.put(f"{T}/code.register/sms", headers=admin, json={"body": "【广东学银】验证码\n{{ code }"})
    assert syntax.status_code == 400 and "第 2 行" in syntax.json()["detail"]
    unknown = await client.put(f"{T}/code.register/sms", headers=admin, json={"body": "验证码 {{ secret }}"})
    assert unknown.status_code == 400 and "不存在的变量" in unknown.json()["detail"]
    escape = await client.put(f"{T}/code.register/sms", headers=admin, json={"body": "{{ code.__class__.__mro__[1].__subclasses__() }}"})
    assert escape.status_code == 400 and "受限" in escape.json()["detail"]
    preview = await client.post(f"{T}/code.register/sms/preview", headers=admin, json={"body": "【广东学银】您的注册验证码：{{ code }}"})
    assert preview.json()["body"] == "【广东学银】您的注册验证码：123456"
    saved = await client.put(f"{T}/code.register/sms", headers=admin, json={"body": "【广东学银】您的注册验证码：{{ code }}，{{ minutes }}分钟内有效"})
    assert saved.status_code == 200 and saved.json()["source"] == "tenant"
    await client.post("/t/guangdong/api/v1/auth/codes", json={"purpose": "register", "channel": "sms", "phone": "13700137000"})
    sent = (await client.get("/t/guangdong/api/v1/admin/notifications", params={"to": "13700137000"}, headers=admin)).json()["items"][0]
    assert sent["body"].startswith("【广东学银】您的注册验证码：") and sent["body"].endswith("10分钟内有效")
    assert (await client.delete(f"{T}/code.register/sms", headers=admin)).status_code == 204
    point = await staff_headers(client, "guangdong", "GD-GOU-TP01", "unit_admin")
    assert (await client.put(f"{T}/code.register/sms", headers=point, json={"body": "x {{ code }}"})).status_code == 403
    # A code to a phone that is no account's yet is for tenant admins only (masking for unit
    # admins: tests/notifications/test_delivery.py).
    assert not (await client.get("/t/guangdong/api/v1/admin/notifications", headers=point)).json()["items"]
