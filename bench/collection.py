"""Information collection at the window, on PostgreSQL, in one run: the bulk import of training
outcomes, the 考核 report by collecting unit, and a branch's review queue — each against a
baseline measured in the same run.

    .venv/bin/python bench/collection.py [--import-rows 100000] [--outcomes 1000000] [--pending 5000]
        [--rounds 15] [--dsn postgresql://postgres@127.0.0.1:5432/postgres] [--smoke]

Data (a throw-away database, the Zhejiang tenant as its seed makes it: 104 units):

(a) Bulk import: ``--import-rows`` learners (real, valid ID numbers; their keyed hashes as the
    platform stores them) at the sub-centres of the 杭州 branch, and a CSV of one 社会培训成果
    per learner. Measured: ``core.imports.achievements.import_achievements`` as the branch's
    admin runs it (the upload path minus HTTP: reading, checking, the learner lookups, the
    outcomes, Zhejiang's recognition applications and their records, one notice per learner),
    then the same file again (re-run: nothing added). Baseline: a COPY of the same number of
    outcome rows straight into ``achievement``. Figures: rows/s of each, ratio import / COPY.
(b) The 考核 report: ``--outcomes`` collected outcomes (one learner per five) over the 104
    units, each collected by its learner's unit or that unit's parent, a third 社会培训成果,
    six in ten recognized, created over two years. Measured: ``GET /admin/reports/units?unit=ZJ``
    (httpx in-process; every figure of the report, the collected ones included) against the
    statements the service runs, replayed at once on plain asyncpg connections, and the
    collected-by-unit statement alone. Ratio: SQL p50 / API p50.
(c) A branch's queue: ``--pending`` recognitions of collected outcomes waiting at the 杭州
    branch's re-review step (and ten times as many decided ones around it). Measured: the first
    page of ``GET /reviews?status=pending`` for the branch's admin, against the SELECTs it
    runs replayed on a plain connection. Ratio: SQL p50 / API p50.

Figures are printed, never asserted; the database is dropped at the end. ``--smoke``: tiny data.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx
import msgspec
from asgi_lifespan import LifespanManager

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.fixtures import (  # noqa: E402
    ACCOUNT_COLUMNS,
    ACHIEVEMENT_COLUMNS,
    APPLICATION_COLUMNS,
    CITIES,
    COURSE_TOPICS,
    DEFAULT_DSN,
    Bulk,
    Direct,
    Series,
    account_rows,
    application_row,
    grant,
    issue_tokens,
    load_accounts,
    make_engine,
    prepare,
    ratio_line,
    record,
    resolved_chains,
    scratch_postgres,
    settings_for,
    temp_home,
    timed,
    verdict,
)
from core import db  # noqa: E402
from core.app import create_app  # noqa: E402
from core.plugins import PluginRegistry  # noqa: E402
from core.settings import Settings  # noqa: E402

TENANT = "zhejiang"
BRANCH = "ZJ-B01"
NOW = datetime.now(UTC)
_CHECK = "10X98765432"
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
MIX = [("social_training", "social_training", 34), ("academic", "course", 16), ("vocational", "skill_level", 15),
       ("informal", "volunteer_service", 20), ("informal", "competition", 15)]


def id_number(k: int) -> str:
    """The ``k``-th of a run of distinct valid ID numbers (GB 11643 check digit)."""
    born = datetime(1960, 1, 1) + timedelta(days=k // 900)
    first17 = f"330102{born:%Y%m%d}{100 + k % 900:03d}"
    return first17 + _CHECK[sum(int(d) * w for d, w in zip(first17, _WEIGHTS)) % 11]


def dollars(sql: str) -> str:
    counter = iter(range(1, 10_000))
    import re

    return re.sub(r"\{\}", lambda _: f"${next(counter)}", sql)


async def build(settings: Settings, plugins: PluginRegistry, import_rows: int, outcomes: int, pending: int) -> dict:
    from core.security.pii import PiiProtector

    started = time.perf_counter()
    tenant_id = (await prepare(settings, plugins))[TENANT]
    rnd = random.Random(2026)
    engine = make_engine(settings)
    async with db.connected(engine):
        from core.hierarchy.tables import OrgUnit

        units = await OrgUnit.select(OrgUnit.id, OrgUnit.code, OrgUnit.name, OrgUnit.path, OrgUnit.level,
                                     OrgUnit.parent_id).where(OrgUnit.tenant_id == tenant_id)
        chains = await resolved_chains(tenant_id, plugins.hooks(TENANT), [u for u in units if u["level"] != "center"],
                                       [("recognition", "social_training", "social_training")])
    if len(units) != 104:
        raise SystemExit(f"the Zhejiang seed has {len(units)} units, the target names 104")
    branch = next(u for u in units if u["code"] == BRANCH)
    subs = [u for u in units if u["parent_id"] == branch["id"]]
    by_id = {u["id"]: u for u in units}
    pii = PiiProtector(settings.secret_key)
    async with Bulk.open(settings) as bulk:
        # (a) learners with real ID numbers at the branch's sub-centres
        numbers = [id_number(k) for k in range(import_rows)]
        hashes = pii.lookup_hashes(numbers)
        first = await bulk.next_id("account")
        homes = [subs[k % len(subs)]["id"] for k in range(import_rows)]
        rows = [(*row, digest) for row, digest in zip(account_rows(first, tenant_id, homes, "learner", 5, "imp"), hashes)]
        await bulk.load("account", (*ACCOUNT_COLUMNS, "id_number_hash"), rows)
        admin = (await load_accounts(bulk, tenant_id, [branch["id"]], kind="staff", seed=8, prefix="branchadmin"))[0]
        await grant(bulk, tenant_id, admin, "unit_admin", branch["id"])
        centre = next(u for u in units if u["level"] == "center")
        top = (await load_accounts(bulk, tenant_id, [centre["id"]], kind="staff", seed=9, prefix="centre"))[0]
        await grant(bulk, tenant_id, top, "tenant_admin", centre["id"])

        # (b) collected outcomes over the 104 units
        non_centre = [u for u in units if u["level"] != "center"]
        learners_n = max(outcomes // 5, 1)
        learner_homes = [rnd.choice(non_centre) for _ in range(learners_n)]
        learners = await load_accounts(bulk, tenant_id, [u["id"] for u in learner_homes], seed=4, prefix="col")
        first_a = await bulk.next_id("achievement")
        columns = (*ACHIEVEMENT_COLUMNS, "collected_by_unit_id", "collected_by_staff_id", "collected_key")

        def outcome_rows():
            for k in range(outcomes):
                owner = rnd.randrange(learners_n)
                home = learner_homes[owner]
                collector = home if rnd.random() < 0.8 or home["parent_id"] is None else by_id[home["parent_id"]]
                category, subtype, _ = rnd.choices(MIX, weights=[m[2] for m in MIX])[0]
                created = NOW - timedelta(seconds=rnd.randrange(730 * 86400))
                name = f"{rnd.choice(CITIES)}{rnd.choice(COURSE_TOPICS)}培训"
                status = "recognized" if rnd.random() < 0.6 else rnd.choice(("applied", "unapplied", "rejected"))
                yield (first_a + k, tenant_id, learners[owner], category, subtype, None, name, "", "{}", None, status,
                       "self", "", None, None, None, created, created, collector["id"], admin, f"bench-{k}")

        await bulk.load("achievement", columns, outcome_rows(), rebuild_indexes=True)

        # (c) the branch's re-review queue, among decided applications around it
        first_app = await bulk.next_id("application")
        apps = []
        sub_chains = [(s, chains[(s["id"], "recognition")]) for s in subs if (s["id"], "recognition") in chains]
        for k in range(pending * 11):
            sub, chain = sub_chains[k % len(sub_chains)]
            status = "in_review" if k < pending else rnd.choice(("approved", "rejected"))
            created = NOW - timedelta(seconds=rnd.randrange(60 * 86400))
            apps.append(application_row(first_app + k, tenant_id, learners[k % learners_n], "recognition",
                                        first_a + (k % max(outcomes, 1)), None, None, status, chain, created, rnd))
        await bulk.load("application", APPLICATION_COLUMNS, apps, rebuild_indexes=True)
        await bulk.analyze()
    # the report reads counters: the COPYed rows are counted as the platform would have
    from core.reports import counters

    async with db.connected(engine):
        await counters.rebuild(tenant_id)
        await counters.UnitCounter.raw("ANALYZE unit_counter")
    print(f"  data: {len(units)} units, {import_rows:,} learners to import for, {learners_n:,} learners and "
          f"{outcomes:,} collected outcomes, {len(apps):,} applications ({pending:,} pending at {branch['name']}); "
          f"{time.perf_counter() - started:.0f} s")
    return {"tenant_id": tenant_id, "branch": branch, "admin": admin, "top": top, "numbers": numbers}


def training_csv(path: Path, numbers: list[str]) -> None:
    rnd = random.Random(7)
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write("证件号码,成果大类,培训名称,培训单位,培训类别,培训学时,培训开始日期,培训结束日期,采集受理点\n")
        for k, number in enumerate(numbers):
            city = rnd.choice(CITIES)
            fh.write(f"{number},社会培训成果,{city}{rnd.choice(COURSE_TOPICS)}培训,{city}社区学院,社区教育,"
                     f"{rnd.randrange(8, 80)},2024-03-{1 + k % 28:02d},2024-04-{1 + k % 28:02d},{BRANCH}\n")


async def measure_import(settings: Settings, plugins: PluginRegistry, world: dict, home: Path) -> dict:
    from core.accounts.tables import ImportJob
    from core.imports.achievements import import_achievements
    from core.imports.learners import create_job
    from core.security.pii import PiiProtector

    file = home / "training.csv"
    training_csv(file, world["numbers"])
    app = create_app(settings, plugins, migrate=False, sync_tenants=False, run_sender=False)
    out = {}
    async with LifespanManager(app):
        tenant = await app.state.tenants.get(TENANT)
        branch = world["branch"]
        unit = {k: branch[k] for k in ("id", "code", "name", "path", "parent_id")}
        for label in ("first", "again"):
            job = await create_job(tenant.id, "achievements", file.name, world["admin"])
            started = time.perf_counter()
            summary = await import_achievements(tenant=tenant, unit=unit, staff_id=world["admin"],
                                                pii=PiiProtector(settings.secret_key), path=file, filename=file.name,
                                                job_id=job, login_url="http://bench.local/t/zhejiang/login")
            seconds = time.perf_counter() - started
            out[label] = (summary, seconds)
            status = (await ImportJob.select(ImportJob.status).where(ImportJob.id == job).first())["status"]
            assert status == "done", status
    # The baseline: the same number of outcome rows COPYed straight into the table.
    conn = await asyncpg.connect(settings.database_url)
    try:
        first = await conn.fetchval("SELECT COALESCE(MAX(id), 0) + 1 FROM achievement")
        rows = [(first + k, world["tenant_id"], world["admin"], "social_training", "social_training", f"培训{k}", "", "{}",
                 "unapplied", "self", "", NOW, NOW) for k in range(len(world["numbers"]))]
        started = time.perf_counter()
        async with conn.transaction():
            await conn.copy_records_to_table("achievement", records=rows, columns=(
                "id", "tenant_id", "learner_id", "category", "subtype", "name", "institution", "fields", "status",
                "source", "certificate_no", "created_at", "updated_at"))
            out["copy"] = time.perf_counter() - started
            raise _Rollback
    except _Rollback:
        pass
    finally:
        await conn.close()
    return out


class _Rollback(Exception):
    pass


async def measure_reads(settings: Settings, plugins: PluginRegistry, world: dict, rounds: int) -> dict[str, Series]:
    from core.reports import service
    from core.security.principal import principal_for_token

    app = create_app(settings, plugins, migrate=False, sync_tenants=False, run_sender=False)
    out = {key: Series(label) for key, label in (
        ("report", "GET /admin/reports/units?unit=ZJ (httpx, in-process)"),
        ("report_sql", "  its aggregate statements, direct (asyncpg, at once)"),
        ("collected_sql", "    outcomes by collecting unit alone"),
        ("queue", f"GET /reviews?status=pending, first page, admin of {world['branch']['name']}"),
        ("queue_sql", "  the SELECTs it runs, direct"),
    )}
    async with LifespanManager(app):
        tokens = await issue_tokens({"top": (world["top"], world["tenant_id"]),
                                     "branch": (world["admin"], world["tenant_id"])})
        tenant = await app.state.tenants.get(TENANT)
        principal = await principal_for_token(tenant, tokens["top"])
        scope = await service.report_scope(tenant, principal, "ZJ")
        counted, _ = service.overdue_statements(tenant, scope, NOW, None, None)
        statements = [*service.figures_statements(tenant, scope, None, None), counted]
        collected = service.collected_statement(tenant, scope, None, None)
        conns = [await asyncpg.connect(settings.database_url) for _ in statements]
        direct = await Direct.open(settings)
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://bench.local") as client:
                base = f"/t/{TENANT}/api/v1"

                async def report() -> dict:
                    r = await client.get(f"{base}/admin/reports/units", params={"unit": "ZJ"},
                                         headers={"Authorization": f"Bearer {tokens['top']}"})
                    assert r.status_code == 200, r.text
                    return r.json()

                async def report_sql() -> list:
                    return await asyncio.gather(*(c.fetch(dollars(sql), *args) for c, (sql, args) in
                                                  zip(conns, statements)))

                async def collected_sql() -> list:
                    return await conns[0].fetch(dollars(collected[0]), *collected[1])

                async def queue() -> list[int]:
                    r = await client.get(f"{base}/reviews", params={"status": "pending"},
                                         headers={"Authorization": f"Bearer {tokens['branch']}"})
                    assert r.status_code == 200, r.text
                    return [i["id"] for i in r.json()["items"]]

                queued = [(sql, args) for sql, args in await record(app.state.engine, queue)
                          if sql.lstrip().upper().startswith("SELECT")]
                total = (await report())["total"]
                assert total["collected"] == sum(r["n"] for r in await collected_sql())
                print(f"  report: {total['collected']:,} collected outcomes ({total['collected_recognized']:,} "
                      f"recognized) by collecting unit beside {total['achievements']:,} by the learners' units")
                first_page = await queue()
                counts = (await client.get(f"{base}/reviews/counts",
                                           headers={"Authorization": f"Bearer {tokens['branch']}"})).json()
                print(f"  queue: first page of {len(first_page)} items; counts {msgspec.json.encode(counts).decode()[:160]}")
                calls = {"report": report, "report_sql": report_sql, "collected_sql": collected_sql, "queue": queue,
                         "queue_sql": lambda: direct.replay(queued)}
                for _ in range(2):
                    for call in calls.values():
                        await call()
                for _ in range(rounds):
                    for key, call in calls.items():
                        await timed(out[key], call)
        finally:
            for conn in conns:
                await conn.close()
            await direct.close()
    return out


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--import-rows", type=int, default=100_000)
    parser.add_argument("--outcomes", type=int, default=1_000_000)
    parser.add_argument("--pending", type=int, default=5_000)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--dsn", default=DEFAULT_DSN)
    parser.add_argument("--smoke", action="store_true", help="tiny data, short runs: proves it runs, in seconds")
    args = parser.parse_args()
    if args.smoke:
        args.import_rows, args.outcomes, args.pending, args.rounds = 500, 3_000, 100, 2
    args.outcomes = max(args.outcomes, args.pending * 11)  # each application names an outcome of its own
    plugins = PluginRegistry.discover()
    started = time.perf_counter()
    print(f"information-collection benchmark — Zhejiang, import {args.import_rows:,} rows, report over "
          f"{args.outcomes:,} collected outcomes, {args.pending:,} pending at a branch; PostgreSQL")
    with temp_home() as tmp:
        async with scratch_postgres(args.dsn, "creditbank_bench_collection") as dsn:
            settings = settings_for(Path(tmp), dsn)
            world = await build(settings, plugins, args.import_rows, args.outcomes, args.pending)
            load_before = os.getloadavg()[0]
            imported = await measure_import(settings, plugins, world, Path(tmp))
            # the import's figures first: they stand whatever the reads below do
            (first, first_s), (again, again_s), copy_s = imported["first"], imported["again"], imported["copy"]
            rows = first.total
            rate, again_rate, copy_rate = rows / first_s, rows / again_s, rows / copy_s
            print(f"  {'bulk import (outcomes + recognitions + notices)':<58} {rate:10,.0f} rows/s   "
                  f"({first.created:,} added, {first.failed:,} refused, {first_s:.1f} s)")
            print(f"  {'  the same file again (re-run: nothing added)':<58} {again_rate:10,.0f} rows/s   "
                  f"({again.created:,} added, {again.skipped:,} skipped)")
            print(f"  {'  baseline: COPY of as many outcome rows':<58} {copy_rate:10,.0f} rows/s")
            print(f"  {'ratio: import rows/s / COPY rows/s':<58} {rate / copy_rate:5.2f}   "
                  f"(load {os.getloadavg()[0]:.1f})", flush=True)
            reads = await measure_reads(settings, plugins, world, args.rounds)
            load_after = os.getloadavg()[0]
    for series in reads.values():
        print(series.line())
    print(ratio_line("ratio: report SQL p50 / API p50", reads["report_sql"], reads["report"], "target >= 0.5"))
    print(ratio_line("ratio: queue SQL p50 / API p50", reads["queue_sql"], reads["queue"]))
    full = args.import_rows >= 100_000 and args.outcomes >= 1_000_000 and args.pending >= 5_000

    def judged(ok: bool) -> str:
        return verdict(ok) if full else "not judged: below the targets' sizes"

    report, queue = reads["report"], reads["queue"]
    print(f"  {'import >= 10,000 rows/s':<58} {rate:10,.0f}: {judged(rate >= 10_000)}")
    print(f"  {'report API p95 <= 1 s':<58} {report.p95:7.1f} ms: {judged(report.p95 <= 1000)}")
    print(f"  {'report ratio >= 0.5':<58} {reads['report_sql'].p50 / report.p50:7.2f}: "
          f"{judged(reads['report_sql'].p50 / report.p50 >= 0.5)}")
    print(f"  {'queue first page p95 <= 50 ms':<58} {queue.p95:7.1f} ms: {judged(queue.p95 <= 50)}")
    print(f"  machine load (1-minute average, {os.cpu_count()} cores) before / after measuring: "
          f"{load_before:.1f} / {load_after:.1f}")
    print(f"\ntotal {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    asyncio.run(main())
