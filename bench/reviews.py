"""Rule matching and the reviewers' queue: the service and the API in-process against the same
SQL run directly, in one run.

    .venv/bin/python bench/reviews.py [--small] [--samples 200] [--skip-sqlite]
        [--dsn postgresql://postgres@127.0.0.1:5432/postgres]

(a) Matching, on PostgreSQL and SQLite: a learner with 50 achievements (40 picked from the
    catalog among the rules' sources) against 100,000 published, retired, expired and future
    rules with one or two sources each over 10,000 of 20,000 catalog entries. Measured:
    ``core.rules.service.rule_counts`` for all 50 (service level; the SQL side is its two
    statements), and ``GET /me/achievements/{id}/rules`` for the achievement with the most
    rules (the SQL side is every statement the request runs).
(b) The review queue, on PostgreSQL: 1,000,000 applications (recognition, conversion,
    certificate) of 100,000 learners spread over the Zhejiang tenant's 104 units, older ones
    mostly decided, recent ones mostly pending; each carries the chain the platform's own
    ``resolve_chain`` gives for its unit, and ``step_role`` / ``step_unit_id`` as ``_create``
    and ``decide`` leave them. Measured: the first page of ``GET /reviews?status=pending`` for
    the unit admin of a sub-centre (and, for comparison, of a city branch, which re-reviews
    what its sub-centres accepted). The SQL side is every statement the request runs, and the
    queue statement alone.

The app runs in this process (``create_app`` + ``asgi_lifespan`` + ``httpx.ASGITransport``, as
the tests run it); API and SQL calls alternate. ``--small`` divides the data by ten (the
learner keeps 50 achievements). Figures are printed, never asserted; the databases are
dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import msgspec
from asgi_lifespan import LifespanManager

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.fixtures import (  # noqa: E402
    ACHIEVEMENT_COLUMNS,
    APPLICATION_COLUMNS,
    DEFAULT_DSN,
    NOW,
    Bulk,
    Direct,
    Series,
    achievement_row,
    application_row,
    asgi_get,
    catalog_entries,
    grant,
    issue_tokens,
    load_accounts,
    load_catalog,
    load_rules,
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
from bench.outcomes import LIVE  # noqa: E402
from core import db  # noqa: E402
from core.app import create_app  # noqa: E402
from core.plugins import PluginRegistry  # noqa: E402
from core.settings import Settings  # noqa: E402

TENANT = "zhejiang"
OPEN = ("submitted", "in_review")
KINDS = (("recognition", "social_training", "social_training"), ("conversion", "academic", "course"),
         ("certificate", "", ""))


@dataclass
class Sizes:
    entries: int = 20_000
    rules: int = 100_000
    achievements: int = 50  # the matched learner's
    applications: int = 1_000_000
    learners: int = 100_000

    def small(self) -> Sizes:
        return Sizes(self.entries // 10, self.rules // 10, self.achievements, self.applications // 10,
                     self.learners // 10)

    def smoke(self) -> Sizes:
        return Sizes(1_000, 500, 20, 2_000, 300)


@dataclass
class World:
    tenant_id: int
    learner_id: int
    achievement_id: int  # the learner's achievement with the most usable rules
    achievement_rules: int
    subcentre_admin: int | None = None
    subcentre: str = ""
    branch_admin: int | None = None
    branch: str = ""
    pending: dict[str, int] | None = None


# ---------------------------------------------------------------------------------------------
# Data


async def build(settings: Settings, plugins: PluginRegistry, sizes: Sizes, with_queue: bool) -> World:
    started = time.perf_counter()
    tenant_id = (await prepare(settings, plugins))[TENANT]
    rnd = random.Random(7)
    engine = make_engine(settings)
    async with db.connected(engine):
        from core.hierarchy.tables import OrgUnit

        units = await OrgUnit.select(OrgUnit.id, OrgUnit.code, OrgUnit.name, OrgUnit.path, OrgUnit.level,
                                     OrgUnit.parent_id).where(OrgUnit.tenant_id == tenant_id)
        chains = await resolved_chains(tenant_id, plugins.hooks(TENANT), units, KINDS)
    subcentres = [u for u in units if u["level"] == "subcenter" and (u["id"], "conversion") in chains]
    branches = [u for u in units if u["level"] == "branch" and (u["id"], "conversion") in chains]
    home = subcentres[len(subcentres) // 2]

    entries = catalog_entries(sizes.entries, seed=17)
    async with Bulk.open(settings) as bulk:
        entry_ids = await load_catalog(bulk, tenant_id, entries)
        by_id = dict(zip(entry_ids, entries))
        half = len(entry_ids) // 2
        rules = await load_rules(bulk, tenant_id, by_id, sizes.rules, entry_ids[:half], entry_ids[half:])
        usable_by_entry: dict[int, list[int]] = {}
        for rule_id in sorted(rules.usable):
            for s in rules.sources[rule_id]:
                usable_by_entry.setdefault(s, []).append(rule_id)

        # (a) The matched learner: 40 achievements from the catalog among the rules' sources, 10 typed in.
        learner_id, = await load_accounts(bulk, tenant_id, [home["id"]], prefix="matched")
        next_achievement = await bulk.next_id("achievement")
        mine, rows = [], []
        sources = sorted(usable_by_entry)
        for k in range(sizes.achievements):
            created = NOW - timedelta(days=sizes.achievements - k)
            if k % 5:
                entry_id = rnd.choice(sources)
                rows.append(achievement_row(next_achievement, tenant_id, learner_id, (entry_id, by_id[entry_id]),
                                            "catalog", rnd, created))
                mine.append((next_achievement, entry_id))
            else:
                rows.append(achievement_row(next_achievement, tenant_id, learner_id, None, "recognized", rnd, created))
            next_achievement += 1
        await bulk.load("achievement", ACHIEVEMENT_COLUMNS, rows)
        apps, next_app = [], await bulk.next_id("application")
        for achievement_id, entry_id in mine[::4]:  # some rules already used
            rule_id = rnd.choice(usable_by_entry[entry_id])
            apps.append(application_row(next_app, tenant_id, learner_id, "conversion", achievement_id, rule_id,
                                        rules.targets[rule_id], rnd.choice(LIVE), chains[home["id"], "conversion"],
                                        NOW, rnd))
            next_app += 1
        await bulk.load("application", APPLICATION_COLUMNS, apps)
        best_id, best_entry = max(mine, key=lambda m: (len(usable_by_entry[m[1]]), m[0]))
        world = World(tenant_id, learner_id, best_id, len(usable_by_entry[best_entry]))
        print(f"  data (a): {len(entries):,} catalog entries, {sizes.rules:,} rules ({len(rules.usable):,} in force), "
              f"learner with {sizes.achievements} achievements ({len(mine)} from the catalog), {len(apps)} of its "
              f"applications; {time.perf_counter() - started:.1f} s")

        if with_queue:
            await build_queue(bulk, world, sizes, rnd, units, subcentres, branches, chains, rules, usable_by_entry,
                              by_id)
        await bulk.analyze()
    if with_queue:
        print(f"  data (b): {sizes.applications:,} applications of {sizes.learners:,} learners over "
              f"{len(subcentres)} sub-centres and {len(branches)} branches; pending at {world.subcentre} "
              f"{world.pending[world.subcentre]:,}, at {world.branch} {world.pending[world.branch]:,}; "
              f"{time.perf_counter() - started:.1f} s in all")
    return world


async def build_queue(bulk: Bulk, world: World, sizes: Sizes, rnd: random.Random, units, subcentres, branches,
                      chains, rules, usable_by_entry, by_id) -> None:
    tenant_id = world.tenant_id
    # Learners: nine in ten at a sub-centre, the rest at a branch that runs its own window.
    learner_units = [(rnd.choice(subcentres) if rnd.random() < 0.9 else rnd.choice(branches))["id"]
                     for _ in range(sizes.learners)]
    learners = await load_accounts(bulk, tenant_id, learner_units, seed=5, prefix="learner")
    unit_of = dict(zip(learners, learner_units))
    usable = sorted(rules.usable)
    first_app = await bulk.next_id("application")
    first_achievement = await bulk.next_id("achievement")
    n = sizes.applications
    achievements, applications = [], []
    pending: dict[int, int] = {}
    achievement_id = first_achievement
    for k in range(n):
        age = k / n  # 0 = oldest
        created = NOW - timedelta(days=(1 - age) * 1500, minutes=rnd.randrange(1440))
        learner = rnd.choice(learners)
        unit = unit_of[learner]
        roll = rnd.random()
        kind = "conversion" if roll < 0.5 else "recognition" if roll < 0.8 else "certificate"
        p_open = 0.03 if age < 0.85 else 0.03 + (age - 0.85) / 0.15 * 0.7
        if rnd.random() < p_open:
            status = rnd.choice(OPEN)
        else:
            roll = rnd.random()
            status = "approved" if roll < 0.8 else "rejected" if roll < 0.94 else "withdrawn"
        rule_id = target = ach = None
        if kind == "conversion":
            rule_id = rnd.choice(usable)
            target = rules.targets[rule_id]
            entry_id = rules.sources[rule_id][0]
            achievements.append(achievement_row(achievement_id, tenant_id, learner, (entry_id, by_id[entry_id]),
                                                "catalog", rnd, created))
            ach = achievement_id
            achievement_id += 1
        elif kind == "recognition":
            ach_status = {"approved": "recognized", "rejected": "rejected", "withdrawn": "unapplied"}.get(status, "applied")
            achievements.append(achievement_row(achievement_id, tenant_id, learner, None, ach_status, rnd, created))
            ach = achievement_id
            achievement_id += 1
        row = application_row(first_app + k, tenant_id, learner, kind, ach, rule_id, target, status,
                              chains[unit, kind], created, rnd)
        if status in OPEN:
            pending[row[11]] = pending.get(row[11], 0) + 1
        applications.append(row)
    await bulk.load("achievement", ACHIEVEMENT_COLUMNS, achievements, rebuild_indexes=True)
    del achievements
    await bulk.load("application", APPLICATION_COLUMNS, applications, rebuild_indexes=True)
    del applications

    # The reviewers: the unit admin of a typical sub-centre, and of a city branch.
    sub = sorted(subcentres, key=lambda u: pending.get(u["id"], 0))[len(subcentres) // 2]
    branch = sorted(branches, key=lambda u: pending.get(u["id"], 0))[len(branches) // 2]
    admin_sub, admin_branch = await load_accounts(bulk, tenant_id, [sub["id"], branch["id"]], kind="staff",
                                                  seed=9, prefix="admin")
    await grant(bulk, tenant_id, admin_sub, "unit_admin", sub["id"])
    await grant(bulk, tenant_id, admin_branch, "unit_admin", branch["id"])
    world.subcentre_admin, world.subcentre = admin_sub, f"{sub['name']}（{sub['code']}）"
    world.branch_admin, world.branch = admin_branch, f"{branch['name']}（{branch['code']}）"
    world.pending = {world.subcentre: pending.get(sub["id"], 0), world.branch: pending.get(branch["id"], 0)}


def reads(statements: list) -> list:
    """The SELECTs of a recording (what a GET runs; nothing written is replayed)."""
    return [(sql, args) for sql, args in statements if sql.lstrip().upper().startswith("SELECT")]


# ---------------------------------------------------------------------------------------------
# Measuring


async def measure(settings: Settings, plugins: PluginRegistry, world: World, samples: int,
                  with_queue: bool) -> dict[str, Series]:
    from core.achievements.tables import Achievement
    from core.rules.service import rule_counts

    app = create_app(settings, plugins, migrate=False, sync_tenants=False, run_sender=False)
    out: dict[str, Series] = {}

    def series(key: str, label: str) -> Series:
        return out.setdefault(key, Series(label))

    async with LifespanManager(app):
        accounts = {"learner": (world.learner_id, world.tenant_id)}
        if with_queue:
            accounts |= {"sub": (world.subcentre_admin, world.tenant_id), "branch": (world.branch_admin, world.tenant_id)}
        tokens = await issue_tokens(accounts)
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        direct = await Direct.open(settings)
        engine = app.state.engine
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://bench.local") as client:
                base = f"/t/{TENANT}/api/v1"
                achievements = await Achievement.select().where(Achievement.tenant_id == world.tenant_id,
                                                                Achievement.learner_id == world.learner_id)

                rules_path = f"{base}/me/achievements/{world.achievement_id}/rules"
                learner = {"Authorization": f"Bearer {tokens['learner']}"}

                async def api_rules() -> list[int]:
                    r = await client.get(rules_path, headers=learner)
                    assert r.status_code == 200, r.text
                    return [i["id"] for i in r.json()]

                async def asgi_rules() -> list[int]:
                    status, body = await asgi_get(app, rules_path, headers=learner)
                    assert status == 200, body
                    return [i["id"] for i in msgspec.json.decode(body)]

                # The SQL side: what the service and the request themselves ran, recorded once.
                counted = await record(engine, lambda: rule_counts(world.tenant_id, achievements))
                ruled = reads(await record(engine, asgi_rules))
                # Same answers both ways; warm up.
                counts = await rule_counts(world.tenant_id, achievements)
                expected = await asgi_rules()
                assert await api_rules() == expected
                for _ in range(10):
                    await rule_counts(world.tenant_id, achievements)
                    await direct.replay(counted)
                    await api_rules()
                    await asgi_rules()
                a, b, c, c2, d = (
                    series("counts", f"rule_counts() for {len(achievements)} achievements (service)"),
                    series("counts_sql", f"  its {len(counted)} statements, direct"),
                    series("rules_api", f"GET /me/achievements/{{id}}/rules ({world.achievement_rules} rules)"),
                    series("rules_asgi", "  the app called as ASGI, no HTTP client"),
                    series("rules_sql", f"  the same {len(ruled)} statements, direct"))
                for _ in range(samples):
                    await timed(a, lambda: rule_counts(world.tenant_id, achievements))
                    await timed(b, lambda: direct.replay(counted))
                    await timed(c, api_rules)
                    await timed(c2, asgi_rules)
                    await timed(d, lambda: direct.replay(ruled))
                usable = sum(u for u, _ in counts.values())
                used = sum(u for _, u in counts.values())
                print(f"  matching: the learner's achievements can use {usable} rules and have used {used}")

                if with_queue:
                    for who, label in (("sub", world.subcentre), ("branch", world.branch)):
                        headers = {"Authorization": f"Bearer {tokens[who]}"}

                        async def api_queue(headers=headers) -> list[int]:
                            r = await client.get(f"{base}/reviews", params={"status": "pending"}, headers=headers)
                            assert r.status_code == 200, r.text
                            return [i["id"] for i in r.json()["items"]]

                        async def asgi_queue(headers=headers) -> list[int]:
                            status, body = await asgi_get(app, f"{base}/reviews", {"status": "pending"}, headers)
                            assert status == 200, body
                            return [i["id"] for i in msgspec.json.decode(body)["items"]]

                        queued = reads(await record(engine, asgi_queue))
                        [page] = [stmt for stmt in queued if "step_role" in stmt[0]]  # the queue SELECT
                        expected = await asgi_queue()
                        assert await api_queue() == expected
                        for _ in range(10):
                            await api_queue()
                            await asgi_queue()
                            await direct.replay(queued)
                        e, e2, f, g = (series(f"queue_{who}", f"GET /reviews?status=pending, unit admin of {label}"),
                                       series(f"queue_{who}_asgi", "  the app called as ASGI, no HTTP client"),
                                       series(f"queue_{who}_sql", f"  the same {len(queued)} statements, direct"),
                                       series(f"queue_{who}_page", "  the queue SELECT alone, direct"))
                        for _ in range(samples):
                            await timed(e, api_queue)
                            await timed(e2, asgi_queue)
                            await timed(f, lambda queued=queued: direct.replay(queued))
                            await timed(g, lambda page=page: direct.replay([page]))
        finally:
            await direct.close()
    return out


def report(results: dict[str, Series], with_queue: bool) -> None:
    for key in ("counts", "counts_sql", "rules_api", "rules_asgi", "rules_sql"):
        print(results[key].line())
    print(ratio_line("matching (service): ratio SQL p50 / service p50", results["counts_sql"], results["counts"]))
    print(ratio_line("rules of one achievement: ratio SQL p50 / API p50", results["rules_sql"], results["rules_api"],
                     f"{results['rules_sql'].p50 / results['rules_asgi'].p50:.2f} against the bare ASGI call"))
    service, api = results["counts"].p95, results["rules_api"].p95
    print(f"  {'matching p95 <= 20 ms':<58} rule_counts() {service:.1f} ms: {verdict(service <= 20)}; "
          f"GET …/rules {api:.1f} ms: {verdict(api <= 20)}")
    if with_queue:
        for who in ("sub", "branch"):
            for key in (f"queue_{who}", f"queue_{who}_asgi", f"queue_{who}_sql", f"queue_{who}_page"):
                print(results[key].line())
            sql, asgi = results[f"queue_{who}_sql"], results[f"queue_{who}_asgi"]
            print(ratio_line("review queue: ratio SQL p50 / API p50", sql, results[f"queue_{who}"],
                             f"{sql.p50 / asgi.p50:.2f} against the bare ASGI call"))
        p95 = results["queue_sub"].p95
        print(f"  {'sub-centre review queue p95 <= 50 ms':<58} {p95:5.1f} ms: {verdict(p95 <= 50)}")


async def run(kind: str, settings: Settings, plugins: PluginRegistry, sizes: Sizes, samples: int) -> None:
    with_queue = kind == "postgres"
    print(f"\n{'PostgreSQL' if kind == 'postgres' else 'SQLite (temporary file; matching only)'}")
    world = await build(settings, plugins, sizes, with_queue)
    report(await measure(settings, plugins, world, samples, with_queue), with_queue)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="a ten times smaller quick run")
    parser.add_argument("--smoke", action="store_true", help="tiny data, few samples: proves it runs, in seconds")
    parser.add_argument("--samples", type=int, default=200, help="timed calls per figure")
    parser.add_argument("--dsn", default=DEFAULT_DSN)
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    sizes = Sizes().smoke() if args.smoke else Sizes().small() if args.small else Sizes()
    if args.smoke:
        args.samples = min(args.samples, 20)
    plugins = PluginRegistry.discover()
    started = time.perf_counter()
    print(f"reviews benchmark — {sizes.rules:,} rules, {sizes.applications:,} applications")
    with temp_home() as tmp:
        home = Path(tmp)
        async with scratch_postgres(args.dsn, "creditbank_bench_reviews") as dsn:
            await run("postgres", settings_for(home, dsn), plugins, sizes, args.samples)
        if not args.skip_sqlite:
            await run("sqlite", settings_for(home, f"sqlite:///{home / 'reviews.sqlite3'}"), plugins, sizes,
                      args.samples)
    print(f"\ntotal {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    asyncio.run(main())
