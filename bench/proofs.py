"""Learning-outcome proofs signed and verified per second: the cryptography alone, the service
in-process, and the API over HTTP against a real server — on PostgreSQL and SQLite, in one run.

    .venv/bin/python bench/proofs.py [--proofs 600] [--seconds 4] [--connections 8] [--skip-sqlite]
        [--dsn postgresql://postgres@127.0.0.1:5432/postgres] [--clr-outcomes 20] [--smoke]

(a) No database: a proof (a CLR 2.0 credential bundling 3 OB 3.0 outcome credentials) signed and
    verified with eddsa-jcs-2022 (RFC 8785) and eddsa-rdfc-2022 (JSON-LD expansion and RDF
    Dataset Canonicalization through pyld) separately; issuing it whole (every credential with
    both proofs); and the full verification of a ``--clr-outcomes``-outcome CLR (every check of
    ``verify.check_credential``, look-ups from memory). Baseline, same run: bare Ed25519 over 64
    bytes — the floor no suite goes below. ``--smoke``: a small run, SQLite only.
(b) In-process, per database: ``core.certificates.issuing.issue`` in a transaction (read the
    outcomes and the learner, sign, write the proof) and ``core.reviews.service.decide`` — the
    final approval of a certificate application, which issues the proof with the decision;
    ``service.verify_code`` (read the record, check its signature) and ``service.verify_document``
    (check a posted credential). Sequential calls: proofs/s = 1 / mean time. Then a learner's
    record (我的学习档案) of ``--clr-outcomes`` outcomes exported in Guangdong and imported in
    Zhejiang (which trusts Guangdong): the export (sign each outcome credential and the CLR), the
    first import (verify each credential with its status list, the CLR, the person; store them),
    and a repeated import (everything verified, nothing stored). (a) also times the import's
    checks of such a record from memory: per outcome credential against bare Ed25519 verify.
(c) Over HTTP, per database: uvicorn with one worker (the platform as ``creditbank serve`` runs
    it), ``--connections`` keep-alive connections from this process: the final decision
    ``POST /reviews/{id}/decision`` (each issues a proof), ``GET /verify/{code}``, ``POST
    /verify`` with the credential; baseline ``GET /meta`` on the same server.

Data: the Guangdong tenant; ``--proofs`` certificate applications per measured stage, each of
a learner with three catalog courses, waiting for the management centre's single step.
Figures are printed, never asserted; the databases are dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import msgspec
from asgi_lifespan import LifespanManager

sys.path.insert(0, str(Path(__file__).resolve().parent))  # harness
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from datetime import UTC

from harness import PYTHON, drive, free_port, load, post, server  # noqa: E402

from bench.fixtures import (  # noqa: E402
    ACHIEVEMENT_COLUMNS,
    APPLICATION_COLUMNS,
    DEFAULT_DSN,
    NOW,
    SECRET,
    Bulk,
    Series,
    grant,
    issue_tokens,
    load_accounts,
    prepare,
    scratch_postgres,
    settings_for,
    temp_home,
    timed,
)
from core import db  # noqa: E402
from core.app import create_app  # noqa: E402
from core.plugins import PluginRegistry  # noqa: E402
from core.settings import Settings  # noqa: E402

TENANT = "guangdong"
OUTCOMES = 3
SITE = f"http://bench.local/t/{TENANT}"
OPINION = "审核人：学分银行管理中心 明耀星"


# ---------------------------------------------------------------------------------------------
# (a) The cryptography alone


def rate(call: Callable[[], object], seconds: float) -> float:
    """Calls per second of ``call`` over about ``seconds``."""
    n, started = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds:
        for _ in range(50):
            call()
        n += 50
    return n / elapsed


def _clr(outcomes: int, key, method: str, now, *, sign_inner: bool = True) -> dict:
    """An unsigned CLR proof of ``outcomes`` outcomes, its outcome credentials signed (or not)."""
    from core.certificates import content, credential, identity, status
    from core.certificates.schemas import HolderOut, OutcomeOut

    listed = [OutcomeOut(name=f"课程{i}：公司概况与管理学基础", category="学历教育", subtype="课程", institution="广东开放大学",
                         credits=3, obtained_on="2020-07-06", certificate_no="", recognition="名录成果")
              for i in range(outcomes)]
    return content.build(
        code="7K2M-9QXD-4RTA-B8WZ", site=SITE, tenant_name="广东终身教育学分银行", unit_name="广东终身教育学分银行",
        unit_code=None, holder=HolderOut(name="明耀星", id_number_masked="4401**********1234"), outcomes=listed,
        conversions=[], issued_at=now, issuer_id=identity.did_web(SITE), status=status.entry(SITE, 1, 4242),
        sign_outcome=(lambda d: credential.sign_set(d, key, method, now)) if sign_inner else None)


def _record(outcomes: int, key, method: str, now) -> dict:
    """A signed learner's record (``core.certificates.record``) of ``outcomes`` outcomes, each
    credential with its own status entry."""
    from core.certificates import credential, record
    from core.certificates.schemas import HolderOut, OutcomeOut

    holder = HolderOut(name="明耀星", id_number_masked="4401**********1234")
    listed = [(i + 1, OutcomeOut(name=f"课程{i}：公司概况与管理学基础", category="学历教育", subtype="课程",
                                 institution="广东开放大学", credits=3, obtained_on="2020-07-06", recognition="名录成果"),
               (1, 100 + i)) for i in range(outcomes)]
    document = record.build(site=SITE, tenant_name="广东终身教育学分银行", holder=holder,
                            subject=record.identifiers(holder.name, "ab" * 32, "00" * 16), record_id="urn:uuid:bench",
                            outcomes=listed, conversions=[], issued_at=now,
                            sign=lambda d: credential.sign_set(d, key, method, now))
    return credential.sign_set(document, key, method, now)


class _StaticResolver:
    """The verifier's look-ups answered from memory: the cryptography and JSON-LD alone."""

    def __init__(self, public, did: str, status_list: dict) -> None:
        from core.certificates.verify import KeyInfo

        self.info, self.list = KeyInfo(public, did), status_list

    async def key(self, method_id: str):
        return self.info

    async def status_list(self, url: str) -> dict:
        return self.list


def crypto(seconds: float, clr_outcomes: int) -> None:
    from datetime import datetime

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from core.certificates import credential, identity, status
    from core.certificates.verify import check_credential

    key = Ed25519PrivateKey.generate()
    public = key.public_key()
    now = datetime.now(UTC)
    did = identity.did_web(SITE)
    method = identity.method_id(SITE, credential.public_multikey(public))
    document = _clr(OUTCOMES, key, method, now)
    rdfc = credential.sign(document, key, method, now, (credential.RDFC,))
    jcs = credential.sign(document, key, method, now, (credential.CRYPTOSUITE,))
    signed = credential.sign_set(document, key, method, now)
    size = len(msgspec.json.encode(signed))
    message = os.urandom(64)
    signature = key.sign(message)
    bare_sign = rate(lambda: key.sign(message), seconds)
    bare_verify = rate(lambda: public.verify(signature, message), seconds)
    rows = [
        ("sign, eddsa-jcs-2022 (outer credential)", rate(lambda: credential.sign(document, key, method, now), seconds),
         bare_sign),
        ("sign, eddsa-rdfc-2022 (outer credential)",
         rate(lambda: credential.sign(document, key, method, now, (credential.RDFC,)), seconds), bare_sign),
        ("verify, eddsa-jcs-2022", rate(lambda: credential.check(credential.proof_parts(jcs), public), seconds),
         bare_verify),
        ("verify, eddsa-rdfc-2022", rate(lambda: credential.check(credential.proof_parts(rdfc), public), seconds),
         bare_verify),
        (f"issue: {OUTCOMES} outcome credentials + CLR, each both proofs",
         rate(lambda: credential.sign_set(_clr(OUTCOMES, key, method, now), key, method, now), seconds), bare_sign),
    ]
    print(f"\n(a) no database — a {size:,}-byte CLR proof of {OUTCOMES} outcomes (proof set: rdfc + jcs)")
    print(f"  {'bare Ed25519 over 64 bytes':<58} sign {bare_sign:9,.0f} /s   verify {bare_verify:9,.0f} /s")
    for label, value, bare in rows:
        print(f"  {label:<58} {value:9,.1f} /s   ratio to bare Ed25519 {value / bare:.4f}")

    # A learner's record of 20 outcomes: the whole verification (contexts, terms, shape, every
    # proof of the CLR and of each bundled credential, dates, the signed status list).
    big = credential.sign_set(_clr(clr_outcomes, key, method, now), key, method, now)
    listed = credential.sign_set(status.list_credential(SITE, did, 1, [], credential.xml_datetime(now)), key, method, now)
    resolver = _StaticResolver(public, did, listed)

    async def verify_big() -> None:
        report = await check_credential(big, resolver)
        assert report.result == "valid", [c for c in report.checks if c.ok is not True]

    asyncio.run(verify_big())
    n, started = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds or n < 2:
        asyncio.run(verify_big())
        n += 1
    print(f"  {f'verify a {clr_outcomes}-outcome CLR ({len(msgspec.json.encode(big)):,} bytes), every check':<58} "
          f"{n / elapsed:9,.2f} /s   {elapsed / n * 1000:8,.0f} ms each")

    # The same number of outcomes as a learner's record (我的学习档案) is checked on import: each
    # outcome credential on its own (every check, its own status entry), then the CLR whole.
    record_doc = _record(clr_outcomes, key, method, now)

    async def verify_record() -> None:  # as record_import does: each credential, then the CLR without them
        lists: dict = {}
        for item in record_doc["credentialSubject"]["verifiableCredential"]:
            report = await check_credential(item, resolver, lists=lists)
            assert report.result == "valid" and report.status == "ok", [c for c in report.checks if c.ok is not True]
        assert (await check_credential(record_doc, resolver, bundled_too=False)).result == "valid"

    asyncio.run(verify_record())
    n, started = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < seconds or n < 2:
        asyncio.run(verify_record())
        n += 1
    per_record = elapsed / n
    print(f"  {f'import check of a {clr_outcomes}-outcome record ({len(msgspec.json.encode(record_doc)):,} bytes)':<58} "
          f"{n / elapsed:9,.2f} /s   {per_record * 1000:8,.0f} ms each")
    print(f"  {'  per outcome credential, ratio to bare Ed25519 verify':<58} "
          f"{clr_outcomes / per_record:9,.1f} /s   ratio {clr_outcomes / per_record / bare_verify:.5f}")


# ---------------------------------------------------------------------------------------------
# Data


async def build(settings: Settings, plugins: PluginRegistry, per_stage: int) -> dict:
    """Migrate, seed the tenants, and load ``3 × per_stage`` certificate applications of as
    many learners, each listing three catalog courses; and the centre's admin."""
    from core.reviews.engine import resolve_chain

    tenant_id = (await prepare(settings, plugins))[TENANT]
    chain = await resolve_chain(tenant_id, plugins.hooks(TENANT).review_chain("certificate"), None)
    chain_json = msgspec.json.encode(chain).decode()
    n = 3 * per_stage
    async with Bulk.open(settings) as bulk:
        entries = await bulk.fetch("SELECT id, category, subtype, name, institution, fields FROM catalog_entry "
                                   "WHERE tenant_id = $1 AND subtype = 'course' ORDER BY id LIMIT 60", tenant_id)
        centre_unit = (await bulk.fetch("SELECT id FROM org_unit WHERE tenant_id = $1 AND code = 'GD'", tenant_id))[0][0]
        learners = await load_accounts(bulk, tenant_id, [None] * n, prefix="learner")
        [admin] = await load_accounts(bulk, tenant_id, [centre_unit], kind="staff", seed=9, prefix="centre")
        await grant(bulk, tenant_id, admin, "tenant_admin", centre_unit)
        first_achievement = await bulk.next_id("achievement")
        first_application = await bulk.next_id("application")
        achievements, applications, items = [], [], []
        for k, learner in enumerate(learners):
            app_id = first_application + k
            for j in range(OUTCOMES):
                entry = entries[(k * OUTCOMES + j) % len(entries)]
                achievement_id = first_achievement + k * OUTCOMES + j
                fields = entry[5] if isinstance(entry[5], str) else msgspec.json.encode(entry[5]).decode()
                achievements.append((achievement_id, tenant_id, learner, entry[1], entry[2], entry[0], entry[3], entry[4],
                                     fields, NOW.date(), "catalog", "self", "", None, None, None, NOW, NOW))
                items.append((tenant_id, app_id, achievement_id, j))
            applications.append((app_id, tenant_id, learner, "certificate", None, None, None, "submitted", chain_json,
                                 0, "tenant_admin", None, None, None, NOW, NOW, None, NOW, NOW))
        await bulk.load("achievement", ACHIEVEMENT_COLUMNS, achievements)
        await bulk.load("application", APPLICATION_COLUMNS, applications)
        await bulk.load("proof_request_item", ("tenant_id", "application_id", "achievement_id", "position"), items)
        await bulk.analyze()
    ids = list(range(first_application, first_application + n))
    return {"tenant_id": tenant_id, "admin": admin, "issue": ids[:per_stage], "decide": ids[per_stage:2 * per_stage],
            "http": ids[2 * per_stage:]}


# ---------------------------------------------------------------------------------------------
# (b) In-process


def throughput(series: Series) -> float:
    return 1000 / statistics.fmean(series.samples)


async def in_process(settings: Settings, plugins: PluginRegistry, world: dict) -> str:
    """Runs the in-process stage; returns one issued proof's code for the HTTP stage."""
    from core.certificates import issuing, service
    from core.clock import utcnow
    from core.reviews import service as reviews
    from core.reviews.engine import decode_chain
    from core.reviews.schemas import DecisionIn
    from core.reviews.tables import Application
    from core.security.principal import principal_for_token

    app = create_app(settings, plugins, migrate=False, sync_tenants=False, run_sender=False)
    out = {k: Series(label) for k, label in (
        ("issue", "issuing.issue() in a transaction (a proof of 3 outcomes)"),
        ("decide", "reviews.service.decide(), final approval + its proof"),
        ("code", "service.verify_code() (record + signature)"),
        ("document", "service.verify_document() (a posted credential)"))}
    async with LifespanManager(app):
        tenant = await app.state.tenants.get(TENANT)
        token = (await issue_tokens({"admin": (world["admin"], world["tenant_id"])}))["admin"]
        actor = await principal_for_token(tenant, token)
        await issuing.ensure_key(tenant)
        rows = {r["id"]: r for r in await Application.select().where(Application.id.is_in(world["issue"]))}
        db = Application._meta.db

        async def issue_one(row: dict) -> dict:
            async with db.transaction():
                return await issuing.issue(tenant, row, decode_chain(row["chain"]), utcnow(), SITE)

        for app_id in world["issue"]:
            issued = await timed(out["issue"], lambda app_id=app_id: issue_one(rows[app_id]))
        decision = DecisionIn(step="certificate_issue", decision="approve", opinion=OPINION)
        for app_id in world["decide"]:
            decided = await timed(out["decide"], lambda app_id=app_id: reviews.decide(tenant, actor, app_id, decision, f"{SITE}/login"))
            assert decided.proof_code
        code = issued["proof_code"]
        document = msgspec.json.decode(await service.my_credential(
            tenant, (await Application.select(Application.learner_id).where(
                Application.id == world["issue"][-1]).first())["learner_id"], code))
        for _ in range(len(world["issue"])):
            verdict = await timed(out["code"], lambda: service.verify_code(tenant, code, SITE))
            assert verdict.valid
            verdict = await timed(out["document"], lambda: service.verify_document(tenant, document, SITE))
            assert verdict.valid
    for series in out.values():
        print(f"{series.line()}   {throughput(series):7,.0f} /s")
    return code


# ---------------------------------------------------------------------------------------------
# (b') A learner's record exported in Guangdong and imported in Zhejiang


async def records(settings: Settings, plugins: PluginRegistry, outcomes: int, repeat: int) -> None:
    """One person with an account in Guangdong (``outcomes`` catalog courses) and in Zhejiang,
    which trusts Guangdong: ``record.export_record`` and ``record_import.import_record`` timed
    (the first import stores the outcomes; the later ones verify everything and store nothing)."""
    from core.accounts.tables import Account
    from core.certificates import issuing, record, record_import, trust
    from core.tenancy.tables import Tenant

    ids = {r["slug"]: r["id"] for r in await _tenants(settings)}
    async with Bulk.open(settings) as bulk:
        entries = await bulk.fetch("SELECT id, category, subtype, name, institution, fields FROM catalog_entry "
                                   "WHERE tenant_id = $1 AND subtype = 'course' ORDER BY id LIMIT 60", ids[TENANT])
        [gd] = await load_accounts(bulk, ids[TENANT], [None], seed=21, prefix="record")
        [zj] = await load_accounts(bulk, ids["zhejiang"], [None], seed=22, prefix="record")
        first = await bulk.next_id("achievement")
        rows = []
        for j in range(outcomes):
            entry = entries[j % len(entries)]
            fields = entry[5] if isinstance(entry[5], str) else msgspec.json.encode(entry[5]).decode()
            rows.append((first + j, ids[TENANT], gd, entry[1], entry[2], entry[0], entry[3], entry[4], fields, NOW.date(),
                         "catalog", "self", "", None, None, None, NOW, NOW))
        await bulk.load("achievement", ACHIEVEMENT_COLUMNS, rows)
    app = create_app(settings, plugins, migrate=False, sync_tenants=False, run_sender=False)
    export, first_import, again = (Series(f"record.export_record(), {outcomes} outcomes"),
                                   Series(f"record_import.import_record(), first: stores {outcomes}"),
                                   Series("record_import.import_record() again: verifies, stores none"))
    async with LifespanManager(app):
        registry, base_url = app.state.tenants, settings.base_url
        source, target = await registry.get(TENANT), await registry.get("zhejiang")
        await Account.update({Account.id_number_hash: "ab" * 32}).where(Account.id.is_in([gd, zj]))
        await trust.add(target, trust.TrustEntryIn(issuer_tenant=TENANT), base_url, registry, None)
        await issuing.ensure_key(source)
        site = source.site(base_url)
        for _ in range(repeat):
            document = await timed(export, lambda: record.export_record(source, gd, site))
        result = await timed(first_import, lambda: record_import.import_record(target, zj, document, base_url, registry))
        assert len(result.imported) == outcomes and not any(i.already for i in result.imported)
        for _ in range(repeat):
            result = await timed(again, lambda: record_import.import_record(target, zj, document, base_url, registry))
            assert all(i.already for i in result.imported)
        assert Tenant  # the tables are bound
    print(f"(b') a learner's record, Guangdong → Zhejiang, {len(msgspec.json.encode(document)):,} bytes")
    for series in (export, first_import, again):
        print(f"{series.line()}   {throughput(series):7,.2f} /s")


async def _tenants(settings: Settings) -> list[dict]:
    from core.tenancy.tables import Tenant

    engine = db.make_engine(settings)
    async with db.connected(engine):
        return await Tenant.select(Tenant.slug, Tenant.id)


# ---------------------------------------------------------------------------------------------
# (c) Over HTTP


def over_http(settings: Settings, world: dict, code: str, token: str, seconds: float, connections: int) -> None:
    import urllib.request

    port = free_port()
    env = {"CREDITBANK_HOME": str(settings.home), "CREDITBANK_DATABASE_URL": settings.database_url,
           "CREDITBANK_SECRET_KEY": SECRET, "CREDITBANK_TENANTS_DIR": str(settings.tenants_dir),
           "CREDITBANK_BASE_URL": "http://bench.local", "CREDITBANK_ALLOWED_HOSTS": "127.0.0.1"}
    cmd = [PYTHON, "-m", "uvicorn", "core.app:app_from_env", "--factory", "--port", str(port), "--no-access-log",
           "--log-level", "warning"]
    api = f"/t/{TENANT}/api/v1"
    with server(cmd, port, env, ready_path="/healthz") as base:
        document = urllib.request.urlopen(f"{base}{api}/verify/{code}").read()  # warm up
        assert msgspec.json.decode(document)["valid"]
        auth = {"Authorization": f"Bearer {token}"}
        body = msgspec.json.encode({"step": "certificate_issue", "decision": "approve", "opinion": OPINION})
        pending = iter(world["http"])
        decisions = drive(base, lambda: (post(f"{api}/reviews/{a}/decision", body, auth)
                                         if (a := next(pending, None)) is not None else None), seconds * 2, connections)
        verify = load(f"{base}{api}/verify/{code}", seconds, connections)
        credential = msgspec.json.encode(msgspec.json.decode(_credential(settings, code)))
        posted = drive(base, itertools.repeat(post(f"{api}/verify", credential)).__next__, seconds, connections)
        meta = load(f"{base}{api}/meta", seconds, connections)
    print(decisions.line("POST /reviews/{id}/decision (issues)") + f"   ({decisions.requests} proofs)")
    print(verify.line("GET /verify/{code}"))
    print(posted.line(f"POST /verify ({len(credential):,}-byte credential)"))
    print(meta.line("baseline: GET /meta"))
    print(f"  {'verifications per second, GET / baseline':<58} {verify.rps / meta.rps:.2f}")


def _credential(settings: Settings, code: str) -> bytes:
    """The stored credential of ``code``, read with the database's own driver."""
    if settings.database_kind == "postgres":
        import asyncpg

        async def read() -> str:
            conn = await asyncpg.connect(settings.database_url)
            try:
                return await conn.fetchval("SELECT credential FROM proof WHERE code = $1", code)
            finally:
                await conn.close()

        return asyncio.run(read()).encode()
    import sqlite3
    from urllib.parse import urlsplit

    with sqlite3.connect(urlsplit(settings.database_url).path) as conn:
        return conn.execute("SELECT credential FROM proof WHERE code = ?", (code,)).fetchone()[0].encode()


# ---------------------------------------------------------------------------------------------


def run(kind: str, settings: Settings, plugins: PluginRegistry, args) -> None:
    print(f"\n{'PostgreSQL' if kind == 'postgres' else 'SQLite (temporary file)'}")
    started = time.perf_counter()
    world = asyncio.run(build(settings, plugins, args.proofs))
    print(f"  data: {3 * args.proofs:,} certificate applications of as many learners, "
          f"{3 * args.proofs * OUTCOMES:,} outcomes; {time.perf_counter() - started:.1f} s")
    print("(b) in-process, sequential calls")
    code = asyncio.run(in_process(settings, plugins, world))
    asyncio.run(records(settings, plugins, args.clr_outcomes, 3 if args.smoke else 10))

    async def token() -> str:
        app = create_app(settings, plugins, migrate=False, sync_tenants=False, run_sender=False)
        async with LifespanManager(app):
            return (await issue_tokens({"admin": (world["admin"], world["tenant_id"])}))["admin"]

    print(f"(c) HTTP, uvicorn 1 worker, {args.connections} connections")
    over_http(settings, world, code, asyncio.run(token()), args.seconds, args.connections)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--proofs", type=int, default=600, help="applications per measured stage")
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--dsn", default=DEFAULT_DSN)
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--clr-outcomes", type=int, default=20, help="outcomes in the CLR whose verification is timed")
    parser.add_argument("--smoke", action="store_true",
                        help="a small run that takes a minute: 10 proofs per stage, short timings, SQLite only")
    args = parser.parse_args()
    if args.smoke:
        args.proofs, args.seconds, args.connections = 10, 0.5, 2
    plugins = PluginRegistry.discover()
    started = time.perf_counter()
    print(f"proofs benchmark — {args.proofs} proofs per stage")
    crypto(args.seconds / 2, args.clr_outcomes)
    with temp_home() as tmp:
        home = Path(tmp)

        async def scratch() -> None:
            async with scratch_postgres(args.dsn, "creditbank_bench_proofs") as dsn:
                await asyncio.to_thread(run, "postgres", settings_for(home, dsn), plugins, args)

        if not args.smoke:
            asyncio.run(scratch())
        if not args.skip_sqlite:
            run("sqlite", settings_for(home, f"sqlite:///{home / 'proofs.sqlite3'}"), plugins, args)
    print(f"\ntotal {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
