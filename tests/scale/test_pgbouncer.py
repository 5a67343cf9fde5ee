"""The platform through PgBouncer in transaction mode (Debian's 1.18: no prepared statements).

A PgBouncer is started on a loopback port in front of the suite's cluster and a database of
this module's own; removed after. Without ``CREDITBANK_DATABASE_POOLER=pgbouncer`` asyncpg's
named prepared statements land on server connections that never saw them, and requests fail;
with it, the platform works — migrations direct, a learner import's session direct, the API
through PgBouncer. (``CREDITBANK_TEST_PGBOUNCER=1`` runs the whole suite through one.)"""

from __future__ import annotations

import asyncio
import contextlib
import os

import asyncpg
import httpx
import msgspec
import pytest
from asgi_lifespan import LifespanManager

from core import db
from core.app import create_app
from core.settings import Settings, SettingsError
from core.tenancy.tables import Tenant
from tests.accounts.helpers import staff_headers
from tests.conftest import TENANTS_DIR
from tests.pgservers import PRIMARY_URL, PgBouncer, pgbouncer_bin, primary_address, with_port_and_database

pytestmark = pytest.mark.skipif(pgbouncer_bin() is None, reason="pgbouncer not installed (apt-get install pgbouncer)")

T = "/t/guangdong/api/v1"


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(with_port_and_database(PRIMARY_URL, primary_address()[1], "postgres"))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@pytest.fixture(scope="module")
async def bouncer():
    """(pgbouncer, direct URL, URL through PgBouncer) for a new database of this module."""
    name = f"creditbank_pgbouncer_{os.getpid()}"
    await _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    await _admin(f"CREATE DATABASE {name}")
    pgbouncer = await asyncio.to_thread(PgBouncer.start)
    direct = with_port_and_database(PRIMARY_URL, primary_address()[1], name)
    try:
        yield pgbouncer, direct, pgbouncer.url(direct)
    finally:
        await asyncio.to_thread(pgbouncer.stop)
        await _admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _settings(home, url: str, direct: str | None) -> Settings:
    env = {"CREDITBANK_HOME": str(home), "CREDITBANK_TENANTS_DIR": str(TENANTS_DIR), "CREDITBANK_SECRET_KEY": "k",
           "CREDITBANK_DATABASE_URL": url, "CREDITBANK_STORAGE_URL": f"file://{home}/evidence",
           "CREDITBANK_BASE_URL": "http://testserver.local"}  # the host the tests call it under
    if direct:
        env |= {"CREDITBANK_DATABASE_POOLER": "pgbouncer", "CREDITBANK_DATABASE_DIRECT_URL": direct}
    return Settings.from_env(env)


@contextlib.asynccontextmanager
async def _running(settings: Settings, **kwargs):
    app = create_app(settings, run_sender=False, **kwargs)
    async with LifespanManager(app, startup_timeout=120):
        db.bind(app.state.engine)
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as client:
            yield app, client


async def _public_burst(client: httpx.AsyncClient, rounds: int = 6) -> list[int]:
    """Status codes of concurrent anonymous reads of different shapes (each its own statement)."""
    requests = [("/t/guangdong/api/v1/catalog", {"q": "公司概况"}), ("/t/guangdong/api/v1/rules", {}),
                ("/t/zhejiang/api/v1/org/units", {"parent": "ZJ-B01"}), ("/t/zhejiang/api/v1/org/units", {"q": "义乌"}),
                ("/t/guangdong/api/v1/catalog", {"q": "会计"}), ("/t/zhejiang/api/v1/org/units/ZJ-B01", {}),
                ("/t/guangdong/api/v1/meta", {}), ("/t/national_ouc/api/v1/catalog", {"q": "英语"})]
    statuses = []
    for _ in range(rounds):
        responses = await asyncio.gather(*(client.get(path, params=params) for path, params in requests * 2))
        statuses += [r.status_code for r in responses]
    return statuses


def test_the_pooler_setting_needs_postgresql_and_a_direct_url(tmp_path):
    base = {"CREDITBANK_HOME": str(tmp_path), "CREDITBANK_SECRET_KEY": "k", "CREDITBANK_DATABASE_POOLER": "pgbouncer"}
    with pytest.raises(SettingsError, match="CREDITBANK_DATABASE_DIRECT_URL"):
        Settings.from_env({**base, "CREDITBANK_DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/template1"})
    with pytest.raises(SettingsError, match="PostgreSQL"):
        Settings.from_env(base)
    with pytest.raises(SettingsError, match="none 或 pgbouncer"):
        Settings.from_env({**base, "CREDITBANK_DATABASE_POOLER": "odyssey"})
    settings = Settings.from_env({**base, "CREDITBANK_DATABASE_URL": "postgresql://postgres@127.0.0.1:5432/template1",
                                  "CREDITBANK_DATABASE_DIRECT_URL": "postgresql://postgres@127.0.0.1:5432/postgres"})
    engine = db.make_engine(settings)
    assert engine.config["statement_cache_size"] == 0
    assert db.direct_engine(engine).config == {"dsn": "postgresql://postgres@127.0.0.1:5432/postgres"}  # where migrations run
    assert "statement_cache_size" not in db.make_engine(msgspec.structs.replace(settings, database_pooler="none")).config


async def test_through_pgbouncer_the_platform_migrates_direct_and_serves_everything(bouncer, tmp_path):
    from core.accounts.tables import Account
    from core.plugins import PluginRegistry
    from core.security.pii import PiiProtector
    from tests.imports.test_learner_import import Tenancy, learner, make_id, run, write_csv

    _, direct, through = bouncer
    settings = _settings(tmp_path, through, direct)
    # A fresh database: the start migrates (direct) and syncs the tenants (through PgBouncer).
    async with _running(settings) as (app, client):
        assert set(await _public_burst(client)) == {200}

        admin = await staff_headers(client, "guangdong", "GD", "tenant_admin", username="bouncer-admin")
        body = {"category": "academic", "subtype": "course", "project_name": "法学(2026春)(本)", "name": "连接池测试课",
                "institution": "广东开放大学", "fields": {"achievement_name": "连接池测试课", "school_name": "广东开放大学",
                                                     "course_name": "连接池测试课", "course_code": "29902", "major": "法学",
                                                     "level": "本科", "credits": "2"}}
        created = await client.post(f"{T}/catalog", json=body, headers=admin)
        assert created.status_code == 201, created.text
        assert (await client.post(f"{T}/catalog", json=body, headers=admin)).status_code == 409  # a clean rollback
        logins = await asyncio.gather(*(client.post(f"{T}/auth/login", json={"username": "bouncer-admin",
                                                                               "password": "wrong-but-long-1"})
                                        for _ in range(8)))
        assert {r.status_code for r in logins} <= {401, 423, 429}  # wrong password, then locked
        found = (await client.get(f"{T}/catalog", params={"q": "连接池测试课"})).json()["items"]
        assert [e["name"] for e in found] == ["连接池测试课"]

        # A learner import keeps a staging table across transactions: its session goes direct.
        row = await Tenant.select(Tenant.id, Tenant.plugin).where(Tenant.slug == "guangdong").first()
        tenant = Tenancy(row["id"], "guangdong", PluginRegistry.discover().hooks(row["plugin"]), PiiProtector("k"))
        rows = [learner(f"池{i}", make_id()) for i in range(30)]
        path = write_csv(tmp_path / "learners.csv", ["姓名", "证件号码", "手机号码", "电子邮箱", "所属单位", "性别", "民族",
                                                       "出生日期", "联系地址"], rows)
        summary, _ = await run(tenant, path)
        assert summary.created == 30, summary
        again, _ = await run(tenant, path)  # every row already there: the merge through the staging table
        assert again.created == 0
        assert await Account.count().where(Account.tenant_id == tenant.id, Account.kind == "learner") >= 30


async def test_without_the_setting_prepared_statements_fail_through_pgbouncer(bouncer, tmp_path):
    _, direct, through = bouncer
    async with _running(_settings(tmp_path, through, direct)):
        pass  # migrated and seeded, as a correctly configured worker leaves it
    # The same PgBouncer, asyncpg's statement cache left on: the failure is real.
    async with _running(_settings(tmp_path, through, None), migrate=False, sync_tenants=False) as (app, client):
        statuses = await _public_burst(client)
    assert 500 in statuses, statuses


async def test_without_the_setting_the_engine_fails_with_prepared_statement_errors(bouncer, tmp_path):
    _, direct, through = bouncer
    engine = db.make_engine(_settings(tmp_path, through, None))
    queries = [f"SELECT {i} + $1::int AS n" for i in range(12)]
    await engine.start_connection_pool(min_size=0, max_size=10)

    async def burst() -> None:
        for _ in range(20):
            await asyncio.gather(*(engine.fetch_sql(q, (1,)) for q in queries))

    # The failure shows as an error or — when PgBouncer keeps a server connection for a client
    # whose statement went wrong and the others queue behind it — as no answer at all: bounded,
    # so the run never hangs on it (it had, after the whole suite, in bin/test's scale step).
    try:
        with pytest.raises((asyncpg.InvalidSQLStatementNameError, asyncpg.DuplicatePreparedStatementError,
                            TimeoutError)):
            await asyncio.wait_for(burst(), timeout=30)
    finally:
        engine.pool.terminate()  # close at once: a graceful close would wait on the stuck ones
    engine = db.make_engine(_settings(tmp_path, through, direct))
    async with db.connected(engine):
        for _ in range(20):
            rows = await asyncio.gather(*(engine.fetch_sql(q, (1,)) for q in queries))
            assert [r[0]["n"] for r in rows] == [i + 1 for i in range(12)]
