"""Outages answered cleanly: the database or Redis away (a closed port, a connection cut and
restored) gives a 503 with ``Retry-After`` and a Chinese message, or a fallback; one log line
when a part goes away and one when it is back; ``/healthz`` stays a liveness check and
``/readyz`` says what is down."""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import urlsplit, urlunsplit

import msgspec
import pytest

from core.app import create_app
from tests.accounts.helpers import login
from tests.achievements.test_achievements import guangdong_learner
from tests.conftest import database_kind, redis_test_url, serve, session_app
from tests.faults import TcpProxy, closed_port

postgres_only = pytest.mark.skipif(database_kind() != "postgres", reason="a PostgreSQL connection to cut")


def _records(caplog, text: str) -> list[logging.LogRecord]:
    return [r for r in caplog.records if text in r.getMessage()]


async def _assert_database_outage(client, caplog) -> None:
    for _ in range(10):
        meta = await client.get("/t/guangdong/api/v1/meta")
        assert meta.status_code == 503, meta.text
        assert meta.headers["retry-after"].isdigit()
        assert "数据库暂时不可用" in meta.json()["detail"]
    signed_in = await client.post("/t/guangdong/api/v1/auth/login", json={"username": "x", "password": "y"})
    assert signed_in.status_code == 503 and "retry-after" in signed_in.headers
    page = await client.get("/t/guangdong/login")
    assert page.status_code == 503 and "数据库暂时不可用" in page.text and "retry-after" in page.headers
    assert (await client.get("/healthz")).status_code == 200  # alive, though not ready
    ready = await client.get("/readyz")
    assert ready.status_code == 503 and ready.json()["checks"]["database"]["ok"] is False
    assert len(_records(caplog, "数据库不可用")) == 1  # one line, not one per request
    assert not [r for r in caplog.records if r.exc_info]  # and no tracebacks


async def test_a_postgresql_url_at_a_closed_port_answers_503(settings, plugins, caplog):
    caplog.set_level(logging.INFO)
    url = f"postgresql://postgres@127.0.0.1:{closed_port()}/creditbank"
    app = create_app(msgspec.structs.replace(settings, database_url=url), plugins, migrate=False,
                     sync_tenants=False, run_sender=False)
    async with serve(app) as client:
        await _assert_database_outage(client, caplog)


async def test_an_sqlite_file_that_cannot_be_opened_answers_503(settings, plugins, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    folder = tmp_path / "not-a-file.sqlite3"
    folder.mkdir()
    app = create_app(msgspec.structs.replace(settings, database_url=f"sqlite:///{folder}"), plugins, migrate=False,
                     sync_tenants=False, run_sender=False)
    async with serve(app) as client:
        await _assert_database_outage(client, caplog)


@postgres_only
async def test_postgresql_cut_and_restored(settings, plugins, seeded, caplog):
    caplog.set_level(logging.INFO)
    parts = urlsplit(settings.database_url)
    proxy = TcpProxy(parts.hostname, parts.port or 5432)
    await proxy.up()
    via_proxy = urlunsplit(parts._replace(netloc=f"{parts.username}@127.0.0.1:{proxy.port}"))
    app = create_app(msgspec.structs.replace(settings, database_url=via_proxy), plugins, migrate=False,
                     sync_tenants=False, run_sender=False)
    try:
        async with serve(app) as client:
            assert (await client.get("/t/guangdong/api/v1/meta")).status_code == 200
            assert (await client.get("/readyz")).status_code == 200
            await proxy.down()
            statuses = {(await client.get("/t/guangdong/api/v1/org/units")).status_code for _ in range(10)}
            assert statuses == {503}
            assert len(_records(caplog, "数据库不可用")) == 1
            assert not [r for r in caplog.records if r.exc_info]
            await proxy.up()
            for _ in range(50):  # the app reconnects by itself
                if (await client.get("/t/guangdong/api/v1/org/units")).status_code == 200:
                    break
                await asyncio.sleep(0.1)
            else:
                raise AssertionError("the app did not recover")
            assert (await client.get("/readyz")).status_code == 200
            for _ in range(30):
                if _records(caplog, "数据库已恢复"):
                    break
                await asyncio.sleep(0.1)
            assert len(_records(caplog, "数据库已恢复")) == 1
    finally:
        await proxy.down()


@pytest.fixture
def redis_proxy_app(settings, plugins, seeded):
    proxy = TcpProxy("127.0.0.1", 6379)
    app = session_app(msgspec.structs.replace(settings, redis_url=redis_test_url(proxy.port)), plugins)
    return proxy, app


async def test_redis_away_logins_fall_back_to_the_workers_own_limiter(redis_proxy_app, caplog):
    caplog.set_level(logging.INFO)
    proxy, app = redis_proxy_app  # the proxy is not up: Redis is at a closed port
    async with serve(app) as client:
        await guangdong_learner(client, "redisaway")
        assert (await login(client, "guangdong", "redisaway", "gd2020pass")).status_code == 200
        ready = await client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["checks"]["redis"]["ok"] is False
        assert any("Redis" in w for w in ready.json()["warnings"])
        assert len(_records(caplog, "Redis 不可用")) == 1
        # The fallback still counts: a storm from one address is still turned away.
        statuses = [(await login(client, "guangdong", f"nobody{i}", "wrong")).status_code for i in range(31)]
        assert statuses[-1] == 429

        await proxy.up()  # Redis is back: the shared limiter is used again
        limiter = app.state.login_limiter
        for _ in range(60):
            await limiter.blocked("probe")
            if not limiter.degraded:
                break
            await asyncio.sleep(0.1)
        assert not limiter.degraded and len(_records(caplog, "Redis 已恢复")) == 1
        assert (await client.get("/readyz")).json()["checks"]["redis"]["ok"] is True
    await proxy.down()
