"""How each hot path's cost grows with the data: one PostgreSQL database grown step by step
(1M → 5M → 20M outcomes, with 200k → 1M → 4M learners … one learner per five outcomes), the
same requests measured at every step, in one run.

    .venv/bin/python bench/growth.py [--steps 1000000,5000000,20000000] [--rounds 40]
        [--smoke] [--dsn postgresql://postgres@127.0.0.1:5432/postgres]

The Zhejiang tenant (104 units); fixed at every step: 200,000 catalog entries, 20,000 rules, and
the measured learner (200 outcomes) and reviewers. What grows: learners spread over the
units, their outcomes (half from the catalog, half typed in), and one application per four
outcomes, routed by the platform's own ``resolve_chain``, the recent ones mostly open.

Measured at each step, in-process (the ASGI app called directly, as ``bench/outcomes.py``
does), alternating so drift hits all alike:

  catalog search     ``GET /catalog?q=`` (two- to four-character words)
  my outcomes        ``GET /me/achievements`` of the measured learner (a page of 20 of its 200)
  rule matching      ``GET /me/achievements/{id}/rules`` for its outcome with the most rules
  review queue       ``GET /reviews?status=pending&limit=50`` of a sub-centre's admin
  unit report        ``GET /admin/reports/units?unit=ZJ`` of the centre's admin (every unit)

Printed: p50 / p95 per path and step, then the ratio of the largest step's p50 to the
smallest's beside the ratio of the data, so a path that grows with the data (ratio near the
data's) stands out from one that does not (ratio near 1). Figures are printed, never asserted;
the database is dropped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sys
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from asgi_lifespan import LifespanManager

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.fixtures import (  # noqa: E402
    ACHIEVEMENT_COLUMNS,
    APPLICATION_COLUMNS,
    DEFAULT_DSN,
    NOW,
    Bulk,
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
    resolved_chains,
    scratch_postgres,
    search_queries,
    settings_for,
    temp_home,
)
from core import db  # noqa: E402
from core.app import create_app  # noqa: E402
from core.plugins import PluginRegistry  # noqa: E402
from core.settings import Settings  # noqa: E402

TENANT = "zhejiang"
API = f"/t/{TENANT}/api/v1"
OPEN = ("submitted", "in_review")
PATHS = ("catalog search", "my outcomes", "rule matching", "review queue", "unit report")


@dataclass
class World:
    tenant_id: int
    units: list[dict]
    subcentres: list[dict]
    chains: dict
    entry_ids: list[int]
    by_id: dict
    usable: list[int]
    rule_targets: dict[int, int]
    rule_sources: dict[int, list[int]]
    learner_id: int = 0
    best_outcome: int = 0
    queue_admin: int = 0
    centre_admin: int = 0
    words: list[str] = field(default_factory=list)
    outcomes: int = 0
    learners: int = 0


async def base(settings: Settings, plugins: PluginRegistry, entries_n: int, rules_n: int) -> World:
    tenant_id = (await prepare(settings, plugins))[TENANT]
    engine = make_engine(settings)
    async with db.connected(engine):
        from core.hierarchy.tables import OrgUnit

        units = await OrgUnit.select(OrgUnit.id, OrgUnit.code, OrgUnit.name, OrgUnit.path, OrgUnit.level,
                                     OrgUnit.parent_id).where(OrgUnit.tenant_id == tenant_id)
        chains = await resolved_chains(tenant_id, plugins.hooks(TENANT), units,
                                       [("conversion", "academic", "course"),
                                        ("recognition", "social_training", "social_training")])
    subcentres = [u for u in units if u["level"] == "subcenter" and (u["id"], "conversion") in chains]
    entries = catalog_entries(entries_n, seed=23)
    rnd = random.Random(5)
    async with Bulk.open(settings) as bulk:
        entry_ids = await load_catalog(bulk, tenant_id, entries)
        by_id = dict(zip(entry_ids, entries))
        third = len(entry_ids) // 3
        rules = await load_rules(bulk, tenant_id, by_id, rules_n, entry_ids[:third], entry_ids[third:])
        world = World(tenant_id, units, subcentres, chains, entry_ids, by_id, sorted(rules.usable), rules.targets,
                      rules.sources, words=search_queries(entries, rnd, per_length=8))
        # The measured learner: 200 outcomes, 160 from the catalog among the rules' sources.
        home = subcentres[len(subcentres) // 2]
        [world.learner_id] = await load_accounts(bulk, tenant_id, [home["id"]], prefix="measured")
        first = await bulk.next_id("achievement")
        by_source: dict[int, int] = {}
        for rule_id in world.usable:
            for s in rules.sources[rule_id]:
                by_source[s] = by_source.get(s, 0) + 1
        sources = sorted(by_source)
        rows, picked = [], []
        for k in range(200):
            entry_id = rnd.choice(sources) if k % 5 else None
            rows.append(achievement_row(first + k, tenant_id, world.learner_id,
                                        (entry_id, by_id[entry_id]) if entry_id else None,
                                        "catalog" if entry_id else "recognized", rnd, NOW - timedelta(days=200 - k)))
            if entry_id:
                picked.append((by_source[entry_id], first + k))
        await bulk.load("achievement", ACHIEVEMENT_COLUMNS, rows)
        world.best_outcome = max(picked)[1]
        world.outcomes = 200
        queue_unit = subcentres[len(subcentres) // 3]
        centre = next(u for u in units if u["parent_id"] is None)
        world.queue_admin, world.centre_admin = await load_accounts(bulk, tenant_id, [queue_unit["id"], centre["id"]],
                                                                    kind="staff", seed=9, prefix="reviewer")
        await grant(bulk, tenant_id, world.queue_admin, "unit_admin", queue_unit["id"])
        await grant(bulk, tenant_id, world.centre_admin, "tenant_admin", centre["id"])
    return world


async def grow(settings: Settings, world: World, target: int, seed: int) -> float:
    """Add learners, outcomes and applications until the tenant holds ``target`` outcomes;
    returns the seconds it took."""
    started = time.perf_counter()
    rnd = random.Random(seed)
    more = target - world.outcomes
    async with Bulk.open(settings) as bulk:
        homes = [(rnd.choice(world.subcentres) if rnd.random() < 0.9 else rnd.choice(world.units))["id"]
                 for _ in range(more // 5)]
        learners = await load_accounts(bulk, world.tenant_id, homes, seed=seed, prefix=f"g{seed}-")
        unit_of = dict(zip(learners, homes))
        first_outcome = await bulk.next_id("achievement")
        first_app = await bulk.next_id("application")
        apps: list[tuple] = []

        def outcomes():
            for k in range(more):
                learner = learners[k // 5]
                age = k / more
                created = NOW - timedelta(days=(1 - age) * 700, minutes=rnd.randrange(1440))
                from_catalog = k % 2 == 0
                if from_catalog:
                    rule_id = rnd.choice(world.usable)
                    entry_id = world.rule_sources[rule_id][0]
                    row = achievement_row(first_outcome + k, world.tenant_id, learner,
                                          (entry_id, world.by_id[entry_id]), "catalog", rnd, created)
                else:
                    row = achievement_row(first_outcome + k, world.tenant_id, learner, None, "recognized", rnd, created)
                if k % 4 == 0:
                    kind = "conversion" if from_catalog else "recognition"
                    chain = world.chains.get((unit_of[learner], kind))
                    if chain is not None:
                        status = rnd.choice(OPEN) if rnd.random() < (0.05 + 0.6 * age ** 8) else "approved"
                        apps.append(application_row(first_app + len(apps), world.tenant_id, learner, kind,
                                                    first_outcome + k, rule_id if from_catalog else None,
                                                    world.rule_targets[rule_id] if from_catalog else None,
                                                    status, chain, created, rnd))
                yield row

        await bulk.load("achievement", ACHIEVEMENT_COLUMNS, outcomes(), rebuild_indexes=True)
        await bulk.load("application", APPLICATION_COLUMNS, apps, rebuild_indexes=True)
        await bulk.analyze()
    world.outcomes, world.learners = target, world.learners + len(learners)
    return time.perf_counter() - started


async def measure(settings: Settings, plugins: PluginRegistry, world: World, rounds: int) -> dict[str, Series]:
    app = create_app(settings, plugins, migrate=False, sync_tenants=False, run_sender=False)
    out = {name: Series(name) for name in PATHS}
    rnd = random.Random(3)
    async with LifespanManager(app):
        tokens = await issue_tokens({"learner": (world.learner_id, world.tenant_id),
                                     "queue": (world.queue_admin, world.tenant_id),
                                     "centre": (world.centre_admin, world.tenant_id)})
        auth = {k: {"Authorization": f"Bearer {v}"} for k, v in tokens.items()}
        calls = {
            "catalog search": lambda: asgi_get(app, f"{API}/catalog", {"q": rnd.choice(world.words)}),
            "my outcomes": lambda: asgi_get(app, f"{API}/me/achievements", headers=auth["learner"]),
            "rule matching": lambda: asgi_get(app, f"{API}/me/achievements/{world.best_outcome}/rules",
                                              headers=auth["learner"]),
            "review queue": lambda: asgi_get(app, f"{API}/reviews", {"status": "pending", "limit": "50"},
                                             headers=auth["queue"]),
            "unit report": lambda: asgi_get(app, f"{API}/admin/reports/units", {"unit": "ZJ"}, headers=auth["centre"]),
        }
        for call in calls.values():  # warm: plans, caches, the pool
            status, body = await call()
            assert status == 200, body[:500]
        for _ in range(rounds):
            for name, call in calls.items():
                started = time.perf_counter()
                status, body = await call()
                out[name].samples.append((time.perf_counter() - started) * 1000)
                assert status == 200, body[:500]
    return out


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", default="1000000,5000000,20000000", help="outcomes at each step, comma-separated")
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--smoke", action="store_true", help="tiny data (5k → 10k → 20k outcomes), few rounds")
    parser.add_argument("--dsn", default=DEFAULT_DSN)
    args = parser.parse_args()
    steps = [5_000, 10_000, 20_000] if args.smoke else [int(s) for s in args.steps.split(",")]
    rounds = 5 if args.smoke else args.rounds
    entries_n, rules_n = (2_000, 500) if args.smoke else (200_000, 20_000)
    plugins = PluginRegistry.discover()
    started = time.perf_counter()
    print(f"growth benchmark — {' → '.join(f'{s:,}' for s in steps)} outcomes; {entries_n:,} catalog entries, "
          f"{rules_n:,} rules fixed; {rounds} rounds per path and step")
    results: list[tuple[int, int, dict[str, Series]]] = []
    with temp_home() as tmp:
        async with scratch_postgres(args.dsn, "creditbank_bench_growth") as dsn:
            settings = settings_for(Path(tmp), dsn)
            world = await base(settings, plugins, entries_n, rules_n)
            for k, target in enumerate(steps):
                took = await grow(settings, world, target, seed=100 + k)
                print(f"\n{target:,} outcomes, {world.learners:,} learners (grown in {took:.0f} s)")
                figures = await measure(settings, plugins, world, rounds)
                for series in figures.values():
                    print(series.line())
                results.append((target, world.learners, figures))
    (small, _, first), (large, _, last) = results[0], results[-1]
    print(f"\ngrowth from {small:,} to {large:,} outcomes (data ratio {large / small:.1f}):")
    for name in PATHS:
        print(f"  ratio {name:<16} p50 {last[name].p50 / first[name].p50:6.2f}   p95 {last[name].p95 / first[name].p95:6.2f}")
    print(f"\ntotal {time.perf_counter() - started:.0f} s")



if __name__ == "__main__":
    asyncio.run(main())
