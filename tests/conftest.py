"""Shared fixtures. The suite runs on SQLite by default and on PostgreSQL when
``CREDITBANK_TEST_DATABASE_URL`` names a (throw-away) PostgreSQL database."""

from __future__ import annotations

import contextlib
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import msgspec
import pytest
from asgi_lifespan import LifespanManager
from litestar import Litestar

from core import db, wiring
from core.app import create_app
from core.audit import guard
from core.plugins import PluginRegistry
from core.settings import PROJECT_HOME, Settings

TENANTS_DIR = PROJECT_HOME / "tenants"
PLATFORM_PASSWORD = "平台管理员的长密码-2026"


_pgbouncer: list = []  # the PgBouncer the whole suite runs through (CREDITBANK_TEST_PGBOUNCER=1)


def pytest_configure(config) -> None:
    wiring.install()  # as create_app and the CLI do: tests that call services directly see the same reactions
    if os.environ.get("CREDITBANK_TEST_PGBOUNCER") == "1" and not _pgbouncer:
        if not os.environ.get("CREDITBANK_TEST_DATABASE_URL"):
            raise pytest.UsageError("CREDITBANK_TEST_PGBOUNCER=1 需要 CREDITBANK_TEST_DATABASE_URL（PostgreSQL）")
        from tests.pgservers import PgBouncer

        _pgbouncer.append(PgBouncer.start())


def pytest_unconfigure(config) -> None:
    while _pgbouncer:
        _pgbouncer.pop().stop()


def pytest_report_header() -> str:
    through = f" through pgbouncer (transaction mode, port {_pgbouncer[0].port})" if _pgbouncer else ""
    return f"creditbank database: {database_kind()}{through}"


def database_kind() -> str:
    return "postgres" if os.environ.get("CREDITBANK_TEST_DATABASE_URL") else "sqlite"


def redis_test_db() -> int:
    """The Redis database this run counts in: bin/test runs the SQLite and PostgreSQL suites side
    by side, each with its own (``CREDITBANK_TEST_REDIS_DB``), so neither sees the other's tries."""
    return int(os.environ.get("CREDITBANK_TEST_REDIS_DB", "15"))


def redis_test_url(port: int = 6379) -> str:
    return f"redis://127.0.0.1:{port}/{redis_test_db()}"


def database_env() -> dict[str, str]:
    """The settings that point the platform at the suite's database: none on SQLite; with
    ``CREDITBANK_TEST_PGBOUNCER=1`` the suite's PgBouncer, migrations going direct."""
    url = os.environ.get("CREDITBANK_TEST_DATABASE_URL")
    if not url:
        return {}
    if _pgbouncer:
        return {"CREDITBANK_DATABASE_URL": _pgbouncer[0].url(url), "CREDITBANK_DATABASE_POOLER": "pgbouncer",
                "CREDITBANK_DATABASE_DIRECT_URL": url}
    return {"CREDITBANK_DATABASE_URL": url}


@pytest.fixture(scope="session")
def home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("home")


def make_settings(home: Path, tenants_dir: Path = TENANTS_DIR) -> Settings:
    env = {
        "CREDITBANK_HOME": str(home),
        "CREDITBANK_TENANTS_DIR": str(tenants_dir),
        "CREDITBANK_SECRET_KEY": "test-secret-key",
        # The address the test client calls (absolute links are built from it, and its host
        # is the one the platform answers besides the tenants' own).
        "CREDITBANK_BASE_URL": "http://testserver.local",
    }
    env.update(database_env())
    return Settings.from_env(env)


@pytest.fixture
def settings(home: Path, tmp_path: Path) -> Settings:
    """The session's database; evidence in a folder of this test's own."""
    return msgspec.structs.replace(make_settings(home), storage_url=f"file://{tmp_path}/evidence")


@pytest.fixture(scope="session")
async def migrated(home: Path) -> None:
    engine = db.make_engine(make_settings(home))
    async with db.connected(engine):
        await db.migrate(engine)


async def _empty_tables(engine) -> None:
    tables = [t._meta.tablename for t in db.all_tables()]
    if engine.engine_type == "postgres":
        await engine.run_ddl(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
    else:
        # The audit tables refuse DELETE (core.audit.guard): their triggers go for the while.
        for trigger in guard.SQLITE_NAMES:
            await engine.run_ddl(f"DROP TRIGGER IF EXISTS {trigger}")
        for name in reversed(tables):  # children first: SQLite checks the foreign keys
            await engine.run_ddl(f"DELETE FROM {name}")
        for statement in guard.SQLITE:
            await engine.run_ddl(statement)


@pytest.fixture(autouse=True)
async def clean_database(migrated, home: Path) -> None:
    """Every test starts from empty tables (the schema stays)."""
    engine = db.make_engine(make_settings(home))
    db.bind(engine)
    async with db.connected(engine):
        await _empty_tables(engine)


@pytest.fixture(scope="session")
async def tenant_seed(migrated, home: Path) -> list[tuple[type, list[dict]]]:
    """The rows syncing ``tenants/`` writes (tenants, org units, catalogs, rules), taken once
    per session: the tests that start from the four provinces get them copied back instead
    of syncing again (a sync reads every seed file; a copy is one insert per table)."""
    from core.seeding import sync_tenant_files

    engine = db.make_engine(make_settings(home))
    db.bind(engine)
    async with db.connected(engine):
        await _empty_tables(engine)
        for result in await sync_tenant_files(TENANTS_DIR, PluginRegistry.discover()):
            assert result.ok, result.message
        seed = [(table, rows) for table in db.all_tables()
                if (rows := await table.select().order_by(table._meta.primary_key))]
        await _empty_tables(engine)
    return seed


@pytest.fixture
async def seeded(clean_database, tenant_seed, home: Path) -> None:
    """The four provinces as ``creditbank serve`` loads them from ``tenants/``."""
    engine = db.make_engine(make_settings(home))
    db.bind(engine)
    async with db.connected(engine):
        for table, rows in tenant_seed:
            await table.insert(*(table(_ignore_missing=True, **row) for row in rows))
            if engine.engine_type == "postgres":  # the ids were given: move the sequence past them
                name = table._meta.tablename
                await engine.run_ddl(f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))")


@pytest.fixture
def plugins() -> PluginRegistry:
    return PluginRegistry.discover()


_session_app: dict[str, Litestar] = {}


def session_app(settings: Settings, plugins: PluginRegistry) -> Litestar:
    """One app for the whole session, with this test's state. Building an app costs about
    0.3 s (Litestar registers every route); what a test may change lives in ``app.state``, so
    each test gets new state — its settings and storage, new rate limiters — the tables bound
    to the app's engine again, and its tenants reloaded when the app starts."""
    from core.app import app_state
    from core.certificates import keys

    app = _session_app.get("app")
    if app is None:
        app = _session_app["app"] = create_app(settings, plugins, migrate=False, sync_tenants=False, run_sender=False)
        return app
    for key, value in app_state(settings, app.state.tenants, app.state.engine).items():
        app.state[key] = value
    db.bind(app.state.engine)
    keys.bind(settings.secret_key)
    return app


@pytest.fixture
def app(settings: Settings, plugins: PluginRegistry, seeded) -> Litestar:
    # The session migrated, and ``seeded`` put the tenants' seed rows in place.
    return session_app(settings, plugins)


@contextlib.asynccontextmanager
async def serve(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """The app started in the test's own event loop (Litestar's AsyncTestClient would run it
    in another thread and loop, where the tests could not share its connection pool)."""
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as client:
            yield client


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    async with serve(app) as client:
        yield client


async def platform_token(client: httpx.AsyncClient, username: str = "national") -> str:
    from core.platform.service import create_admin

    await create_admin(username, PLATFORM_PASSWORD)
    response = await client.post(
        "/api/v1/platform/auth/login", json={"username": username, "password": PLATFORM_PASSWORD}
    )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


@pytest.fixture
async def admin_headers(client: httpx.AsyncClient) -> dict[str, str]:
    return {"Authorization": f"Bearer {await platform_token(client)}"}


@pytest.fixture(scope="session")
def s3_url() -> Iterator[str]:
    """An S3 endpoint on loopback: moto's server, standing in for MinIO."""
    import socket

    from moto.server import ThreadedMotoServer

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"s3://testing:testing@127.0.0.1:{port}/evidence?secure=0&region=us-east-1"
    finally:
        server.stop()
