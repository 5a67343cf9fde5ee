"""Rules explained (issue 18): the explanation of every rule sharing a source or target with one
outcome, the what-if of five hypothetical outcomes, and the learner's rule counts, each against
the bare SQL the call runs, in one run, on PostgreSQL and SQLite.

    .venv/bin/python bench/rules.py [--small] [--smoke] [--samples 200] [--skip-sqlite]
        [--dsn postgresql://postgres@127.0.0.1:5432/postgres]

Data: 20,000 catalog entries, 100,000 rules over them (10 % with two sources, 30 % with a score
threshold on a source, 90 % in force), a learner with 50 outcomes (40 from the catalog among the
rules' sources, each with a score), some of them already used by live applications.
Measured (service level, ``core.rules.explain``): ``explain_for_achievement`` for the outcome
with the most rules, ``what_if`` with 5 entries the learner does not hold, ``rule_counts`` for
all 50; the SQL side replays exactly the statements each call ran, on a plain connection.
Figures are printed, never asserted; the databases are dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import msgspec

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.fixtures import (  # noqa: E402
    ACHIEVEMENT_COLUMNS,
    APPLICATION_COLUMNS,
    DEFAULT_DSN,
    NOW,
    RULE_COLUMNS,
    SOURCE_COLUMNS,
    Bulk,
    Direct,
    Series,
    achievement_row,
    application_row,
    catalog_entries,
    load_accounts,
    load_catalog,
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
from core.plugins import PluginRegistry  # noqa: E402
from core.settings import Settings  # noqa: E402

TENANT = "zhejiang"


@dataclass
class Sizes:
    entries: int = 20_000
    rules: int = 100_000
    achievements: int = 50

    def small(self) -> Sizes:
        return Sizes(self.entries // 10, self.rules // 10, self.achievements)

    def smoke(self) -> Sizes:
        return Sizes(1_000, 500, 20)


@dataclass
class World:
    tenant_id: int
    learner_id: int
    achievement: dict
    rules_of_it: int
    hypothetical: list[int]


async def load_rules(bulk: Bulk, tenant_id: int, n: int, sources: list[int], targets: list[int],
                     rnd: random.Random) -> dict[int, list[int]]:
    """``n`` rules: 10 % with two sources, 30 % with ``score ≥ 60..90`` on the first source,
    90 % in force (the rest retired, expired or not yet valid). Returns rule → sources."""
    today = date.today()
    first, next_source = await bulk.next_id("conversion_rule"), await bulk.next_id("conversion_rule_source")
    rule_rows, source_rows, out = [], [], {}
    for k in range(n):
        rule_id = first + k
        picked = rnd.sample(sources, 2 if rnd.random() < 0.1 else 1)
        target = rnd.choice(targets)
        conditions = ""
        if rnd.random() < 0.3:
            conditions = msgspec.json.encode({"thresholds": [{"entry": picked[0], "field": "score",
                                                              "value": rnd.choice((60, 70, 80, 90)), "label": "成绩"}]}).decode()
        roll = rnd.random()
        status, valid_from, valid_to, retired = "published", today - timedelta(days=rnd.randrange(30, 3000)), None, None
        if roll < 0.04:
            status, retired = "retired", NOW
        elif roll < 0.07:
            valid_to = today - timedelta(days=rnd.randrange(1, 900))
            valid_from = valid_to - timedelta(days=1000)
        elif roll < 0.10:
            valid_from = today + timedelta(days=rnd.randrange(1, 200))
        rule_rows.append((rule_id, tenant_id, None, f"规则{k + 1}", f"规则{k + 1}", target,
                          float(rnd.choice((1, 2, 3, 4))), 100, valid_from, valid_to, status, NOW, retired,
                          conditions, 1))
        for s in picked:
            source_rows.append((next_source, tenant_id, rule_id, s))
            next_source += 1
        out[rule_id] = picked
    await bulk.load("conversion_rule", (*RULE_COLUMNS, "conditions", "version"), rule_rows, rebuild_indexes=True)
    await bulk.load("conversion_rule_source", SOURCE_COLUMNS, source_rows, rebuild_indexes=True)
    return out


async def build(settings: Settings, plugins: PluginRegistry, sizes: Sizes) -> World:
    started = time.perf_counter()
    tenant_id = (await prepare(settings, plugins))[TENANT]
    rnd = random.Random(18)
    engine = make_engine(settings)
    async with db.connected(engine):
        from core.hierarchy.tables import OrgUnit

        units = await OrgUnit.select(OrgUnit.id, OrgUnit.code, OrgUnit.name, OrgUnit.path, OrgUnit.level,
                                     OrgUnit.parent_id).where(OrgUnit.tenant_id == tenant_id)
        chains = await resolved_chains(tenant_id, plugins.hooks(TENANT), units, [("conversion", "academic", "course")])
    home = next(u for u in units if (u["id"], "conversion") in chains)
    entries = catalog_entries(sizes.entries, seed=19)
    async with Bulk.open(settings) as bulk:
        ids = await load_catalog(bulk, tenant_id, entries)
        by_id = dict(zip(ids, entries))
        half = len(ids) // 2
        rules = await load_rules(bulk, tenant_id, sizes.rules, ids[:half], ids[half:], rnd)
        by_source: dict[int, list[int]] = {}
        for rule_id, sources in rules.items():
            for s in sources:
                by_source.setdefault(s, []).append(rule_id)
        learner_id, = await load_accounts(bulk, tenant_id, [home["id"]], prefix="explained")
        next_achievement = await bulk.next_id("achievement")
        rows, mine = [], []
        pool = sorted(by_source)
        for k in range(sizes.achievements):
            created = NOW - timedelta(days=sizes.achievements - k)
            if k % 5:
                entry_id = rnd.choice(pool)
                row = list(achievement_row(next_achievement, tenant_id, learner_id, (entry_id, by_id[entry_id]),
                                           "catalog", rnd, created))
                fields = msgspec.json.decode(row[8]) if isinstance(row[8], str) else dict(row[8] or {})
                row[8] = msgspec.json.encode({**fields, "score": str(rnd.randrange(50, 100))}).decode()
                rows.append(tuple(row))
                mine.append((next_achievement, entry_id))
            else:
                rows.append(achievement_row(next_achievement, tenant_id, learner_id, None, "recognized", rnd, created))
            next_achievement += 1
        await bulk.load("achievement", ACHIEVEMENT_COLUMNS, rows)
        apps, next_app = [], await bulk.next_id("application")
        for achievement_id, entry_id in mine[::4]:
            rule_id = rnd.choice(by_source[entry_id])
            apps.append(application_row(next_app, tenant_id, learner_id, "conversion", achievement_id, rule_id,
                                        rnd.choice(ids[half:]), "submitted", chains[home["id"], "conversion"], NOW, rnd))
            next_app += 1
        await bulk.load("application", APPLICATION_COLUMNS, apps)
        await bulk.analyze()
    best_id, best_entry = max(mine, key=lambda m: (len(by_source[m[1]]), m[0]))
    held = {e for _, e in mine}
    hypothetical = rnd.sample([e for e in pool if e not in held], 5)
    print(f"  data: {len(entries):,} catalog entries, {sizes.rules:,} rules, a learner with {sizes.achievements} "
          f"outcomes ({len(mine)} from the catalog) and {len(apps)} live applications; "
          f"{time.perf_counter() - started:.1f} s")
    return World(tenant_id, learner_id, {"id": best_id, "catalog_entry_id": best_entry, "rule_id": None},
                 len(by_source[best_entry]), hypothetical)


async def measure(settings: Settings, plugins: PluginRegistry, world: World, samples: int) -> dict[str, Series]:
    from core.achievements.tables import Achievement
    from core.rules import explain
    from core.rules.service import rule_counts

    hooks = plugins.hooks(TENANT)
    engine = make_engine(settings)
    out: dict[str, Series] = {}
    async with db.connected(engine):
        direct = await Direct.open(settings)
        try:
            achievements = await Achievement.select().where(Achievement.tenant_id == world.tenant_id,
                                                            Achievement.learner_id == world.learner_id)
            calls = {
                "explain": (f"explain_for_achievement ({world.rules_of_it} rules share its source)",
                            lambda: explain.explain_for_achievement(world.tenant_id, hooks, world.learner_id,
                                                                    world.achievement)),
                "what_if": ("what_if with 5 hypothetical outcomes",
                            lambda: explain.what_if(world.tenant_id, hooks, world.learner_id, world.hypothetical)),
                "counts": (f"rule_counts() for {len(achievements)} outcomes",
                           lambda: rule_counts(world.tenant_id, achievements, hooks)),
            }
            for key, (label, call) in calls.items():
                statements = await record(engine, call)
                for _ in range(5):
                    await call()
                    await direct.replay(statements)
                a, b = (out.setdefault(key, Series(label)),
                        out.setdefault(f"{key}_sql", Series(f"  its {len(statements)} statements, direct")))
                for _ in range(samples):
                    await timed(a, call)
                    await timed(b, lambda statements=statements: direct.replay(statements))
                slowest = []
                for sql, args in statements:
                    one = Series("")
                    for _ in range(5):
                        await timed(one, lambda sql=sql, args=args: direct.replay([(sql, args)]))
                    slowest.append((one.p50, " ".join(sql.split())[:90]))
                worst = max(slowest)
                print(f"  {label}: slowest statement p50 {worst[0]:.2f} ms: {worst[1]}")
            explained = await calls["explain"][1]()
            statuses = [r.explanation.status for r in explained if r.explanation]
            print(f"  the outcome's rules: {statuses.count('applies')} apply, {statuses.count('missing')} miss something, "
                  f"{statuses.count('used')} used")
        finally:
            await direct.close()
    return out


def report(results: dict[str, Series], kind: str) -> None:
    limit = 20 if kind == "postgres" else 60
    for key in ("explain", "explain_sql", "what_if", "what_if_sql", "counts", "counts_sql"):
        print(results[key].line())
    for key, label in (("explain", "explain"), ("what_if", "what-if"), ("counts", "rule counts")):
        print(ratio_line(f"{label}: ratio SQL p50 / service p50", results[f"{key}_sql"], results[key]))
    explain_p95, what_if_p95 = results["explain"].p95, results["what_if"].p95
    print(f"  {f'explain p95 <= {limit} ms':<58} {explain_p95:5.1f} ms: {verdict(explain_p95 <= limit)}")
    print(f"  {'what-if p95 <= 30 ms':<58} {what_if_p95:5.1f} ms: {verdict(what_if_p95 <= 30)}")


async def run(kind: str, settings: Settings, plugins: PluginRegistry, sizes: Sizes, samples: int) -> None:
    print(f"\n{'PostgreSQL' if kind == 'postgres' else 'SQLite (temporary file)'}")
    world = await build(settings, plugins, sizes)
    report(await measure(settings, plugins, world, samples), kind)


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
    print(f"rules benchmark — {sizes.rules:,} rules, explanation and what-if")
    with temp_home() as tmp:
        home = Path(tmp)
        async with scratch_postgres(args.dsn, "creditbank_bench_rules") as dsn:
            await run("postgres", settings_for(home, dsn), plugins, sizes, args.samples)
        if not args.skip_sqlite:
            await run("sqlite", settings_for(home, f"sqlite:///{home / 'rules.sqlite3'}"), plugins, sizes, args.samples)
    print(f"\ntotal {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    asyncio.run(main())
