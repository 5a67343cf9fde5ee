"""Portal pages against the JSON they show: server-side render time, in one run.

    .venv/bin/python bench/pages.py [--samples 200] [--skip-sqlite]
        [--dsn postgresql://postgres@127.0.0.1:5432/postgres]

(a) 我的信息 (``GET /t/zhejiang/me``) for a learner with 200 outcomes, against the same data
    as JSON: ``GET /api/v1/me/summary`` + ``GET /api/v1/me/achievements?limit=10`` (the first
    page, as many rows as the page shows).
(b) A review queue page (``GET /t/zhejiang/staff/reviews?limit=50``) with 50 pending rows for
    a sub-centre admin, against ``GET /api/v1/reviews?status=pending&limit=50``.

Both sides are called on the ASGI app directly (``asgi_get``), alternating, so drift hits both
alike; the page side authenticates with the session cookie, the JSON side with the bearer
token of the same login. Targets: page ≤ 2× the JSON time, page p95 ≤ 50 ms. Figures are
printed, never asserted; the throw-away databases are removed at the end.
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

import msgspec
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
    make_engine,
    prepare,
    resolved_chains,
    scratch_postgres,
    settings_for,
    temp_home,
    verdict,
)
from core import db  # noqa: E402
from core.app import create_app  # noqa: E402
from core.plugins import PluginRegistry  # noqa: E402
from core.settings import Settings  # noqa: E402

TENANT = "zhejiang"
OUTCOMES = 200
QUEUE_ROWS = 50
ME_PAGE_ROWS = 10  # the outcomes 我的信息 shows a page (core.reviews.outcome_pages.PAGE_SIZE)


@dataclass
class World:
    tenant_id: int
    learner_id: int
    reviewer_id: int


async def build(settings: Settings, plugins: PluginRegistry) -> World:
    tenant_id = (await prepare(settings, plugins))[TENANT]
    rnd = random.Random(7)
    engine = make_engine(settings)
    async with db.connected(engine):
        from core.hierarchy.tables import OrgUnit

        units = await OrgUnit.select(OrgUnit.id, OrgUnit.code, OrgUnit.path, OrgUnit.level).where(
            OrgUnit.tenant_id == tenant_id)
        points = [u for u in units if u["level"] == "acceptance_point"] or [u for u in units if u["level"] == "subcenter"]
        home = points[0]
        chains = await resolved_chains(tenant_id, plugins.hooks(TENANT), [home], [("recognition", "informal", "competition")])
        chain = chains[home["id"], "recognition"]
    async with Bulk.open(settings) as bulk:
        entries = catalog_entries(2_000)
        entry_ids = await load_catalog(bulk, tenant_id, entries)
        by_id = dict(zip(entry_ids, entries))
        learner_id, *others = await load_accounts(bulk, tenant_id, [home["id"]] * (QUEUE_ROWS + 1))
        reviewer_id, = await load_accounts(bulk, tenant_id, [home["id"]], kind="staff", seed=5, prefix="staff")
        await grant(bulk, tenant_id, reviewer_id, chain.steps[0][0], chain.steps[0][1] or home["id"])
        rows, next_id = [], await bulk.next_id("achievement")
        for k in range(OUTCOMES):
            entry_id = rnd.choice(entry_ids) if k % 3 else None
            rows.append(achievement_row(next_id + k, tenant_id, learner_id,
                                        (entry_id, by_id[entry_id]) if entry_id else None,
                                        "catalog" if entry_id else rnd.choice(("unapplied", "recognized")), rnd,
                                        NOW - timedelta(days=OUTCOMES - k)))
        # One hand-typed outcome per other learner, each under recognition review at the point.
        pending = [achievement_row(next_id + OUTCOMES + k, tenant_id, other, None, "applied", rnd, NOW)
                   for k, other in enumerate(others)]
        await bulk.load("achievement", ACHIEVEMENT_COLUMNS, rows + pending)
        first_app = await bulk.next_id("application")
        apps = [application_row(first_app + k, tenant_id, row[2], "recognition", row[0], None, None, "submitted", chain,
                                NOW - timedelta(hours=k), rnd) for k, row in enumerate(pending)]
        await bulk.load("application", APPLICATION_COLUMNS, apps)
        await bulk.analyze()
    return World(tenant_id, learner_id, reviewer_id)


async def measure(settings: Settings, plugins: PluginRegistry, world: World, samples: int) -> dict[str, Series]:
    app = create_app(settings, plugins, migrate=False, sync_tenants=False, run_sender=False)
    out = {k: Series(label) for k, label in (
        ("me_page", "我的信息 page (/me)"), ("me_json", "JSON: /me/summary + /me/achievements"),
        ("queue_page", f"review queue page, {QUEUE_ROWS} rows"), ("queue_json", f"JSON: /reviews, {QUEUE_ROWS} rows"))}
    async with LifespanManager(app):
        tokens = await issue_tokens({"learner": (world.learner_id, world.tenant_id),
                                     "reviewer": (world.reviewer_id, world.tenant_id)})
        api = f"/t/{TENANT}/api/v1"

        async def call(series: Series, *requests: tuple[str, dict, dict]) -> None:
            started = time.perf_counter()
            for path, params, headers in requests:
                status, body = await asgi_get(app, path, params, headers)
                if status != 200:
                    raise SystemExit(f"{path} answered {status}: {body[:300]!r}")
            series.samples.append((time.perf_counter() - started) * 1000)

        learner_cookie = {"Cookie": f"cb_session_{TENANT}={tokens['learner']}"}
        learner_bearer = {"Authorization": f"Bearer {tokens['learner']}"}
        reviewer_cookie = {"Cookie": f"cb_session_{TENANT}={tokens['reviewer']}"}
        reviewer_bearer = {"Authorization": f"Bearer {tokens['reviewer']}"}
        # Measure only what the targets name: a 50-row queue on both sides, 200 outcomes behind 我的信息.
        status, body = await asgi_get(app, f"/t/{TENANT}/staff/reviews", {"limit": str(QUEUE_ROWS)}, reviewer_cookie)
        rows = body.count(b"<tr") - 1
        _, queue = await asgi_get(app, f"{api}/reviews", {"status": "pending", "limit": str(QUEUE_ROWS)}, reviewer_bearer)
        _, summary = await asgi_get(app, f"{api}/me/summary", {}, learner_bearer)
        listed, total = len(msgspec.json.decode(queue)["items"]), msgspec.json.decode(summary)["total"]
        if status != 200 or rows != QUEUE_ROWS or listed != QUEUE_ROWS or total != OUTCOMES:
            raise SystemExit(f"data not as the targets name it: queue page {status} with {rows} rows, "
                             f"JSON {listed} rows, learner {total} outcomes")
        print(f"  queue page and JSON: {rows} rows each; learner: {total} outcomes")
        for k in range(samples + 10):  # the first ten warm caches and are dropped
            await call(out["me_page"], (f"/t/{TENANT}/me", {}, learner_cookie))
            await call(out["me_json"], (f"{api}/me/summary", {}, learner_bearer), (f"{api}/me/achievements", {"limit": str(ME_PAGE_ROWS)}, learner_bearer))
            await call(out["queue_page"], (f"/t/{TENANT}/staff/reviews", {"limit": str(QUEUE_ROWS)}, reviewer_cookie))
            await call(out["queue_json"], (f"{api}/reviews", {"status": "pending", "limit": str(QUEUE_ROWS)}, reviewer_bearer))
            if k == 9:
                for series in out.values():
                    series.samples.clear()
    return out


def report(kind: str, results: dict[str, Series]) -> None:
    print(f"\n{kind}")
    for series in results.values():
        print(series.line())
    for page, json_ in (("me_page", "me_json"), ("queue_page", "queue_json")):
        ratio = results[page].p50 / results[json_].p50
        p95 = results[page].p95
        print(f"  {results[page].label:<40} ratio page/JSON {ratio:4.2f} (≤ 2: {verdict(ratio <= 2)}), "
              f"p95 {p95:5.1f} ms (≤ 50: {verdict(p95 <= 50)})")


async def run(kind: str, settings: Settings, plugins: PluginRegistry, samples: int) -> None:
    started = time.perf_counter()
    world = await build(settings, plugins)
    print(f"  {kind}: data built in {time.perf_counter() - started:.1f} s")
    report(kind, await measure(settings, plugins, world, samples))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--skip-sqlite", action="store_true")
    parser.add_argument("--dsn", default=DEFAULT_DSN)
    parser.add_argument("--smoke", action="store_true", help="tiny data, short runs: proves it runs, in seconds")
    args = parser.parse_args()
    if args.smoke:
        args.samples = min(args.samples, 15)
    plugins = PluginRegistry.discover()
    async with scratch_postgres(args.dsn, "bench_pages") as url:
        with temp_home() as home:
            await run("PostgreSQL", settings_for(Path(home), url), plugins, args.samples)
    if not args.skip_sqlite:
        with temp_home() as home:
            await run("SQLite", settings_for(Path(home), f"sqlite:///{home}/bench.sqlite3"), plugins, args.samples)


if __name__ == "__main__":
    asyncio.run(main())
