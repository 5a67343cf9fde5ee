"""Notification delivery: 10,000 queued messages delivered on the ``log`` channel by two
senders, against rendering the same texts alone, in one run. Target: >= 500 messages/s.

    .venv/bin/python bench/notifications.py [--messages 10000] [--skip-sqlite]

``--mode soak``: a backlog through a slow SMS gateway on loopback, by two real ``creditbank
sender`` processes with the default lease — 800 messages at 0.1 s each (issue 13 counted 345
duplicates here) — counting at the gateway what arrived and what was confirmed twice.
``--smoke`` runs a small one (100 messages, 0.02 s, a 1 s lease) in seconds. Target: 0 duplicates.

    .venv/bin/python bench/notifications.py --mode soak [--smoke] [--skip-sqlite]

On PostgreSQL (a throw-away database on 127.0.0.1:5432) and on SQLite (a temporary file).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import asyncpg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core import db  # noqa: E402
from core.clock import utcnow  # noqa: E402
from core.notifications.events import EVENTS  # noqa: E402
from core.notifications.sender import Sender  # noqa: E402
from core.notifications.service import enqueue, render_text, template_for  # noqa: E402
from core.notifications.tables import Notification  # noqa: E402
from core.plugins import PluginRegistry  # noqa: E402
from core.seeding import sync_tenant_files  # noqa: E402
from core.settings import Settings  # noqa: E402
from core.tenancy.service import TenantRegistry

ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/postgres"


async def run(database_url: str, home: Path, count: int) -> dict[str, float]:
    settings = Settings.from_env({"CREDITBANK_HOME": str(home), "CREDITBANK_DATABASE_URL": database_url,
                                  "CREDITBANK_TENANTS_DIR": str(ROOT / "tenants"), "CREDITBANK_SECRET_KEY": "bench"})
    engine = db.make_engine(settings)
    async with db.connected(engine):
        await db.migrate(engine)
        plugins = PluginRegistry.discover()
        await sync_tenant_files(settings.tenants_dir, plugins)
        registry = TenantRegistry(plugins)
        await registry.reload()
        tenant = registry.by_slug["guangdong"]
        event = "conversion.step_passed"
        context = {**EVENTS[event], "tenant_name": tenant.name}

        subject, body, _ = await template_for(tenant.id, tenant.hooks, event, "sms")
        start = time.perf_counter()
        for _ in range(count):
            render_text(subject, body, context)
        render_rate = count / (time.perf_counter() - start)

        start = time.perf_counter()
        batch = 500
        for offset in range(0, count, batch):
            async with Notification._meta.db.transaction():
                for i in range(offset, min(count, offset + batch)):
                    await enqueue(tenant.id, tenant.hooks, event=event, channel="sms", recipient=f"138{i:08d}",
                                  context=context, dedupe_key=f"bench:{i}")
        enqueue_seconds = time.perf_counter() - start

        start = time.perf_counter()
        handled = await asyncio.gather(Sender(settings).run_once(10**9), Sender(settings).run_once(10**9))
        deliver_seconds = time.perf_counter() - start
        assert sum(handled) == count, handled
        assert await Notification.count().where(Notification.status == "sent") == count
    return {
        "render": render_rate,
        "enqueue": count / enqueue_seconds,
        "deliver": count / deliver_seconds,
        "end_to_end": count / (enqueue_seconds + deliver_seconds),
    }


async def soak(database_url: str, home: Path, count: int, delay: float, lease: int | None) -> dict[str, float]:
    from tests.notifications.gateways import SmsGateway

    env = {"CREDITBANK_HOME": str(home), "CREDITBANK_DATABASE_URL": database_url,
           "CREDITBANK_TENANTS_DIR": str(ROOT / "tenants"), "CREDITBANK_SECRET_KEY": "bench"}
    settings = Settings.from_env(env)
    engine = db.make_engine(settings)
    async with db.connected(engine):
        await db.migrate(engine)
        plugins = PluginRegistry.discover()
        await sync_tenant_files(settings.tenants_dir, plugins)
        registry = TenantRegistry(plugins)
        await registry.reload()
        tenant = registry.by_slug["guangdong"]
        now = utcnow()
        for offset in range(0, count, 500):
            await Notification.insert(*[
                Notification(tenant_id=tenant.id, event="code.register", channel="sms", recipient=f"138{i:08d}",
                             body=f"验证码 {i:06d}", dedupe_key=f"soak:{i}", created_at=now, next_attempt_at=now)
                for i in range(offset, min(count, offset + 500))])
        with SmsGateway(delay=delay) as gateway:
            process_env = {**os.environ, **env, "CREDITBANK_SMS_URL": gateway.url, "PYTHONPATH": str(ROOT),
                           **({"CREDITBANK_SENDER_LEASE": str(lease)} if lease else {})}
            senders = [subprocess.Popen([sys.executable, "-m", "core.cli", "sender"], env=process_env, cwd=ROOT,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(2)]
            start = time.perf_counter()
            try:
                while await Notification.count().where(Notification.status == "sent") < count:
                    await asyncio.sleep(0.1)
                elapsed = time.perf_counter() - start
            finally:
                for process in senders:
                    process.terminate()
                    process.wait(timeout=10)
            return {"delivered": len(gateway.accepted), "requests": gateway.requests,
                    "duplicates": gateway.duplicates, "seconds": elapsed}


def soak_report(label: str, figures: dict[str, float]) -> None:
    print(label)
    print(f"  delivered (distinct keys)  {figures['delivered']:>8}")
    print(f"  requests at the gateway    {figures['requests']:>8}")
    print(f"  confirmed twice            {figures['duplicates']:>8}   (target 0)")
    print(f"  time                       {figures['seconds']:>8.1f} s")


def report(label: str, figures: dict[str, float]) -> None:
    print(f"{label}")
    print(f"  rendering alone            {figures['render']:>10.0f} messages/s")
    print(f"  render + write to outbox   {figures['enqueue']:>10.0f} messages/s")
    print(f"  delivered, two senders     {figures['deliver']:>10.0f} messages/s   (target >= 500)")
    print(f"  rendered and delivered     {figures['end_to_end']:>10.0f} messages/s")
    print(f"  ratio delivered / rendering alone: {figures['deliver'] / figures['render']:.3f}")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--mode", choices=["throughput", "soak"], default="throughput")
    parser.add_argument("--smoke", action="store_true", help="a small run that takes seconds (either mode)")
    args = parser.parse_args()
    if args.smoke and args.mode == "throughput":
        args.messages = min(args.messages, 300)
    if args.mode == "soak":
        await main_soak(args)
        return
    name = f"cbnotify_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(ADMIN_DSN)
    await admin.execute(f"CREATE DATABASE {name}")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            figures = await run(f"postgresql://postgres@127.0.0.1:5432/{name}", Path(tmp), args.messages)
        report(f"PostgreSQL, {args.messages} messages, log channel", figures)
    finally:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.close()
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            figures = await run(f"sqlite:///{tmp}/bench.sqlite3", Path(tmp), args.messages)
        report(f"SQLite, {args.messages} messages, log channel", figures)


async def main_soak(args) -> None:
    count, delay, lease = (100, 0.02, 1) if args.smoke else (800, 0.1, None)
    label = f"{count} messages, 2 sender processes, gateway {delay} s a message, lease {lease or 'default'}"
    name = f"cbnotify_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(ADMIN_DSN)
    await admin.execute(f"CREATE DATABASE {name}")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            figures = await soak(f"postgresql://postgres@127.0.0.1:5432/{name}", Path(tmp), count, delay, lease)
        soak_report(f"PostgreSQL, {label}", figures)
    finally:
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.close()
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            figures = await soak(f"sqlite:///{tmp}/bench.sqlite3", Path(tmp), count, delay, lease)
        soak_report(f"SQLite, {label}", figures)


if __name__ == "__main__":
    asyncio.run(main())
