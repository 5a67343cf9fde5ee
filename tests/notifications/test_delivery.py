"""Delivery under load and failure (issue 13): exact-batch claims with a lease kept alive,
real sender processes killed with a backlog (counted at a gateway on loopback), outages longer
than any fixed give-up, permanent refusals, re-queueing (API, page, CLI), well-formed message
keys, the in-process sender setting, and the delivery log scoped to the viewer's subtree."""

from __future__ import annotations

import asyncio
import os
import re
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
from core.settings import Settings, SettingsError
from tests.accounts.helpers import STAFF_PASSWORD, last_code, make_id, staff_headers
from tests.notifications.gateways import SmsGateway, SmtpServer, free_port
from tests.web.helpers import portal_login, submit


class Clock:
    """A clock the test moves: the sender reads the time only through it."""

    def __init__(self) -> None:
        self.now = utcnow()

    def __call__(self):
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


async def _queue_sms(client, count: int, slug: str = "guangdong") -> None:
    tenant = await client._transport.app.state.tenants.get(slug)
    now = utcnow()
    await Notification.insert(*[
        Notification(tenant_id=tenant.id, event="code.register", channel="sms", recipient=f"1380000{i:04d}",
                     body=f"验证码 {i:06d}", dedupe_key=f"{slug}:batch:{i}", created_at=now, next_attempt_at=now)
        for i in range(count)])


async def _statuses() -> dict[str, int]:
    rows = await Notification.select(Notification.status)
    return {s: sum(1 for r in rows if r["status"] == s) for s in {r["status"] for r in rows}}


# --- 1. a claim takes its batch, and keeps it while it works -------------------------------------


async def test_a_claim_leases_exactly_its_batch(client, settings):
    await _queue_sms(client, 50)
    sender = Sender(settings)
    first = await sender.claim(20)
    assert len(first) == 20
    assert await Notification.count().where(Notification.status == "sending") == 20
    second = await sender.claim(20)
    assert len(second) == 20 and not {m["id"] for m in first} & {m["id"] for m in second}
    assert await Notification.count().where(Notification.status == "queued") == 10


async def test_a_batch_slower_than_the_lease_is_sent_once(client, settings):
    """Twenty messages at 0.08 s take longer than a 1 s lease: the sender keeps its lease alive,
    so the other sender never takes them again."""
    await _queue_sms(client, 60)
    with SmsGateway(delay=0.08) as gateway:
        shared = msgspec.structs.replace(settings, sms_url=gateway.url, sender_lease_seconds=1)
        handled = await asyncio.gather(Sender(shared).run_once(1000), Sender(shared).run_once(1000))
        assert len(gateway.accepted) == 60
        assert gateway.requests == 60 and gateway.duplicates == 0
        assert sum(handled) == 60
    assert await _statuses() == {"sent": 60}


def _sender_process(settings: Settings, gateway: SmsGateway, path: str) -> subprocess.Popen:
    env = {**os.environ, "CREDITBANK_DATABASE_URL": settings.database_url, "CREDITBANK_HOME": str(settings.home),
           "CREDITBANK_SMS_URL": gateway.url + path, "CREDITBANK_SENDER_LEASE": "1", "CREDITBANK_SECRET_KEY": settings.secret_key,
           "PYTHONPATH": os.getcwd()}
    return subprocess.Popen([sys.executable, "-m", "core.cli", "sender"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


async def test_a_sender_killed_with_a_backlog_loses_nothing_and_duplicates_nothing(client, settings):
    """200 queued, two real ``creditbank sender`` processes and a slow gateway; one is killed
    with SIGKILL half-way. Everything arrives, and no message is confirmed twice at the
    gateway (the one the dead sender had in flight was never confirmed, so it may go again)."""
    await _queue_sms(client, 200)
    with SmsGateway(delay=0.02) as gateway:
        victim, survivor = _sender_process(settings, gateway, "victim"), _sender_process(settings, gateway, "survivor")
        try:
            deadline = time.monotonic() + 60
            while len(gateway.accepted) < 80 and time.monotonic() < deadline:
                await asyncio.sleep(0.02)
            # Killed while the gateway holds one of its messages unanswered: everything it was
            # told before is recorded (a sender records each outcome before sending the next).
            gateway.held.add("/victim")
            while not gateway.parked["/victim"] and time.monotonic() < deadline:
                await asyncio.sleep(0.01)
            victim.send_signal(signal.SIGKILL)
            victim.wait(timeout=10)
            gateway.held.clear()
            assert 80 <= len(gateway.accepted) < 200, "the sender should have been killed with a backlog"
            while (await Notification.count().where(Notification.status == "sent") < 200
                   and time.monotonic() < deadline):
                await asyncio.sleep(0.05)
        finally:
            survivor.send_signal(signal.SIGKILL)
            survivor.wait(timeout=10)
            victim.kill()
        assert len(gateway.accepted) == 200  # nothing lost
        assert gateway.duplicates == 0, f"{gateway.duplicates} messages confirmed twice"
        assert gateway.requests == 200  # the one in flight when it died was never answered
    assert await _statuses() == {"sent": 200}


# --- 2. outages are ridden out; refusals fail with their reason; staff re-queue -----------------


async def test_an_outage_longer_than_the_old_give_up_is_ridden_out(client, settings):
    await _queue_sms(client, 3)
    clock = Clock()
    with SmsGateway() as gateway:
        sender = Sender(msgspec.structs.replace(settings, sms_url=gateway.url), clock=clock)
        gateway.status = 503
        started = clock.now
        while clock.now - started < timedelta(hours=2):  # the old sender gave up after ~5.4 minutes
            await sender.run_once()
            due = min(r["next_attempt_at"] for r in await Notification.select(Notification.next_attempt_at))
            clock.now = max(clock.now + timedelta(seconds=1), due.replace(tzinfo=clock.now.tzinfo))
        rows = await Notification.select().order_by(Notification.id)
        assert [r["status"] for r in rows] == ["queued"] * 3
        assert rows[0]["attempts"] > 6 and "503" in rows[0]["last_error"]
        gateway.status = 200
        clock.advance(hours=1)
        assert await sender.run_once() == 3
        assert len(gateway.accepted) == 3
    assert await _statuses() == {"sent": 3}


async def test_a_transient_failure_fails_for_good_only_after_the_retry_window(client, settings):
    await _queue_sms(client, 1)
    clock = Clock()
    with SmsGateway() as gateway:
        gateway.status = 503
        sender = Sender(msgspec.structs.replace(settings, sms_url=gateway.url, sender_retry_hours=24), clock=clock)
        await sender.run_once()
        clock.advance(hours=23)
        await sender.run_once()
        assert await _statuses() == {"queued": 1}
        clock.advance(hours=2)
        await sender.run_once()
    row = await Notification.select().first()
    assert row["status"] == "failed" and "503" in row["last_error"] and row["attempts"] == 3


async def test_a_refused_number_fails_at_once_shows_why_and_staff_requeue_it(client, settings):
    await _queue_sms(client, 3, "zhejiang")
    admin = await staff_headers(client, "zhejiang", "ZJ", "tenant_admin", username="zj-requeue")
    log_url = "/t/zhejiang/api/v1/admin/notifications"
    with SmsGateway() as gateway:
        sender = Sender(msgspec.structs.replace(settings, sms_url=gateway.url))
        gateway.status = 400
        await sender.run_once()
        assert await _statuses() == {"failed": 3}  # permanent: no retry
        items = (await client.get(log_url, headers=admin)).json()["items"]
        assert all(i["status"] == "failed" and i["attempts"] == 1 and "invalid number" in i["last_error"]
                   for i in items)
        first, second, _ = sorted(i["id"] for i in items)

        # API
        requeued = await client.post(f"{log_url}/{first}/requeue", headers=admin)
        assert requeued.status_code == 200, requeued.text
        assert requeued.json()["status"] == "queued"
        again = await client.post(f"{log_url}/{first}/requeue", headers=admin)
        assert again.status_code == 409 and "发送失败" in again.json()["detail"]
        assert (await client.post(f"{log_url}/999999/requeue", headers=admin)).status_code == 404
        other = await staff_headers(client, "guangdong", "GD", "tenant_admin", username="gd-requeue")
        assert (await client.post(f"/t/guangdong/api/v1/admin/notifications/{second}/requeue",
                                  headers=other)).status_code == 404  # another tenant's message

        # page
        await portal_login(client, "zhejiang", "zj-requeue", STAFF_PASSWORD)
        page = await client.get("/t/zhejiang/staff/notifications/")
        assert "invalid number" in page.text and "尝试 1 次" in page.text
        assert f'action="/t/zhejiang/staff/notifications/{second}/requeue"' in page.text
        posted = await submit(client, "/t/zhejiang/staff/notifications/", f"/t/zhejiang/staff/notifications/{second}/requeue", {})
        assert posted.status_code == 303, posted.text

        # CLI
        env = {**os.environ, "CREDITBANK_DATABASE_URL": settings.database_url, "CREDITBANK_HOME": str(settings.home),
               "CREDITBANK_SECRET_KEY": "x", "PYTHONPATH": os.getcwd()}
        cli = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "core.cli", "notifications", "requeue", "--tenant", "zhejiang", "--failed",
            env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
        output = (await cli.communicate())[0].decode()
        assert cli.returncode == 0, output
        assert "1 条" in output
        assert await _statuses() == {"queued": 3}

        gateway.status = 200
        assert await sender.run_once() == 3
    assert await _statuses() == {"sent": 3}


# --- 3. one stable, well-formed key per message, for mail and SMS gateways ------------------------


async def test_every_message_carries_a_well_formed_key_derived_from_its_own(client, settings):
    tenant = await client._transport.app.state.tenants.get("national_ouc")
    context = {**EVENTS["code.activation"], "tenant_name": tenant.name}
    for key in ("code:17", "code:18"):  # the keys the platform writes contain a colon
        await enqueue(tenant.id, tenant.hooks, event="code.activation", channel="email", recipient=f"{key[-2:]}@example.com",
                      context=context, dedupe_key=key)
    await enqueue(tenant.id, tenant.hooks, event="code.activation", channel="sms", recipient="13800138000",
                  context=context, dedupe_key="code:19")
    port = free_port()
    with SmtpServer(port) as smtp, SmsGateway() as gateway:
        shared = msgspec.structs.replace(settings, smtp_url=f"smtp://127.0.0.1:{port}?from=noreply@cbouc.example",
                                         sms_url=gateway.url)
        await Sender(shared).run_once()
        ids = [m["Message-ID"] for m in smtp.messages]
        assert len(ids) == 2 and len(set(ids)) == 2
        for message_id in ids:
            assert re.fullmatch(r"<[0-9a-f]{32}@cbouc\.example>", message_id), message_id
        (sms_key,) = gateway.accepted
        assert re.fullmatch(r"[0-9a-f]{32}", sms_key)
        # A message sent again (a confirmation lost) carries the same key as the first time.
        await Notification.update({Notification.status: "queued", Notification.next_attempt_at: utcnow()}, force=True)
        await Sender(shared).run_once()
        assert [m["Message-ID"] for m in smtp.messages[2:]] == ids
        assert gateway.requests == 2 and list(gateway.accepted) == [sms_key]


# --- 4. one setting decides whether a web worker runs a sender --------------------------------------


def test_the_in_process_sender_is_on_for_the_embedded_default_only(tmp_path):
    base = {"CREDITBANK_HOME": str(tmp_path), "CREDITBANK_SECRET_KEY": "k"}
    assert Settings.from_env(base).sender == "inprocess"
    postgres = {**base, "CREDITBANK_DATABASE_URL": "postgresql://db/creditbank"}
    assert Settings.from_env(postgres).sender == "off"
    assert Settings.from_env({**postgres, "CREDITBANK_SENDER": "inprocess"}).sender == "inprocess"
    assert Settings.from_env({**base, "CREDITBANK_SENDER": "off"}).sender == "off"
    with pytest.raises(SettingsError, match="CREDITBANK_SENDER"):
        Settings.from_env({**base, "CREDITBANK_SENDER": "yes"})


def _sender_tasks() -> list[asyncio.Task]:
    return [t for t in asyncio.all_tasks() if "run_forever" in repr(t.get_coro())]


@pytest.mark.parametrize("mode", ["inprocess", "off"])
async def test_a_web_worker_runs_a_sender_only_when_the_setting_says(client, settings, plugins, mode):
    from core.app import create_app
    from tests.conftest import serve

    await _queue_sms(client, 1)
    app = create_app(msgspec.structs.replace(settings, sender=mode), plugins, migrate=False, sync_tenants=False)
    async with serve(app):
        assert len(_sender_tasks()) == (1 if mode == "inprocess" else 0)
        if mode == "inprocess":
            for _ in range(100):
                if await _statuses() == {"sent": 1}:
                    break
                await asyncio.sleep(0.05)
            assert await _statuses() == {"sent": 1}
    assert not _sender_tasks()


# --- issue 12, finding 6: the delivery log is scoped to the viewer's subtree ----------------------


async def test_a_unit_admin_reads_only_the_messages_of_their_subtree(client):
    centre = await staff_headers(client, "zhejiang", "ZJ", "tenant_admin", username="zj-centre-log")
    hangzhou_window = await staff_headers(client, "zhejiang", "ZJ-S01", "unit_admin", username="zj-s01-log")
    hangzhou = await staff_headers(client, "zhejiang", "ZJ-B01", "unit_admin", username="zj-b01-log")
    ningbo = await staff_headers(client, "zhejiang", "ZJ-B02", "unit_admin", username="zj-b02-log")
    phone = "13512345678"
    opened = await client.post("/t/zhejiang/api/v1/admin/learners", headers=hangzhou_window, json={
        "real_name": "周九", "id_number": make_id("330102", "19900101"), "phone": phone, "identity_checked": True})
    assert opened.status_code == 201, opened.text
    await last_code(client, "zhejiang", centre, phone)  # the centre reads it whole
    log = "/t/zhejiang/api/v1/admin/notifications"
    seen_by_hangzhou = (await client.get(log, headers=hangzhou)).json()["items"]
    assert [i["to"] for i in seen_by_hangzhou if i["event"] == "account.opened"] == ["135****5678"]
    assert not [i for i in (await client.get(log, headers=ningbo)).json()["items"] if i["event"] == "account.opened"]
    assert not (await client.get(log, headers=ningbo, params={"to": phone})).json()["items"]
    # A code to a phone with no account yet (registration) is for the centre only.
    tenant = await client._transport.app.state.tenants.get("zhejiang")
    await enqueue(tenant.id, tenant.hooks, event="code.register", channel="sms", recipient="13700137000",
                  context={**EVENTS["code.register"], "tenant_name": tenant.name}, dedupe_key="code:no-account")
    assert (await client.get(log, headers=centre, params={"to": "13700137000"})).json()["items"]
    assert not (await client.get(log, headers=hangzhou, params={"to": "13700137000"})).json()["items"]
    # The portal page shows the same.
    await portal_login(client, "zhejiang", "zj-b02-log", STAFF_PASSWORD)
    page = await client.get("/t/zhejiang/staff/notifications/")
    assert page.status_code == 200 and "135****5678" not in page.text and "137****7000" not in page.text
    await portal_login(client, "zhejiang", "zj-b01-log", STAFF_PASSWORD)
    assert "135****5678" in (await client.get("/t/zhejiang/staff/notifications/")).text
