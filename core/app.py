"""The Litestar application: ``create_app(settings)`` builds it; nothing happens at import."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator

from litestar import Litestar, Request, Response, Router, get
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.openapi import OpenAPIConfig, ResponseSpec
from litestar.types import Receive, Scope, Send

from core import db, startup, wiring
from core.accounts.api import (
    AdminAccountsController,
    AdminLearnersController,
    AuthController,
    MeController,
    UnitStaffController,
)
from core.accounts.audit_api import AuditController, MyAccessLogController
from core.accounts.throttle import throttles
from core.achievements.api import AchievementRulesController, MyAchievementsController, StaffIntegrityController
from core.achievements.collection_api import CollectionController, MyDisputesController
from core.api_contract import document_errors
from core.audit import signing as audit_signing
from core.audit.context import AuditClientMiddleware
from core.catalog.api import CatalogController
from core.certificates import keys as proof_keys
from core.certificates.api import (
    AdminProofsController,
    MyProofsController,
    ProofKeysController,
    StatusListController,
    VerifyController,
)
from core.certificates.record_api import MyRecordController
from core.db import DatabaseWatch
from core.errors import DATABASE_UNAVAILABLE, EXCEPTION_HANDLERS, RETRY_AFTER_SECONDS
from core.hierarchy.api import OrgUnitController
from core.imports.api import ImportController
from core.middleware import IdempotencyMiddleware, NulByteMiddleware, ReplicaReadsMiddleware
from core.notifications.api import DeliveryLogController, TemplateController
from core.notifications.sender import Sender
from core.platform.api import PlatformAuthController, PlatformController
from core.platform.onboarding_api import PlatformOnboardingController
from core.platform.trust_api import TrustController
from core.plugins import PluginRegistry
from core.privacy.api import AdminClosuresController, MyDataController
from core.readiness import Readiness, readiness_of
from core.reports.api import ReportController
from core.reviews.api import (
    AppealReviewController,
    MyAppealsController,
    MyApplicationsController,
    ReviewController,
    StaffEvidenceController,
)
from core.routes import portal_routers
from core.rules.api import RuleController, WhatIfController
from core.security.limits import rate_limiter
from core.security.pii import PiiProtector
from core.settings import Settings
from core.storage import storage_from_url
from core.tenancy.api import resolve_tenant, tenant_meta
from core.tenancy.service import TenantRegistry
from core.web.config import template_config
from core.web.csrf import SessionCSRFMiddleware
from core.web.error_viewer import unknown_address_handler
from core.web.security import (
    configured_hosts,
    hostname,
    new_nonce,
    refuse_host,
    require_api_media_type,
    scope_client,
    with_security_headers,
)

log = logging.getLogger("creditbank")

# Paths that belong to the platform, never rewritten to a tenant by host name.
_PLATFORM_PREFIXES = ("/t/", "/schema", "/healthz", "/readyz", "/static/", "/platform")
_HEALTH_PATHS = ("/healthz", "/readyz")


async def _not_started(send: Send) -> None:
    body = json.dumps({"status_code": 503, "detail": DATABASE_UNAVAILABLE, "extra": None}, ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": 503, "headers": [
        (b"content-type", b"application/json"), (b"retry-after", str(RETRY_AFTER_SECONDS).encode()),
        (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class CreditBankApp(Litestar):
    """Litestar, plus tenant resolution by host name: on a tenant's own host the tenant paths
    work without the ``/t/{tenant}`` prefix. The rewrite happens before routing. Until the
    start-up work is done (it waits for a database that was away at start) only the health
    checks are answered; everything else gets a 503. Before any of that, every response gets
    the security headers and a request for a host name that is not ours is refused (400)."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            settings = self.state.settings
            send = with_security_headers(send, new_nonce(scope), settings.https)
            if scope["path"] not in _HEALTH_PATHS and not await self._known_host(_host(scope)):
                await refuse_host(send)  # a forged Host must never reach a link, a proof or a page
                return
        if scope["type"] == "http" and not self.state.get("started", True) and scope["path"] not in _HEALTH_PATHS:
            await _not_started(send)
            return
        if scope["type"] in ("http", "websocket") and not scope["path"].startswith(_PLATFORM_PREFIXES):
            host = _host(scope)
            slug = self.state.tenants.slug_for_host(host) or self.state.tenants.slug_for_host(hostname(host))
            if slug:
                scope = dict(scope)  # type: ignore[assignment]
                scope["path"] = f"/t/{slug}{scope['path']}"
                scope["raw_path"] = scope["path"].encode()
        await super().__call__(scope, receive, send)

    async def _known_host(self, host: str) -> bool:
        """The platform's own host names (``CREDITBANK_BASE_URL``, ``CREDITBANK_ALLOWED_HOSTS``)
        and every tenant's hosts and base URL; a host not known yet makes the tenant registry
        reload (at most once a second), so a tenant added through another worker is served."""
        name = hostname(host)
        settings = self.state.settings
        if name in configured_hosts(settings.base_url, settings.allowed_hosts):
            return True
        tenants: TenantRegistry = self.state.tenants
        if tenants.knows_host(name):
            return True
        if not self.state.get("started", True):
            return True  # tenants not loaded yet: every request gets the 503 that says why
        with contextlib.suppress(Exception):  # a database that went away answers with its 503 later
            await tenants.refresh()
        return tenants.knows_host(name)


def _host(scope: Scope) -> str:
    for name, value in scope.get("headers", ()):
        if name == b"host":
            return value.decode("latin-1").lower()
    return ""


@get("/healthz", tags=["platform"], summary="存活检查：进程在运行、能答复（不检查数据库等依赖，见 /readyz）")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@get("/readyz", tags=["platform"], summary="就绪检查：数据库、Redis、文件存储；数据库或存储不可用时 503",
     responses={503: ResponseSpec(Readiness, description="数据库或文件存储不可用")})
async def readyz(request: Request) -> Response[Readiness]:
    state = request.app.state
    readiness = await readiness_of(state.database_watch, state.login_limiter, state.storage,
                                   redis_configured=bool(state.settings.redis_url))
    return Response(readiness, status_code=200 if readiness.status == "ok" else 503)


def app_state(settings: Settings, registry: TenantRegistry, engine) -> dict:
    """What the app's handlers share: settings, tenants, the engine, PII protection, rate
    limiters, evidence storage, running import jobs. New limiters and storage each call."""
    return {
        "settings": settings,
        "tenants": registry,
        "engine": engine,
        "pii": PiiProtector(settings.secret_key),
        "login_limiter": rate_limiter(settings.redis_url, "login", limit=30, window_seconds=300),
        "upload_limiter": rate_limiter(settings.redis_url, "upload", limit=20, window_seconds=3600),
        "throttles": throttles(settings.redis_url),  # code tries and activation lookups
        "storage": storage_from_url(settings.storage_url),
        "database_watch": DatabaseWatch(engine),
        "jobs": set(),  # background import tasks, kept referenced until they finish
        "outside_transport": None,  # httpx transport for outside did:web issuers (None: the network)
    }


def create_app(
    settings: Settings,
    plugins: PluginRegistry | None = None,
    *,
    migrate: bool = True,
    sync_tenants: bool = True,
    run_sender: bool | None = None,
    sweep_jobs: bool | None = None,
) -> Litestar:
    """The platform for ``settings``. On start it connects, migrates (``migrate``), syncs the
    ``tenants/`` folder (``sync_tenants``), loads every tenant — a broken tenant is logged and
    answers 503 while the others are served — and starts the in-process notification sender
    (``run_sender``; by default as ``CREDITBANK_SENDER`` says: on for the embedded SQLite
    default, off on PostgreSQL, where separate ``creditbank sender`` processes run). The start-up
    work runs once across processes (``core.startup``); while running, the app fails the
    import jobs whose process died (``sweep_jobs``, by default as ``migrate``)."""
    if sweep_jobs is None:
        sweep_jobs = migrate
    if run_sender is None:
        run_sender = settings.sender == "inprocess"
    plugins = plugins or PluginRegistry.discover()
    wiring.install()  # which package reacts to which domain event (core.events)
    engine = db.make_engine(settings)
    db.bind(engine)
    proof_keys.bind(settings.secret_key)
    audit_signing.bind(settings.secret_key)
    registry = TenantRegistry(plugins)

    async def start_up() -> None:
        await startup.prepare(settings, plugins, engine, migrate=migrate, sync_tenants=sync_tenants)
        await registry.reload()

    async def start_up_when_the_database_is_back(app: Litestar) -> None:
        while True:
            await asyncio.sleep(1)
            try:
                await start_up()
            except Exception as exc:
                if not db.is_unavailable(exc):
                    # e.g. a secret key that does not match the data: say so; keep answering 503
                    log.error("平台未能启动：%s", exc)
                    raise
                continue
            app.state.started = True
            return

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        async with db.connected(engine):
            background: list[asyncio.Task] = []
            try:
                await start_up()
            except Exception as exc:
                if not db.is_unavailable(exc):
                    raise
                # Start anyway: the process is alive (/healthz), answers 503 and says why, and
                # finishes starting by itself once the database can be reached.
                app.state.database_watch.went_away(exc)
                app.state.started = False
                background.append(asyncio.create_task(start_up_when_the_database_is_back(app)))
            if run_sender:
                background.append(asyncio.create_task(Sender(settings, plugins).run_forever()))
            if sweep_jobs:
                background.append(asyncio.create_task(startup.sweep_dead_jobs_forever(settings)))
            try:
                yield
            finally:
                for task in background:
                    task.cancel()
                app.state.database_watch.stop()

    tenant_api = Router(
        path="/t/{tenant_slug:str}/api/v1",
        route_handlers=[
            tenant_meta, OrgUnitController, AuthController, MeController, AdminLearnersController, AdminAccountsController,
            UnitStaffController, DeliveryLogController, TemplateController, ImportController, CatalogController,
            MyAchievementsController, StaffEvidenceController, StaffIntegrityController, RuleController,
            AchievementRulesController, WhatIfController,
            MyApplicationsController, MyAppealsController, ReviewController, AppealReviewController, ReportController,
            VerifyController, ProofKeysController, StatusListController, MyProofsController, AdminProofsController,
            AuditController, MyAccessLogController, MyRecordController, CollectionController, MyDisputesController,
            MyDataController,
            AdminClosuresController,
        ],
        dependencies={"tenant": Provide(resolve_tenant)},
        before_request=require_api_media_type,
    )
    platform_api = Router(
        path="/api/v1/platform", route_handlers=[PlatformAuthController, PlatformController, PlatformOnboardingController,
                                                 TrustController],
        before_request=require_api_media_type,
    )
    max_body_size = (settings.max_upload_mb + 1) * 1024 * 1024
    app = CreditBankApp(
        route_handlers=[healthz, readyz, tenant_api, platform_api, *portal_routers()],
        template_config=template_config(),
        state=State(app_state(settings, registry, engine)),
        lifespan=[lifespan],
        exception_handlers={**EXCEPTION_HANDLERS,  # type: ignore[dict-item]
                            HTTPException: unknown_address_handler(EXCEPTION_HANDLERS[HTTPException])},
        middleware=[AuditClientMiddleware(lambda scope: scope_client(scope, settings.trusted_proxies)),
                    NulByteMiddleware(max_body_size), IdempotencyMiddleware(), SessionCSRFMiddleware(),
                    *_replica_middleware(settings)],
        logging_config=None,  # the process configures logging (creditbank serve), not the app
        request_max_body_size=max_body_size,
        openapi_config=OpenAPIConfig(title="学分银行平台 API", version="1", path="/schema"),
    )
    document_errors(app)
    return app


def _replica_middleware(settings: Settings) -> list:
    """Routing of public reads to the replica, when there is one (docs/scale.md)."""
    if not settings.database_replica_url:
        return []
    return [ReplicaReadsMiddleware(settings.database_replica_max_lag)]


def app_from_env() -> Litestar:
    """The factory ``creditbank serve`` hands to uvicorn (one call per worker). A worker whose
    supervisor prepared the database (``core.startup``) does not prepare it again."""
    if startup.prepared_by_supervisor():
        return create_app(Settings.from_env(), migrate=False, sync_tenants=False, sweep_jobs=True)
    return create_app(Settings.from_env())
