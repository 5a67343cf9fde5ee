"""Catalog search and a learner's outcome list: the API in-process against the same SQL run
directly, on PostgreSQL and on SQLite, in one run.

    .venv/bin/python bench/outcomes.py [--small] [--rounds 10] [--skip-sqlite]
        [--dsn postgresql://postgres@127.0.0.1:5432/postgres]

(a) ``GET /t/zhejiang/api/v1/catalog?q=…`` over 200,000 generated catalog entries of one
    tenant (courses, certificates, diplomas with realistic Chinese project, course and
    institution names; ``search_text`` made exactly as ``core.catalog.service._search_text``
    makes it), for a mix of 2-, 3- and 4-character Chinese words that hit between 0 and a few
    hundred entries. The SQL side is the statement ``core.catalog.service.search`` issues,
    run back-to-back on one connection (asyncpg; the stdlib ``sqlite3`` driver on SQLite).
(b) ``GET /t/zhejiang/api/v1/me/achievements`` (first page, with 可转换/已用规则数) for a
    learner with 200 outcomes among 100,000 of other learners, 20,000 rules. The SQL side is
    every statement the request runs: the token with its account and roles (one join), the
    page, the rules matching its catalog entries, the rules its applications use.

The app runs in this process (``create_app`` + ``asgi_lifespan``) and is called two ways: as
ASGI, the way a server hands it a request (the headline: the app's own cost), and through
``httpx.ASGITransport`` as the tests call it (which adds the client's own work); API and SQL
calls alternate, so drift hits both alike. ``--small`` divides
the data by ten (the learner keeps 200 outcomes). Figures are printed, never asserted; the
throw-away PostgreSQL database and the SQLite file are removed at the end.
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
    Entry,
    Series,
    achievement_row,
    application_row,
    asgi_get,
    catalog_entries,
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
    search_queries,
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
LIVE = ("submitted", "in_review", "approved")


@dataclass
class Sizes:
    entries: int = 200_000
    rules: int = 20_000
    other_learners: int = 2_000
    per_other_learner: int = 50
    outcomes: int = 200  # the measured learner's

    def small(self) -> Sizes:
        return Sizes(self.entries // 10, self.rules // 10, self.other_learners // 10, self.per_other_learner,
                     self.outcomes)

    def smoke(self) -> Sizes:
        return Sizes(2_000, 200, 20, 10, 40)


@dataclass
class World:
    tenant_id: int
    learner_id: int
    queries: list[str]
    entries: int
    outcomes: int


# ---------------------------------------------------------------------------------------------
# Data


async def build(settings: Settings, plugins: PluginRegistry, sizes: Sizes, entries: list[Entry],
                queries: list[str]) -> World:
    started = time.perf_counter()
    tenant_id = (await prepare(settings, plugins))[TENANT]
    rnd = random.Random(42)
    engine = make_engine(settings)
    async with db.connected(engine):
        from core.hierarchy.tables import OrgUnit

        units = await OrgUnit.select(OrgUnit.id, OrgUnit.code, OrgUnit.path, OrgUnit.level).where(
            OrgUnit.tenant_id == tenant_id)
        subcentres = [u for u in units if u["level"] == "subcenter"]
        home = subcentres[len(subcentres) // 2]
        chain = (await resolved_chains(tenant_id, plugins.hooks(TENANT), [home],
                                       [("conversion", "academic", "course")]))[home["id"], "conversion"]
    async with Bulk.open(settings) as bulk:
        entry_ids = await load_catalog(bulk, tenant_id, entries)
        by_id = dict(zip(entry_ids, entries))
        # Rules: sources among a third of the catalog, targets among the rest.
        third = len(entry_ids) // 3
        rules = await load_rules(bulk, tenant_id, by_id, sizes.rules, entry_ids[:third], entry_ids[third:])
        usable_by_entry: dict[int, list[int]] = {}
        for rule_id in rules.usable:
            for s in rules.sources[rule_id]:
                usable_by_entry.setdefault(s, []).append(rule_id)

        learner_id, *others = await load_accounts(
            bulk, tenant_id, [home["id"]] + [rnd.choice(subcentres)["id"] for _ in range(sizes.other_learners)])
        next_achievement = await bulk.next_id("achievement")
        rows = []
        # The measured learner: two thirds from the catalog (half of those with rules), the rest typed in.
        with_rules = [e for e in usable_by_entry if e in by_id]
        mine: list[tuple[int, int]] = []  # (achievement id, entry id)
        for k in range(sizes.outcomes):
            created = NOW - timedelta(days=sizes.outcomes - k)
            if k % 3:
                entry_id = rnd.choice(with_rules) if k % 2 else rnd.choice(entry_ids)
                rows.append(achievement_row(next_achievement, tenant_id, learner_id, (entry_id, by_id[entry_id]),
                                            "catalog", rnd, created))
                mine.append((next_achievement, entry_id))
            else:
                rows.append(achievement_row(next_achievement, tenant_id, learner_id, None,
                                            rnd.choice(("unapplied", "applied", "recognized", "rejected")), rnd, created))
            next_achievement += 1
        for learner in others:
            for _ in range(sizes.per_other_learner):
                entry_id = rnd.choice(entry_ids) if rnd.random() < 0.6 else None
                rows.append(achievement_row(next_achievement, tenant_id, learner,
                                            (entry_id, by_id[entry_id]) if entry_id else None,
                                            "catalog" if entry_id else rnd.choice(("unapplied", "recognized")), rnd,
                                            NOW - timedelta(days=rnd.randrange(2000))))
                next_achievement += 1
        await bulk.load("achievement", ACHIEVEMENT_COLUMNS, rows, rebuild_indexes=True)
        # Conversions the learner has applied for: some rules are used.
        apps, next_app = [], await bulk.next_id("application")
        for achievement_id, entry_id in mine:
            usable = usable_by_entry.get(entry_id, [])
            if usable and rnd.random() < 0.3:
                rule_id = rnd.choice(usable)
                apps.append(application_row(next_app, tenant_id, learner_id, "conversion", achievement_id, rule_id,
                                            rules.targets[rule_id], rnd.choice(LIVE), chain, NOW, rnd))
                next_app += 1
        await bulk.load("application", APPLICATION_COLUMNS, apps)
        await bulk.analyze()
    print(f"  data: {len(entries):,} catalog entries, {sizes.rules:,} rules, {len(rows):,} achievements "
          f"({sizes.outcomes} of the measured learner), {len(apps)} of its applications; "
          f"{time.perf_counter() - started:.1f} s")
    return World(tenant_id, learner_id, queries, len(entries), sizes.outcomes)


# ---------------------------------------------------------------------------------------------
# Measuring


async def measure(settings: Settings, plugins: PluginRegistry, world: World, rounds: int) -> dict[str, Series]:
    from core.achievements.service import list_achievements
    from core.catalog.service import search
    from core.security.principal import principal_for_token

    app = create_app(settings, plugins, migrate=False, sync_tenants=False, run_sender=False)
    out = {k: Series(label) for k, label in (
        ("search_api", f"GET /catalog?q=… ({len(world.queries)} words × {rounds})"),
        ("search_asgi", "  the app called as ASGI, no HTTP client"),
        ("search_service", "  core.catalog.service.search() alone"),
        ("search_sql", "  the statement search() ran, direct"),
        ("list_api", f"GET /me/achievements ({world.outcomes} outcomes, page of 20)"),
        ("list_asgi", "  the app called as ASGI, no HTTP client"),
        ("list_service", "  list_achievements() alone (no token, no HTTP)"),
        ("auth_service", "  principal_for_token() alone (1 of the 4 statements)"),
        ("list_sql", "  the statements they ran, direct (1 of them the token)"),
        ("floor", "GET /meta (no database: client + framework floor)"),
        ("floor_asgi", "  the app called as ASGI, no HTTP client"),
    )}
    async with LifespanManager(app):
        token = (await issue_tokens({"learner": (world.learner_id, world.tenant_id)}))["learner"]
        headers = {"Authorization": f"Bearer {token}"}
        tenant = await app.state.tenants.get(TENANT)
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 50000))
        direct = await Direct.open(settings)
        base = f"/t/{TENANT}/api/v1"
        try:
            async with httpx.AsyncClient(transport=transport, base_url="http://bench.local") as client:

                async def api_search(q: str) -> list[int]:
                    r = await client.get(f"{base}/catalog", params={"q": q})
                    assert r.status_code == 200, r.text
                    return [i["id"] for i in r.json()["items"]]

                async def asgi_search(q: str) -> list[int]:
                    status, body = await asgi_get(app, f"{base}/catalog", {"q": q})
                    assert status == 200, body
                    return [i["id"] for i in msgspec.json.decode(body)["items"]]

                async def api_list() -> list[int]:
                    r = await client.get(f"{base}/me/achievements", headers=headers)
                    assert r.status_code == 200, r.text
                    return [i["id"] for i in r.json()["items"]]

                async def asgi_list() -> list[int]:
                    status, body = await asgi_get(app, f"{base}/me/achievements", headers=headers)
                    assert status == 200, body
                    return [i["id"] for i in msgspec.json.decode(body)["items"]]

                def service_list():
                    return list_achievements(tenant, world.learner_id, status=None, cursor=None, limit=20)

                # The SQL side: the statements the services themselves run, recorded once.
                engine = app.state.engine
                searched = {q: await record(engine, lambda q=q: search(world.tenant_id, q=q)) for q in world.queries}
                listed = await record(engine, lambda: principal_for_token(tenant, token))
                listed += await record(engine, service_list)
                # Same answers every way (and warm caches, prepared statements, the pool).
                hits = []
                for q in world.queries:
                    expected = [r[0] for r in await direct.replay(searched[q])][:20]
                    assert await api_search(q) == expected == await asgi_search(q), q
                    everything = await search(world.tenant_id, q=q, limit=100_000)
                    hits.append(len(everything.items))
                expected = [i.id for i in (await service_list()).items]
                assert await api_list() == expected == await asgi_list()
                for _ in range(5):
                    await api_list()
                    await asgi_list()
                    await service_list()
                    await direct.replay(listed)

                search_calls = {"search_api": api_search, "search_asgi": asgi_search,
                                "search_service": lambda q: search(world.tenant_id, q=q),
                                "search_sql": lambda q: direct.replay(searched[q])}
                list_calls = {"list_api": api_list, "list_asgi": asgi_list, "list_service": service_list,
                              "auth_service": lambda: principal_for_token(tenant, token),
                              "list_sql": lambda: direct.replay(listed),
                              "floor": lambda: client.get(f"{base}/meta"),
                              "floor_asgi": lambda: asgi_get(app, f"{base}/meta")}

                async def rounds_of(n: int, keys: tuple[str, ...]) -> None:
                    """``n`` passes over the words (and 10 × ``n`` outcome lists), the calls of
                    ``keys`` alternating."""
                    order = list(world.queries)
                    rnd = random.Random(1)
                    for _ in range(n):
                        rnd.shuffle(order)
                        for q in order:
                            for key in (k for k in keys if k in search_calls):
                                await timed(out[key], lambda key=key, q=q: search_calls[key](q))
                                out.setdefault(f"{key}_{len(q)}", Series("")).samples.append(out[key].samples[-1])
                    for _ in range(n * 10):
                        for key in (k for k in keys if k in list_calls):
                            await timed(out[key], list_calls[key])

                await rounds_of(rounds, ("search_api", "search_asgi", "search_service", "search_sql", "list_api",
                                         "list_asgi", "list_service", "auth_service", "list_sql", "floor",
                                         "floor_asgi"))
        finally:
            await direct.close()
    by_length = {n: sorted(h for q, h in zip(world.queries, hits) if len(q) == n) for n in (2, 3, 4)}
    print("  search words: " + "; ".join(
        f"{n} chars: {len(h)} words, hits {h[0]}–{h[-1]} (median {h[len(h) // 2]})" for n, h in by_length.items() if h))
    return out


def report(kind: str, results: dict[str, Series]) -> None:
    for key in ("search_api", "search_asgi", "search_service", "search_sql"):
        print(results[key].line())
    for n in (2, 3, 4):
        api, sql = results.get(f"search_api_{n}"), results.get(f"search_sql_{n}")
        if api and sql:
            print(f"    {n}-character words: API p50 {api.p50:6.2f} ms  p95 {api.p95:6.2f} ms;  "
                  f"SQL p50 {sql.p50:6.2f} ms  p95 {sql.p95:6.2f} ms")
    for key in ("list_api", "list_asgi", "list_service", "auth_service", "list_sql", "floor", "floor_asgi"):
        print(results[key].line())
    # The headline is the app's own cost: the request handed to the app as ASGI, as a server
    # hands it over. The in-process httpx client builds and parses every request and response
    # itself (the /meta floor shows ~0.4-0.6 ms of it); a real client spends that on its own
    # machine, so it is printed beside the ratio, not in it.
    for label, sql, api, asgi in (("catalog search", "search_sql", "search_api", "search_asgi"),
                                  ("my achievements", "list_sql", "list_api", "list_asgi")):
        ratio = results[sql].p50 / results[asgi].p50
        print(ratio_line(f"{label}: API overhead ratio SQL p50 / app p50", results[sql], results[asgi],
                         f"target >= 0.5: {verdict(ratio >= 0.5)}; "
                         f"{results[sql].p50 / results[api].p50:.2f} with the in-process HTTP client's cost"))
    if kind == "postgres":
        api = results["search_api"]
        print(f"  {'catalog search API p95 <= 30 ms':<58} {api.p95:5.1f} ms: {verdict(api.p95 <= 30)}")


async def run(kind: str, settings: Settings, plugins: PluginRegistry, sizes: Sizes, entries: list[Entry],
              queries: list[str], rounds: int) -> None:
    print(f"\n{'PostgreSQL' if kind == 'postgres' else 'SQLite (temporary file)'}")
    world = await build(settings, plugins, sizes, entries, queries)
    report(kind, await measure(settings, plugins, world, rounds))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="a ten times smaller quick run")
    parser.add_argument("--smoke", action="store_true", help="tiny data, two rounds: proves it runs, in seconds")
    parser.add_argument("--rounds", type=int, default=10, help="passes over the search words")
    parser.add_argument("--dsn", default=DEFAULT_DSN)
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    sizes = Sizes().smoke() if args.smoke else Sizes().small() if args.small else Sizes()
    if args.smoke:
        args.rounds = min(args.rounds, 2)
    plugins = PluginRegistry.discover()

    started = time.perf_counter()
    entries = catalog_entries(sizes.entries)
    queries = search_queries(entries, random.Random(5), max_hits=max(40, sizes.entries // 500))
    print(f"outcomes benchmark — {sizes.entries:,} catalog entries generated in {time.perf_counter() - started:.1f} s; "
          f"{len(queries)} search words")
    with temp_home() as tmp:
        home = Path(tmp)
        async with scratch_postgres(args.dsn, "creditbank_bench_outcomes") as dsn:
            await run("postgres", settings_for(home, dsn), plugins, sizes, entries, queries, args.rounds)
        if not args.skip_sqlite:
            await run("sqlite", settings_for(home, f"sqlite:///{home / 'outcomes.sqlite3'}"), plugins, sizes, entries,
                      queries, max(2, args.rounds // 2))
    print(f"\ntotal {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    asyncio.run(main())
