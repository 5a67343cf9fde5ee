"""A read replica for public reads (CREDITBANK_DATABASE_REPLICA_URL), on a real streaming replica.

The module makes a database on the suite's PostgreSQL cluster, a hot standby of that cluster
(``pg_basebackup -R`` into a temporary folder, started with ``pg_ctl`` on a loopback port) and
one app with both; everything is removed after. Routing is shown two ways: the replica's
statement counter, and data — with replay paused on the replica, a catalog entry just written
is missing from what the replica answers and present in what the primary answers."""

from __future__ import annotations

import asyncio
import contextlib
import os

import asyncpg
import httpx
import pytest
from asgi_lifespan import LifespanManager

from core import db
from core.app import create_app
from core.catalog.tables import CatalogEntry
from core.settings import Settings
from tests.accounts.helpers import staff_headers
from tests.conftest import TENANTS_DIR
from tests.pgservers import PRIMARY_URL, StreamingReplica, pg_bin, primary_address, with_port_and_database

pytestmark = pytest.mark.skipif(not (pg_bin("pg_basebackup") and pg_bin("pg_ctl")),
                                reason="PostgreSQL server programs (pg_basebackup, pg_ctl) not installed")

T = "/t/guangdong/api/v1"
NEW_ENTRY = {"category": "academic", "subtype": "course", "project_name": "法学(2026春)(本)", "name": "副本延迟测试课",
             "institution": "广东开放大学", "fields": {"achievement_name": "副本延迟测试课", "school_name": "广东开放大学",
                                                  "course_name": "副本延迟测试课", "course_code": "29901", "major": "法学",
                                                  "level": "本科", "credits": "2"}}


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(with_port_and_database(PRIMARY_URL, primary_address()[1], "postgres"))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="module")
async def world(tmp_path_factory):
    """(app, replica): the platform on a fresh database of its own, with a streaming replica."""
    name = f"creditbank_replica_{os.getpid()}"
    await _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    await _admin(f"CREATE DATABASE {name}")
    primary_url = with_port_and_database(PRIMARY_URL, primary_address()[1], name)
    replica = await asyncio.to_thread(StreamingReplica.start)
    try:
        home = tmp_path_factory.mktemp("replica-home")
        settings = Settings.from_env({
            "CREDITBANK_HOME": str(home), "CREDITBANK_TENANTS_DIR": str(TENANTS_DIR), "CREDITBANK_SECRET_KEY": "k",
            "CREDITBANK_DATABASE_URL": primary_url, "CREDITBANK_DATABASE_REPLICA_URL": replica.url(primary_url),
            "CREDITBANK_DATABASE_REPLICA_MAX_LAG": "30", "CREDITBANK_STORAGE_URL": f"file://{home}/evidence",
            "CREDITBANK_BASE_URL": "http://testserver.local"})
        app = create_app(settings, run_sender=False)
        async with LifespanManager(app, startup_timeout=120):
            app.state.engine.replica_watch.interval = 0  # measure lag on every public read
            yield app, replica
    finally:
        await asyncio.to_thread(replica.stop)
        await _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
async def app(world):
    app, _ = world
    db.bind(app.state.engine)  # the suite's clean_database bound the tables to the suite's engine
    watch = app.state.engine.replica_watch
    watch.max_lag = 30
    await _caught_up(app)
    return app


@contextlib.asynccontextmanager
async def _client(app, **kwargs):
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local", **kwargs) as client:
        yield client


async def _replica_sql(replica: StreamingReplica, app, sql: str):
    conn = await asyncpg.connect(app.state.engine.replica.config["dsn"])
    try:
        return await conn.fetchval(sql)
    finally:
        await conn.close()


async def _caught_up(app, seconds: float = 30) -> None:
    """Wait until the replica has replayed everything it received (and reads from it are allowed)."""
    watch = app.state.engine.replica_watch
    for _ in range(int(seconds * 10)):
        watch._checked_at = None
        if await watch.refresh() and watch.lag == 0:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"replica not caught up: lag {watch.lag}")


async def _served_by_replica(app, request) -> tuple[httpx.Response, bool]:
    engine = app.state.engine
    before = engine.replica_statements
    response = await request
    return response, engine.replica_statements > before


async def test_the_replica_is_a_standby_and_the_engine_routes_only_public_reads_to_it(app):
    assert (await db.fetch(CatalogEntry, "SELECT pg_is_in_recovery() AS standby"))[0]["standby"] is False
    with db.public_reads():
        assert (await db.fetch(CatalogEntry, "SELECT pg_is_in_recovery() AS standby"))[0]["standby"] is True
        async with CatalogEntry._meta.db.transaction():  # a transaction is a writer's: the primary
            assert (await db.fetch(CatalogEntry, "SELECT pg_is_in_recovery() AS standby"))[0]["standby"] is False


async def test_anonymous_public_reads_are_answered_by_the_replica(app):
    async with _client(app) as anonymous:
        public = [
            anonymous.get(f"{T}/catalog", params={"q": "公司概况"}),
            anonymous.get(f"{T}/rules"),
            anonymous.get("/t/zhejiang/api/v1/org/units", params={"parent": "ZJ-B01"}),
            anonymous.get("/t/zhejiang/api/v1/org/units", params={"q": "义乌"}),
            anonymous.get(f"{T}/verify/ABCD-EFGH-JKMN-PQRS"),
            anonymous.get(f"{T}/proof-keys"),
            anonymous.get("/t/zhejiang/units", params={"parent": "ZJ-B01"}),
            anonymous.get("/t/guangdong/rules"),
        ]
        for request in public:
            response, from_replica = await _served_by_replica(app, request)
            assert response.status_code in (200, 404), (response.request.url, response.text)
            assert from_replica, f"{response.request.url} was not read from the replica"
        found = (await anonymous.get(f"{T}/catalog", params={"q": "公司概况"})).json()["items"]
        assert found  # the seeded catalog, streamed to the replica
        # Not a public read route: the primary.
        response, from_replica = await _served_by_replica(app, anonymous.get(f"{T}/meta"))
        assert response.status_code == 200 and not from_replica


async def test_signed_in_users_and_recent_writers_read_from_the_primary(app):
    async with _client(app) as client:
        admin = await staff_headers(client, "guangdong", "GD", "tenant_admin", username="replica-admin")
        response, from_replica = await _served_by_replica(app, client.get(f"{T}/catalog", headers=admin))
        assert response.status_code == 200 and not from_replica
        async with _client(app, cookies={"cb_session": "x"}) as portal_user:
            response, from_replica = await _served_by_replica(app, portal_user.get(f"{T}/rules"))
            assert not from_replica
        # A write marks the browser: its own public reads go to the primary for a while.
        written = await client.post(f"{T}/auth/login", json={"username": "nobody", "password": "wrong-password-1"})
        assert "cb_fresh=1" in written.headers.get("set-cookie", "")
        assert "cb_fresh" in client.cookies
        response, from_replica = await _served_by_replica(app, client.get(f"{T}/rules"))
        assert response.status_code == 200 and not from_replica


async def test_with_replay_paused_writers_see_their_writes_and_lagging_reads_fall_back(world, app):
    _, replica = world
    watch = app.state.engine.replica_watch
    await _replica_sql(replica, app, "SELECT pg_wal_replay_pause()")
    try:
        async with _client(app) as writer, _client(app) as anonymous:
            admin = await staff_headers(writer, "guangdong", "GD", "tenant_admin", username="replica-writer")
            created = await writer.post(f"{T}/catalog", json=NEW_ENTRY, headers=admin)
            assert created.status_code == 201, created.text
            search = {"q": "副本延迟测试课"}

            # The writer reads its write (signed in → primary), with or without its token (cb_fresh).
            assert [e["name"] for e in (await writer.get(f"{T}/catalog", params=search, headers=admin)).json()["items"]] \
                == ["副本延迟测试课"]
            assert (await writer.get(f"{T}/catalog", params=search)).json()["items"]

            # Someone else, anonymous, within the lag bound: the replica, which has not replayed it yet.
            response, from_replica = await _served_by_replica(app, anonymous.get(f"{T}/catalog", params=search))
            assert from_replica and response.json()["items"] == []
            lag_before = watch.lag

            # Past the bound the replica is left alone: the primary answers, with the new entry.
            watch.max_lag = 0.5
            await asyncio.sleep(1.0)
            response, from_replica = await _served_by_replica(app, anonymous.get(f"{T}/catalog", params=search))
            assert not from_replica and [e["name"] for e in response.json()["items"]] == ["副本延迟测试课"]
            assert watch.lag is not None and watch.lag > 0.5 and watch.lag >= (lag_before or 0)
            assert await _replica_sql(replica, app, "SELECT pg_is_wal_replay_paused()") is True
    finally:
        await _replica_sql(replica, app, "SELECT pg_wal_replay_resume()")
    # Replay resumed: the replica catches up and answers again, now with the entry.
    watch.max_lag = 30
    await _caught_up(app)
    async with _client(app) as anonymous:
        response, from_replica = await _served_by_replica(app, anonymous.get(f"{T}/catalog", params={"q": "副本延迟测试课"}))
        assert from_replica and [e["name"] for e in response.json()["items"]] == ["副本延迟测试课"]


async def test_a_replica_that_goes_away_leaves_public_reads_to_the_primary(app):
    engine = app.state.engine
    real = engine.replica.config
    try:
        # Point the replica engine at a closed port: its pool cannot connect.
        from tests.faults import closed_port

        await engine.replica.close_connection_pool()
        engine.replica.config = {**real, "dsn": with_port_and_database(real["dsn"], closed_port())}
        await engine.replica.start_connection_pool(min_size=0, max_size=2, reset=db._keep_session)
        engine.replica_watch.usable = True  # as if the last measure was good: the read itself fails over
        engine.replica_watch._checked_at = asyncio.get_running_loop().time() + 3600
        async with _client(app) as anonymous:
            response, from_replica = await _served_by_replica(app, anonymous.get(f"{T}/catalog", params={"q": "公司概况"}))
            assert response.status_code == 200 and response.json()["items"] and not from_replica
            assert engine.replica_watch.usable is False
    finally:
        await engine.replica.close_connection_pool()
        engine.replica.config = real
        await engine.replica.start_connection_pool(min_size=0, max_size=10, reset=db._keep_session)
        engine.replica_watch._checked_at = None
